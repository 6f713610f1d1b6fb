"""A spoke lead works the crisis checklist a radar alert opened; the executive only reads it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from escapevelocity.demo import seed
from escapevelocity.org.models import Unit
from escapevelocity.outcomes import services
from escapevelocity.outcomes.models import Alert
from tests.e2e.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_lets_the_unit_lead_tick_off_the_crisis_checklist(live_server: Any, page: Any) -> None:
    seed.seed_org()
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    alert = Alert.objects.create(
        series="unit:care-na",
        kind="negative_share",
        unit=Unit.objects.get(key="care-na"),
        started_at=now - dt.timedelta(hours=2),
        detected_at=now - dt.timedelta(hours=1),
        ended_at=now,
        peak_at=now - dt.timedelta(hours=2),
        observed=30,
        expected=9,
        total=36,
        share=0.83,
        baseline_share=0.25,
        p_value=1e-9,
        summary="Negative-share spike in unit care-na: 83% negative (30 of 36)",
        created=now,
    )
    services.checklist_open(alert=alert)

    login(page, live_server, "carla", seed.DEMO_PASSWORD)
    page.goto(f"{live_server.url}/outcomes/")
    page.get_by_role("navigation", name="Outcomes").get_by_role(
        "link", name="Crisis alerts"
    ).click()
    page.get_by_role("link", name=alert.summary).click()
    assert page.get_by_role("heading", name="Crisis checklist").is_visible()
    first = services.BUILT_IN_CHECKLIST[0]
    page.get_by_role("button", name=f"Mark done: {first}").click()
    assert page.get_by_role("button", name=f"Reopen: {first}").is_visible()
    assert page.locator("ol.checklist li.done").count() == 1

    page.get_by_role("button", name="Log out").click()
    login(page, live_server, "erin", seed.DEMO_PASSWORD)
    page.goto(f"{live_server.url}{alert.get_absolute_url()}")
    assert page.locator("ol.checklist li").count() == len(services.BUILT_IN_CHECKLIST)
    assert page.get_by_role("button", name=f"Reopen: {first}").count() == 0
