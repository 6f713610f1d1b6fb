"""/api/maturity/: the questionnaire, scoring, assessments and comparison, by who may use them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from escapevelocity.maturity import services
from escapevelocity.maturity.models import Assessment
from escapevelocity.planning.maturity import LiveSignals
from tests.conftest import Org

pytestmark = pytest.mark.django_db


def api(org: Org, user: Any) -> Client:
    return Client(headers={"Authorization": f"Bearer {org.token(user)}"})


def post(client: Client, url: str, body: Any) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def record(org: Org, answers: dict[str, Any], **kw: Any) -> Assessment:
    return services.assessment_record(
        actor=org.alice, raw_answers=answers, signals=LiveSignals(), **kw
    )


def test_it_serves_reads_to_readers_only(
    org: Org, readers: dict[str, Any], example_answers: dict[str, Any]
) -> None:
    a = record(org, example_answers)
    b = record(org, {**example_answers, "executive_sponsor": "named"})
    urls = [
        "/api/maturity/questionnaire",
        "/api/maturity/signals",
        "/api/maturity/assessments",
        f"/api/maturity/assessments/{a.pk}",
        f"/api/maturity/compare?a={a.pk}&b={b.pk}",
    ]
    for url in urls:
        for user in (org.alice, readers["executive"], readers["spoke_lead"]):
            assert api(org, user).get(url).status_code == 200, (url, user)
        for user in (org.bob, org.charlie, org.nobody):
            response = api(org, user).get(url)
            assert response.status_code == 403, (url, user)
            assert "hub, executives and spoke leads" in response.json()["detail"]
        assert Client().get(url).status_code == 401


def test_it_records_an_assessment_for_the_hub_only(
    org: Org, readers: dict[str, Any], example_answers: dict[str, Any]
) -> None:
    body = {"title": "API run", "answers": example_answers}
    for user in (org.bob, org.charlie, org.nobody, readers["executive"], readers["spoke_lead"]):
        assert post(api(org, user), "/api/maturity/assessments", body).status_code == 403
    assert Assessment.objects.count() == 0
    response = post(api(org, org.alice), "/api/maturity/assessments", body)
    assert response.status_code == 201
    data = response.json()
    assert data["title"] == "API run"
    assert data["stage"] == 3
    assert data["result"]["stage"]["name"] == "Engagement"
    assert data["created_by"] == "alice"
    assert Assessment.objects.count() == 1


def test_it_names_bad_fields_and_writes_nothing(org: Org, example_answers: dict[str, Any]) -> None:
    client = api(org, org.alice)
    bad = {**example_answers, "triage": "magic", "nonsense": 1}
    del bad["training"]
    response = post(client, "/api/maturity/assessments", {"answers": bad})
    assert response.status_code == 422
    locs = {tuple(d["loc"]) for d in response.json()["detail"]}
    assert {("body", "triage"), ("body", "nonsense"), ("body", "training")} <= locs
    response = post(client, "/api/maturity/assessments", {"answers": {}, "extra": 1})
    assert response.status_code == 422
    response = post(client, "/api/maturity/assessments", {"answers": {}, "questionnaire": 7})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "questionnaire_version"]
    assert Assessment.objects.count() == 0


def test_it_scores_a_what_if_without_keeping_it(org: Org, example_answers: dict[str, Any]) -> None:
    response = post(
        api(org, org.alice),
        "/api/maturity/score",
        {
            "answers": {**example_answers, "executive_sponsor": "named"},
            "signals": {"governance_inventory_coverage": 0.95},
        },
    )
    assert response.status_code == 200
    data = response.json()
    assert data["stage"]["name"] == "Formalized"
    assert data["signals"] == {"governance_inventory_coverage": 0.95}
    assert data["org_model"]["declared"] == "hub_and_spoke"
    assert Assessment.objects.count() == 0
    bad = post(
        api(org, org.alice),
        "/api/maturity/score",
        {"answers": {}, "signals": {"care_reactive_load": 3}},
    )
    assert bad.status_code == 422
    bad = post(
        api(org, org.alice), "/api/maturity/score", {"answers": {}, "declared_org_model": "matrix"}
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "declared_org_model"]
    assert post(api(org, org.bob), "/api/maturity/score", {"answers": {}}).status_code == 403


def test_it_compares_and_returns_404_for_unknown_assessments(
    org: Org, example_answers: dict[str, Any]
) -> None:
    a = record(org, {**example_answers, "social_care": "no"})
    b = record(org, example_answers)
    data = api(org, org.alice).get(f"/api/maturity/compare?a={b.pk}&b={a.pk}").json()
    assert (data["before"], data["after"]) == (a.pk, b.pk)
    assert data["stage"]["delta"] == 1
    assert api(org, org.alice).get(f"/api/maturity/assessments/{b.pk + 100}").status_code == 404


def test_it_lists_assessments_in_a_constant_number_of_queries(
    org: Org, example_answers: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    client = api(org, org.alice)
    record(org, example_answers)
    with django_assert_max_num_queries(8) as few:
        client.get("/api/maturity/assessments")
    for _ in range(5):
        record(org, example_answers)
    with django_assert_max_num_queries(len(few.captured_queries)):
        data = client.get("/api/maturity/assessments").json()
    assert len(data) == 6


def test_it_serves_the_questionnaire_with_help_and_options(org: Org) -> None:
    data = api(org, org.alice).get("/api/maturity/questionnaire").json()
    assert data["version"] == 1
    listening = next(q for q in data["questions"] if q["id"] == "listening")
    assert listening["help"]
    assert [o["value"] for o in listening["options"]] == ["none", "ad_hoc", "systematic"]
    assert api(org, org.alice).get("/api/maturity/questionnaire?version=5").status_code == 422


def test_it_lets_only_the_strategist_delete_through_the_api(
    org: Org, readers: dict[str, Any], example_answers: dict[str, Any]
) -> None:
    a = record(org, example_answers)
    url = f"/api/maturity/assessments/{a.pk}"
    for user in (org.bob, org.charlie, org.nobody, readers["executive"], readers["spoke_lead"]):
        assert api(org, user).delete(url).status_code == 403
    assert Assessment.objects.filter(pk=a.pk).exists()
    assert api(org, org.alice).delete(url).status_code == 204
    assert not Assessment.objects.exists()
    assert api(org, org.alice).delete(url).status_code == 404
