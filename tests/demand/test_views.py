from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client

from escapevelocity.demand import services
from escapevelocity.demand.models import DemandRequest, Playbook, RequirementSet, Status
from escapevelocity.org import permissions
from tests.demand.conftest import Demand


def people(demand: Demand) -> dict[str, Any]:
    o = demand.org
    return {"alice": o.alice, "bob": o.bob, "charlie": o.charlie, "erin": demand.erin,
            "nobody": o.nobody}  # fmt: skip


def get_all(demand: Demand, url: str) -> dict[str, int]:
    return {
        name: demand.org.client(user).get(url).status_code for name, user in people(demand).items()
    }


def test_it_sends_anonymous_visitors_to_log_in(demand: Demand) -> None:
    r = demand.submitted()
    for url in ("/demand/", "/demand/new/", f"/demand/requests/{r.pk}/", "/demand/requirements/",
                "/demand/playbooks/", "/demand/risk/", "/demand/settings/"):  # fmt: skip
        response = Client().get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/")


def test_it_guards_every_page(demand: Demand) -> None:
    r = demand.submitted()
    pb = demand.playbook.slug
    expected = {
        # page: alice, bob, charlie, erin, nobody
        "/demand/": (200, 200, 200, 200, 403),
        "/demand/new/": (200, 200, 200, 403, 403),
        "/demand/new/?kind=training": (200, 200, 200, 403, 403),
        f"/demand/requests/{r.pk}/": (200, 200, 404, 200, 403),
        f"/demand/requests/{r.pk}/edit/": (302, 302, 404, 403, 403),
        "/demand/requirements/": (200, 200, 200, 200, 403),
        "/demand/requirements/training/edit/": (200, 403, 403, 403, 403),
        "/demand/playbooks/": (200, 200, 200, 200, 403),
        f"/demand/playbooks/{pb}/": (200, 200, 200, 200, 403),
        f"/demand/playbooks/{pb}/edit/": (200, 403, 403, 403, 403),
        "/demand/playbooks/new/": (200, 403, 403, 403, 403),
        "/demand/risk/": (200, 403, 403, 200, 403),
        "/demand/settings/": (200, 403, 403, 403, 403),
    }
    for url, codes in expected.items():
        got = get_all(demand, url)
        assert tuple(got.values()) == codes, (url, got)


def test_it_guards_every_action(demand: Demand) -> None:
    r = demand.submitted()
    actions = {
        f"/demand/requests/{r.pk}/decide/": {"decision": "decline", "reason": "no"},
        f"/demand/requests/{r.pk}/move/": {"to": "under_review"},
    }
    for url, data in actions.items():
        for name in ("bob", "erin"):
            assert demand.org.client(people(demand)[name]).post(url, data).status_code == 403
        assert demand.org.client(demand.org.charlie).post(url, data).status_code == 404
        assert demand.org.client(demand.org.nobody).post(url, data).status_code == 403
    comment = f"/demand/requests/{r.pk}/comment/"
    assert demand.org.client(demand.erin).post(comment, {"text": "hi"}).status_code == 403
    assert demand.org.client(demand.org.charlie).post(comment, {"text": "hi"}).status_code == 404
    r.refresh_from_db()
    assert r.status == Status.SUBMITTED
    assert not r.events.filter(kind="comment").exists()


def test_it_files_a_request_blocks_the_missing_item_then_submits(demand: Demand) -> None:
    client = demand.org.client(demand.org.bob)
    form = {
        "unit": "care",
        "title": "Train the care team",
        "business_goal": "Fewer escalations",
        "outcome_metric": "Cost per contact",
        "due_date": "2099-01-31",
        "effort_hours": "6",
        "goal": str(demand.goal.pk),
        "checklist_who_and_how_many": "Twelve agents",
        "checklist_what_they_will_do": "",
        "links": "https://intranet.example/plan",
        "action": "submit",
    }
    response = client.post("/demand/new/?kind=training", form)
    assert response.status_code == 422
    html = response.content.decode()
    assert "Requirement missing: What they will do." in html
    draft = DemandRequest.objects.get()
    assert draft.status == Status.DRAFT
    assert f'action="/demand/requests/{draft.pk}/edit/"' in html

    form["checklist_what_they_will_do"] = "Answer customers"
    response = client.post(f"/demand/requests/{draft.pk}/edit/", form)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED
    assert draft.checklist["what_they_will_do"] == "Answer customers"


def test_it_redirects_a_request_to_a_playbook_from_its_page(demand: Demand) -> None:
    r = demand.submitted()
    page = demand.org.client(demand.org.alice).get(f"/demand/requests/{r.pk}/")
    assert b"Record decision" in page.content
    assert (
        b"Record decision" not in demand.org.client(demand.erin).get(r.get_absolute_url()).content
    )
    response = demand.org.client(demand.org.alice).post(
        f"/demand/requests/{r.pk}/decide/",
        {"decision": "redirect", "playbook": demand.playbook.slug},
    )
    assert response.status_code == 302
    r.refresh_from_db()
    assert r.status == Status.REDIRECTED
    bad = demand.submitted()
    demand.org.client(demand.org.alice).post(
        f"/demand/requests/{bad.pk}/decide/", {"decision": "defer", "deferred_until": "soon"}
    )
    bad.refresh_from_db()
    assert bad.status == Status.SUBMITTED


def test_it_escapes_what_units_write_and_sanitizes_the_hubs_markdown(demand: Demand) -> None:
    demand.submitted(title="<script>alert('x')</script>")
    board = demand.org.client(demand.org.alice).get("/demand/").content.decode()
    assert "<script>alert" not in board
    assert "&lt;script&gt;alert" in board
    services.requirements_publish(
        actor=demand.org.alice,
        kind=demand.training,
        intro="**Bold** <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=y>",
        items=[{"label": "Budget", "help": ""}],
    )
    page = demand.org.client(demand.org.bob).get("/demand/requirements/").content.decode()
    assert "<strong>Bold</strong>" in page
    assert "<script>alert(1)" not in page
    assert "javascript:" not in page
    assert "onerror" not in page


def test_it_publishes_requirements_from_the_edit_page(demand: Demand) -> None:
    client = demand.org.client(demand.org.alice)
    response = client.post(
        "/demand/requirements/training/edit/",
        {"intro": "Read this", "items": "Who and how many | names\nBudget"},
    )
    assert response.status_code == 302
    latest = RequirementSet.objects.filter(kind=demand.training).order_by("-version").first()
    assert latest is not None
    assert latest.version == 2
    assert [i["label"] for i in latest.items] == ["Who and how many", "Budget"]


def test_it_keeps_playbooks_from_the_edit_page(demand: Demand) -> None:
    client = demand.org.client(demand.org.alice)
    response = client.post(
        "/demand/playbooks/new/",
        {"title": "Write a content plan", "body": "# Plan\n\nWeekly.", "kinds": ["content"]},
    )
    assert response.status_code == 302
    assert Playbook.objects.get(slug="write-a-content-plan").kinds.get().key == "content"
    response = client.post("/demand/playbooks/new/", {"title": "", "body": ""})
    assert response.status_code == 422


def test_it_shows_the_risk_gauge_and_scenarios(demand: Demand) -> None:
    demand.submitted()
    page = demand.org.client(demand.erin).get("/demand/risk/?add_people=2&redirect_pct=30")
    html = page.content.decode()
    assert 'id="risk-load"' in html
    assert "Scenario. Without it:" in html
    assert "/static/plotly/plotly.min.js" in html
    assert 'id="gauge-figure" type="application/json"' in html
    assert demand.org.client(demand.org.bob).get("/demand/").content.count(b"risk-load") == 0


def test_it_shows_the_risk_panel_on_the_home_page_to_the_hub_only(demand: Demand) -> None:
    assert b'id="risk-load"' in demand.org.client(demand.org.alice).get("/").content
    for user in (demand.org.bob, demand.erin, demand.org.nobody):
        assert b'id="risk-load"' not in demand.org.client(user).get("/").content


def test_it_saves_goals_and_capacity_settings(demand: Demand) -> None:
    client = demand.org.client(demand.org.alice)
    assert client.post("/demand/settings/", {"form": "goal", "title": "Grow leads",
                                             "weight": "2"}).status_code == 302  # fmt: skip
    response = client.post(
        "/demand/settings/",
        {"form": "settings", "planned_share": "0.5", "overload_at": "0.8",
         "default_request_hours": "6", "hours_per_escalation": "0.5"},
    )  # fmt: skip
    assert response.status_code == 302
    assert services.settings_get().planned_share == pytest.approx(0.5)
    assert permissions.is_hub(demand.org.alice)


@pytest.mark.parametrize("count", [2, 15])
def test_it_renders_the_board_in_constant_queries(
    demand: Demand, count: int, django_assert_max_num_queries: Any
) -> None:
    for _ in range(count):
        demand.submitted()
    client = demand.org.client(demand.org.alice)
    with django_assert_max_num_queries(20):
        response = client.get("/demand/?kind=training")
    assert response.content.count(b"Train the care team") == count


def test_it_filters_the_board(demand: Demand) -> None:
    demand.submitted(title="Alpha request")
    client = demand.org.client(demand.org.alice)
    assert b"Alpha request" in client.get("/demand/?unit=care").content
    assert b"Alpha request" not in client.get("/demand/?unit=product").content
    assert b"Alpha request" not in client.get("/demand/?q=beta").content


@pytest.mark.parametrize("count", [1, 8])
def test_it_lists_playbooks_and_requirements_in_constant_queries(
    demand: Demand, count: int, django_assert_max_num_queries: Any
) -> None:
    for i in range(count):
        services.playbook_save(
            actor=demand.org.alice, title=f"Guide {i}", body="Do it.", kinds=[demand.training]
        )
        services.requirements_publish(
            actor=demand.org.alice, kind=demand.training, intro="", items=[{"label": f"I{i}"}]
        )
    client = demand.org.client(demand.org.bob)
    with django_assert_max_num_queries(10):
        assert client.get("/demand/playbooks/").content.count(b"Guide ") == count
    with django_assert_max_num_queries(10):
        assert client.get("/demand/requirements/").status_code == 200


def test_it_shows_only_the_latest_finished_work_on_the_board(demand: Demand) -> None:
    for i in range(17):
        demand.submitted(title=f"Finished {i:02d}")
    DemandRequest.objects.update(status=Status.DONE)
    html = demand.org.client(demand.org.alice).get("/demand/").content.decode()
    assert "and 2 earlier" in html
    assert "Finished 16" in html
    assert "Finished 00" not in html


def test_it_brings_a_deferred_request_back_when_its_date_comes(demand: Demand) -> None:
    r = demand.submitted(title="Later please")
    services.request_decide(
        actor=demand.org.alice,
        request=r,
        decision="defer",
        deferred_until=dt.date.today() + dt.timedelta(days=3),
    )
    client = demand.org.client(demand.org.alice)
    assert "decide again" not in client.get("/demand/").content.decode()
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=4)):
        html = client.get("/demand/").content.decode()
    assert "decide again" in html
