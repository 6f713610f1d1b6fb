"""Maturity pages: who may take, read, compare and download assessments."""

from __future__ import annotations

import re
from typing import Any

import pytest
import time_machine
from django.test import Client

from escapevelocity.maturity import services
from escapevelocity.maturity.models import Assessment
from escapevelocity.planning.maturity import LiveSignals
from tests.conftest import Org
from tests.maturity.conftest import form_data

pytestmark = pytest.mark.django_db


def record(org: Org, answers: dict[str, Any], **kw: Any) -> Assessment:
    kw.setdefault("signals", LiveSignals())
    return services.assessment_record(actor=org.alice, raw_answers=answers, **kw)


def pages(a: Assessment, b: Assessment) -> list[str]:
    return [
        "/maturity/",
        f"/maturity/{a.pk}/",
        f"/maturity/{a.pk}/report/",
        f"/maturity/{a.pk}/report/?download=1",
        f"/maturity/compare/?a={a.pk}&b={b.pk}",
    ]


def test_it_lets_the_hub_executives_and_spoke_leads_read_and_nobody_else(
    org: Org, readers: dict[str, Any], example_answers: dict[str, Any]
) -> None:
    a = record(org, example_answers, title="First")
    b = record(org, {**example_answers, "executive_sponsor": "named"}, title="Second")
    allowed = [org.alice, readers["executive"], readers["spoke_lead"]]
    refused = [org.bob, org.charlie, org.nobody]
    for url in pages(a, b):
        for user in allowed:
            assert org.client(user).get(url).status_code == 200, (url, user)
        for user in refused:
            assert org.client(user).get(url).status_code == 403, (url, user)
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


def test_it_lets_only_the_hub_take_an_assessment(
    org: Org, readers: dict[str, Any], example_answers: dict[str, Any]
) -> None:
    body = form_data(example_answers)
    for user in (org.bob, org.charlie, org.nobody, readers["executive"], readers["spoke_lead"]):
        client = org.client(user)
        assert client.get("/maturity/assess/").status_code == 403
        assert client.post("/maturity/assess/", body).status_code == 403
    assert Assessment.objects.count() == 0
    client = org.client(org.alice)
    assert client.get("/maturity/assess/").status_code == 200
    response = client.post("/maturity/assess/", body)
    assert response.status_code == 302
    created = Assessment.objects.get()
    assert response["Location"] == f"/maturity/{created.pk}/"
    assert created.created_by == org.alice
    assert created.declared_org_model == "hub_and_spoke"
    assert created.answers["social_care"] == {
        "value": "staffed",
        "evidence": "Care NA and Care EU answer on social, 2-hour SLA",
    }
    assert created.stage == created.result["stage"]["number"] == 3


def test_it_shows_every_question_with_help_and_an_evidence_field(org: Org) -> None:
    html = org.client(org.alice).get("/maturity/assess/").content.decode()
    from escapevelocity.planning.maturity import load_questionnaire

    for q in load_questionnaire().questions:
        assert f'for="q-{q.id}"' in html
        assert f'id="q-{q.id}-evidence"' in html
        assert f'id="q-{q.id}-help"' in html


def test_it_refuses_incomplete_or_bad_answers_naming_them_and_writes_nothing(
    org: Org, example_answers: dict[str, Any]
) -> None:
    body = form_data(example_answers)
    body["listening"] = "sometimes"
    body["challenge_roi"] = "9"
    del body["crisis_plan"]
    response = org.client(org.alice).post("/maturity/assess/", body)
    assert response.status_code == 422
    html = response.content.decode()
    assert "&#x27;sometimes&#x27; is not one of" in html
    assert "A whole number from 1 to 5 is expected." in html
    assert 'href="#q-crisis_plan"' in html
    assert "Answer this question." in html
    # What was typed is kept.
    assert re.search(r'<option value="staffed" selected>', html)
    assert Assessment.objects.count() == 0


def test_it_prefills_the_questionnaire_with_the_last_answers(
    org: Org, example_answers: dict[str, Any]
) -> None:
    record(org, example_answers)
    html = org.client(org.alice).get("/maturity/assess/").content.decode()
    assert "The answers of the last assessment are filled in" in html
    assert '<option value="partial" selected>' in html
    assert "31 requests from units last month, 12 handled" in html


def test_it_escapes_hostile_evidence_everywhere(org: Org, example_answers: dict[str, Any]) -> None:
    hostile = '<script>alert("x")</script>'
    a = record(
        org,
        {**example_answers, "executive_sponsor": {"value": "no", "evidence": hostile}},
        title=hostile,
    )
    client = org.client(org.alice)
    for url in (
        f"/maturity/{a.pk}/",
        f"/maturity/{a.pk}/report/",
        "/maturity/",
        "/maturity/assess/",
    ):
        html = client.get(url).content.decode()
        assert hostile not in html, url
    assert (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
        in client.get(f"/maturity/{a.pk}/").content.decode()
    )


def test_it_shows_stage_verdict_benchmarks_roadmap_and_contradictions(
    org: Org, example_answers: dict[str, Any]
) -> None:
    a = record(
        org,
        {**example_answers, "executive_alignment": "aligned", "executive_sponsor": "no"},
    )
    html = org.client(org.alice).get(f"/maturity/{a.pk}/").content.decode()
    assert "Stage 3 of 6: Engagement" in html
    assert "Verdict: Heading for the Social Media Help Desk" in html
    assert "Only 49% have inventoried" not in html
    assert "49% have inventoried their accounts; your program does not yet." in html
    assert "Career Path of the Corporate Social Strategist" in html
    assert '<a href="/org/">Appoint an executive sponsor</a>' in html
    assert '<a href="/demand/">' in html
    assert "Answers that disagree" in html
    assert "yet none sponsors the program" in html


def test_it_renders_a_self_contained_report_with_a_chart_of_the_history(
    org: Org, example_answers: dict[str, Any]
) -> None:
    with time_machine.travel("2026-01-10 09:00Z", tick=False):
        record(org, {**example_answers, "center_of_excellence": "none"}, title="January")
    with time_machine.travel("2026-06-10 09:00Z", tick=False):
        second = record(org, example_answers, title="June")
    response = org.client(org.alice).get(f"/maturity/{second.pk}/report/")
    html = response.content.decode()
    assert response["Content-Type"].startswith("text/html")
    # Nothing is fetched from anywhere: no external scripts, styles or images.
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=\"(?!data:)", html)
    assert "<style>" in html
    assert "Plotly" in html
    assert 'id="maturity-chart-data"' in html
    assert "2026-01-10" in html
    assert "2026-06-10" in html
    assert "Print or save as PDF" in html
    assert "stands at <strong>stage 3 of 6, Engagement</strong>" in html
    assert "To reach Formalized it needs 1 more thing." in html
    assert '<li>Appoint an executive sponsor <span class="muted">(Organization)</span></li>' in html
    assert 'href="http://testserver/org/"' in html
    download = org.client(org.alice).get(f"/maturity/{second.pk}/report/?download=1")
    assert download["Content-Disposition"] == (
        'attachment; filename="test-co-maturity-2026-06-10.html"'
    )


def test_it_compares_two_assessments_oldest_first(
    org: Org, example_answers: dict[str, Any]
) -> None:
    with time_machine.travel("2026-01-10 09:00Z", tick=False):
        old = record(org, {**example_answers, "social_care": "no"}, title="Before")
    with time_machine.travel("2026-06-10 09:00Z", tick=False):
        new = record(org, example_answers, title="After")
    response = org.client(org.alice).get(f"/maturity/compare/?a={new.pk}&b={old.pk}")
    html = response.content.decode()
    assert response.status_code == 200
    assert "From 2026-01-10 to 2026-06-10" in html
    assert "<td>2 Presence</td><td>3 Engagement</td><td>+1</td>" in html
    assert "Customer care answering customers on social networks" in html
    assert "<code>social_care</code>: no → staffed" in html


@pytest.mark.parametrize(("a", "b"), [("x", "1"), ("999", "1")])
def test_it_refuses_a_comparison_with_a_bad_choice(
    org: Org, example_answers: dict[str, Any], a: str, b: str
) -> None:
    first = record(org, example_answers)
    response = org.client(org.alice).get(f"/maturity/compare/?a={a}&b={first.pk}")
    assert response.status_code == 422
    assert 'id="cmp-a-err"' in response.content.decode()


def test_it_lists_history_in_a_constant_number_of_queries(
    org: Org, example_answers: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    client = org.client(org.alice)
    record(org, example_answers)
    client.get("/maturity/")
    with django_assert_max_num_queries(12) as few:
        client.get("/maturity/")
    for _ in range(6):
        record(org, example_answers)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/maturity/")
    assert response.content.decode().count('href="/maturity/') >= 7


def test_it_tells_readers_without_assessments_who_takes_them(
    org: Org, readers: dict[str, Any]
) -> None:
    html = org.client(readers["executive"]).get("/maturity/").content.decode()
    assert "The hub takes them" in html
    assert "Take the assessment" not in html
    assert "Take the assessment" in org.client(org.alice).get("/maturity/").content.decode()


def test_it_lets_only_the_strategist_delete_an_assessment(
    org: Org, readers: dict[str, Any], example_answers: dict[str, Any]
) -> None:
    a = record(org, example_answers)
    url = f"/maturity/{a.pk}/delete/"
    for user in (org.bob, org.charlie, org.nobody, readers["executive"], readers["spoke_lead"]):
        assert org.client(user).post(url).status_code == 403
    assert "Delete this assessment" not in (
        org.client(readers["executive"]).get(f"/maturity/{a.pk}/").content.decode()
    )
    assert Client().post(url).status_code == 302
    assert Assessment.objects.filter(pk=a.pk).exists()
    client = org.client(org.alice)
    assert client.get(url).status_code == 405
    assert "Delete this assessment" in client.get(f"/maturity/{a.pk}/").content.decode()
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == "/maturity/"
    assert not Assessment.objects.filter(pk=a.pk).exists()
    assert client.post(url).status_code == 404


def test_it_lets_a_hub_member_assess_but_not_delete(
    org: Org, example_answers: dict[str, Any]
) -> None:
    from escapevelocity.org import permissions
    from escapevelocity.org import services as org_services
    from escapevelocity.org.models import Role
    from tests.conftest import make_user

    hana = make_user("hana")
    org_services.membership_set(
        actor=permissions.system_actor(), user=hana, unit=org.hub, role=Role.HUB_MEMBER
    )
    client = org.client(hana)
    response = client.post("/maturity/assess/", form_data(example_answers))
    assert response.status_code == 302
    created = Assessment.objects.get()
    assert created.created_by == hana
    assert client.post(f"/maturity/{created.pk}/delete/").status_code == 403
    assert Assessment.objects.count() == 1
