"""The outcomes API: metric values, alerts and lead outcomes, for each member of the cast."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from escapevelocity.outcomes.models import Alert, Lead
from tests.conftest import Org
from tests.outcomes.conftest import conversation

NOW = dt.datetime(2026, 3, 20, 12, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def auth(org: Org, user: Any) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {org.token(user)}"}


def test_it_gives_the_hub_and_executives_every_metric(org: Org, erin: Any) -> None:
    conversation(org.care, opened_at=NOW - dt.timedelta(days=1), sentiment="positive")
    for user in (org.alice, erin):
        response = org.client(user).get("/api/outcomes/metrics", {"days": 7})
        assert response.status_code == 200
        body = response.json()
        assert body["start"] == "2026-03-14"
        by_key = {m["key"]: m for m in body["metrics"]}
        assert by_key["care.volume"]["value"] == 1
        assert by_key["reputation.net_sentiment"]["value"] == 100
        assert by_key["care.first_response"]["value"] is None
        assert by_key["care.volume"]["url"] == "/care/?status=all"


def test_it_gives_a_spoke_lead_their_unit_only(org: Org, carla: Any) -> None:
    client = org.client(carla)
    assert client.get("/api/outcomes/metrics").status_code == 403
    assert client.get("/api/outcomes/metrics", {"unit": "product"}).status_code == 403
    response = client.get("/api/outcomes/metrics", {"unit": "care"})
    assert response.status_code == 200
    assert response.json()["metrics"][0]["url"].endswith("unit=care")


def test_it_refuses_agents_and_outsiders(org: Org) -> None:
    for user in (org.bob, org.charlie, org.nobody):
        assert org.client(user).get("/api/outcomes/metrics").status_code == 403
        assert org.client(user).get("/api/outcomes/alerts").status_code == 403


def test_it_wants_credentials(org: Org) -> None:
    from django.test import Client

    assert Client().get("/api/outcomes/metrics").status_code == 401


def test_it_names_a_bad_period(org: Org) -> None:
    response = org.client(org.alice).get("/api/outcomes/metrics", {"days": 5})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "days"]


def test_it_lists_alerts_within_the_reader_s_units(org: Org, carla: Any) -> None:
    for unit in (org.care, org.product):
        Alert.objects.create(
            series=f"unit:{unit.key}",
            kind="volume",
            unit=unit,
            started_at=NOW - dt.timedelta(hours=3),
            detected_at=NOW - dt.timedelta(hours=2),
            ended_at=NOW - dt.timedelta(hours=1),
            peak_at=NOW - dt.timedelta(hours=3),
            observed=40,
            expected=5,
            total=40,
            share=0.5,
            baseline_share=0.2,
            p_value=1e-8,
            summary="spike",
            created=NOW,
        )
    assert len(org.client(org.alice).get("/api/outcomes/alerts").json()) == 2
    assert [a["unit"] for a in org.client(carla).get("/api/outcomes/alerts").json()] == ["care"]
    assert org.client(org.alice).get("/api/outcomes/alerts", {"limit": 0}).status_code == 422


def test_it_records_lead_outcomes_for_those_who_act_on_the_unit(org: Org) -> None:
    body = {"conversation_id": 9, "unit": "care", "status": "won", "value": "250.00"}
    response = org.client(org.bob).post(
        "/api/outcomes/leads", body, content_type="application/json", **auth(org, org.bob)
    )
    assert response.status_code == 201
    assert response.json()["value"] == 250.0
    response = org.client(org.alice).post(
        "/api/outcomes/leads",
        {**body, "status": "lost"},
        content_type="application/json",
        **auth(org, org.alice),
    )
    assert response.status_code == 200
    assert Lead.objects.get().status == "lost"
    outsider = org.client(org.charlie).post(
        "/api/outcomes/leads", body, content_type="application/json", **auth(org, org.charlie)
    )
    assert outsider.status_code == 403
    bad = org.client(org.alice).post(
        "/api/outcomes/leads",
        {**body, "value": "-1", "extra": 1},
        content_type="application/json",
        **auth(org, org.alice),
    )
    assert bad.status_code == 422
    missing = org.client(org.alice).post(
        "/api/outcomes/leads",
        {"conversation_id": 10, "unit": "care", "status": "won"},
        content_type="application/json",
        **auth(org, org.alice),
    )
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body", "value"]
    assert Lead.objects.count() == 1


def test_it_lists_alerts_in_constant_queries(org: Org, django_assert_max_num_queries: Any) -> None:
    from escapevelocity.outcomes import services

    for i in range(12):
        alert = Alert.objects.create(
            series=f"topic:t{i}",
            kind="volume",
            unit=org.care if i % 2 else None,
            started_at=NOW - dt.timedelta(hours=i + 3),
            detected_at=NOW - dt.timedelta(hours=i + 2),
            ended_at=NOW - dt.timedelta(hours=i + 1),
            peak_at=NOW - dt.timedelta(hours=i + 3),
            observed=40,
            expected=5,
            total=40,
            share=0.5,
            baseline_share=0.2,
            p_value=1e-8,
            summary=f"spike {i}",
            created=NOW,
        )
        services.checklist_open(alert=alert)
    client = org.client(org.alice)
    client.get("/api/outcomes/alerts")
    with django_assert_max_num_queries(8):
        assert len(client.get("/api/outcomes/alerts").json()) == 12
    with django_assert_max_num_queries(12):
        assert client.get("/outcomes/alerts/").status_code == 200
