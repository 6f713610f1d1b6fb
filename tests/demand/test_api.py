from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from escapevelocity.demand import services
from escapevelocity.demand.models import DemandRequest, RequirementSet, Status
from tests.demand.conftest import Demand

API = "/api/demand"


def call(client: Client, method: str, path: str, body: Any = None) -> Any:
    kwargs: dict[str, Any] = {}
    if body is not None:
        kwargs = {"data": json.dumps(body), "content_type": "application/json"}
    return getattr(client, method)(f"{API}{path}", **kwargs)


def bearer(demand: Demand, user: Any) -> Client:
    return Client(headers={"Authorization": f"Bearer {demand.org.token(user)}"})


def people(demand: Demand) -> dict[str, Any]:
    o = demand.org
    return {"alice": o.alice, "bob": o.bob, "charlie": o.charlie, "erin": demand.erin,
            "nobody": o.nobody}  # fmt: skip


def complete_body(demand: Demand) -> dict[str, Any]:
    reqs = services.current_requirements(demand.training)
    assert reqs is not None
    return {
        "unit": "care",
        "kind": "training",
        "title": "Train the care team",
        "business_goal": "Answer customers well.",
        "outcome_metric": "Cost per contact",
        "expected_value": 20000,
        "due_date": (dt.date.today() + dt.timedelta(days=30)).isoformat(),
        "effort_hours": 6,
        "goal": demand.goal.pk,
        "checklist": {i["key"]: "done" for i in reqs.items},
        "links": ["https://intranet.example/plan"],
    }


def test_it_refuses_anonymous_callers(demand: Demand) -> None:
    for method, path in [("get", "/kinds"), ("get", "/requests"), ("get", "/risk"),
                         ("get", "/playbooks"), ("post", "/requests")]:  # fmt: skip
        assert call(Client(), method, path, {} if method == "post" else None).status_code == 401


def test_it_shows_the_published_requirements_to_every_member(demand: Demand) -> None:
    for name, user in people(demand).items():
        response = call(bearer(demand, user), "get", "/kinds")
        if name == "nobody":
            assert response.status_code == 403
            continue
        assert response.status_code == 200, name
        kinds = {k["key"]: k for k in response.json()}
        labels = [i["label"] for i in kinds["new_account"]["items"]]
        assert "Exit plan" in labels
        assert kinds["training"]["playbooks"] == [demand.playbook.slug]


def test_it_lets_only_the_hub_publish_requirements(demand: Demand) -> None:
    body = {"intro": "v2", "items": [{"label": "Budget", "help": "how much"}]}
    for name, user in people(demand).items():
        response = call(bearer(demand, user), "put", "/kinds/training/requirements", body)
        assert response.status_code == (201 if name == "alice" else 403), name
    assert RequirementSet.objects.filter(kind=demand.training).count() == 2
    assert call(bearer(demand, demand.org.alice), "put", "/kinds/nope/requirements",
                body).status_code == 404  # fmt: skip
    bad = call(bearer(demand, demand.org.alice), "put", "/kinds/training/requirements",
               {"items": [{"label": "x"}], "extra": 1})  # fmt: skip
    assert bad.status_code == 422


def test_it_files_a_draft_then_names_every_missing_item_on_submit(demand: Demand) -> None:
    bob = bearer(demand, demand.org.bob)
    response = call(bob, "post", "/requests",
                    {"unit": "care", "kind": "new_account", "title": "Our Instagram"})  # fmt: skip
    assert response.status_code == 201
    rid = response.json()["id"]
    assert response.json()["status"] == "draft"
    response = call(bob, "post", f"/requests/{rid}/submit")
    assert response.status_code == 422
    fields = {d["loc"][-1]: d["msg"] for d in response.json()["detail"]}
    assert fields["checklist_exit_plan"] == "Requirement missing: Exit plan."
    assert "business_goal" in fields
    assert DemandRequest.objects.get(pk=rid).status == Status.DRAFT


def test_it_refuses_a_submission_that_misses_requirements_and_saves_nothing(
    demand: Demand,
) -> None:
    body = complete_body(demand)
    body["checklist"] = {}
    body["submit"] = True
    response = call(bearer(demand, demand.org.bob), "post", "/requests", body)
    assert response.status_code == 422
    locs = {d["loc"][-1] for d in response.json()["detail"]}
    assert "checklist_who_and_how_many" in locs
    assert not DemandRequest.objects.exists()


def test_it_files_and_submits_a_complete_request(demand: Demand) -> None:
    body = complete_body(demand) | {"submit": True}
    response = call(bearer(demand, demand.org.bob), "post", "/requests", body)
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["status"] == "submitted"
    assert data["links"] == ["https://intranet.example/plan"]
    assert data["priority_band"] in ("high", "medium")
    assert {r["factor"] for r in data["score_reasons"]} == {
        "alignment", "impact", "risk", "effort", "urgency",
    }  # fmt: skip


def test_it_keeps_filing_to_ones_own_unit(demand: Demand) -> None:
    body = complete_body(demand)
    for name in ("charlie", "erin"):
        response = call(bearer(demand, people(demand)[name]), "post", "/requests", body)
        assert response.status_code in (403, 422), name
    response = call(bearer(demand, demand.org.charlie), "post", "/requests", body)
    assert [d["loc"][-1] for d in response.json()["detail"]] == ["unit"]
    response = call(bearer(demand, demand.erin), "post", "/requests", body)
    assert response.status_code == 403
    assert call(bearer(demand, demand.org.bob), "post", "/requests",
                body | {"effort_hours": -1}).status_code == 422  # fmt: skip
    assert not DemandRequest.objects.exists()


def test_it_shows_each_person_the_requests_they_may_see(demand: Demand) -> None:
    r = demand.submitted()
    expected = {"alice": 200, "bob": 200, "charlie": 404, "erin": 200, "nobody": 403}
    for name, user in people(demand).items():
        client = bearer(demand, user)
        assert call(client, "get", f"/requests/{r.pk}").status_code == expected[name], name
        assert call(client, "get", f"/requests/{r.pk}/events").status_code == expected[name]
        listing = call(client, "get", "/requests")
        if name == "nobody":
            assert listing.status_code == 403
        else:
            ids = [x["id"] for x in listing.json()]
            assert ids == ([] if name == "charlie" else [r.pk]), name


def test_it_lets_only_the_owner_unit_edit_and_the_hub_decide(demand: Demand) -> None:
    draft = services.request_create(
        actor=demand.org.bob, unit=demand.org.care, kind=demand.training, title="Draft"
    )
    assert call(bearer(demand, demand.org.charlie), "patch", f"/requests/{draft.pk}",
                {"title": "x"}).status_code == 404  # fmt: skip
    assert call(bearer(demand, demand.erin), "patch", f"/requests/{draft.pk}",
                {"title": "x"}).status_code == 404  # fmt: skip
    ok = call(bearer(demand, demand.org.bob), "patch", f"/requests/{draft.pk}", {"title": "New"})
    assert ok.status_code == 200
    assert ok.json()["title"] == "New"

    r = demand.submitted()
    body = {"decision": "redirect", "playbook": demand.playbook.slug}
    expected = {"bob": 403, "charlie": 404, "erin": 403, "nobody": 403}
    for name, code in expected.items():
        client = bearer(demand, people(demand)[name])
        assert call(client, "post", f"/requests/{r.pk}/decision", body).status_code == code, name
        assert call(client, "post", f"/requests/{r.pk}/move",
                    {"to": "under_review"}).status_code == code  # fmt: skip
    alice = bearer(demand, demand.org.alice)
    bad = call(alice, "post", f"/requests/{r.pk}/decision", {"decision": "redirect"})
    assert bad.status_code == 422
    assert [d["loc"][-1] for d in bad.json()["detail"]] == ["playbook"]
    done = call(alice, "post", f"/requests/{r.pk}/decision", body)
    assert done.status_code == 200
    assert done.json()["status"] == "redirected"
    assert done.json()["playbook"] == demand.playbook.slug


def test_it_takes_comments_from_the_unit_and_the_hub_only(demand: Demand) -> None:
    r = demand.submitted()
    expected = {"alice": 201, "bob": 201, "charlie": 404, "erin": 403, "nobody": 403}
    for name, code in expected.items():
        client = bearer(demand, people(demand)[name])
        response = call(client, "post", f"/requests/{r.pk}/comments", {"text": "hello"})
        assert response.status_code == code, name
    events = call(bearer(demand, demand.erin), "get", f"/requests/{r.pk}/events").json()
    assert [e["kind"] for e in events].count("comment") == 2


def test_it_serves_the_risk_to_dashboard_readers(demand: Demand) -> None:
    expected = {"alice": 200, "bob": 403, "charlie": 403, "erin": 200, "nobody": 403}
    for name, code in expected.items():
        response = call(bearer(demand, people(demand)[name]), "get", "/risk")
        assert response.status_code == code, name
    data = call(bearer(demand, demand.erin), "get", "/risk?add_people=2").json()
    assert data["hub_hours"] == 120
    assert len(data["weeks"]) == 12
    assert data["verdict"] in ("help_desk", "holding", "escape_velocity")
    assert call(bearer(demand, demand.erin), "get", "/risk?redirect_share=2").status_code == 422


@pytest.mark.parametrize("count", [2, 12])
def test_it_lists_requests_in_constant_queries(
    demand: Demand, count: int, django_assert_max_num_queries: Any
) -> None:
    for _ in range(count):
        demand.submitted()
    client = bearer(demand, demand.org.alice)
    with django_assert_max_num_queries(8):
        response = call(client, "get", "/requests?status=submitted")
    assert len(response.json()) == count


def test_it_pages_the_request_list_past_any_single_answer(demand: Demand) -> None:
    made = [demand.submitted() for _ in range(3)]
    client = bearer(demand, demand.org.alice)
    everything = [r["id"] for r in call(client, "get", "/requests?status=submitted").json()]
    assert sorted(everything) == sorted(r.pk for r in made)
    first = [r["id"] for r in call(client, "get", "/requests?status=submitted&limit=2").json()]
    rest = call(client, "get", "/requests?status=submitted&limit=2&offset=2").json()
    assert first + [r["id"] for r in rest] == everything  # the same order, nothing twice
    assert call(client, "get", "/requests?status=submitted&offset=3").json() == []
    for bad in ("limit=0", "limit=501", "offset=-1", "limit=x"):
        response = call(client, "get", f"/requests?{bad}")
        assert response.status_code == 422, bad
        assert response.json()["detail"][0]["loc"][-1] == bad.split("=")[0]
