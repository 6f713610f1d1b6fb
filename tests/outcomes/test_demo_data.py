"""The outcomes demo: contact costs, the morning's leads, today's snapshots and drawn history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from escapevelocity.care import demo_data as care_demo
from escapevelocity.demo import seed
from escapevelocity.outcomes import demo_data
from escapevelocity.outcomes.models import DailySnapshot, Lead, OutcomeSettings


@pytest.mark.django_db
def test_it_seeds_once_and_adds_nothing_the_second_time() -> None:
    assert demo_data.seed() is None  # no demo company yet
    seed.seed_org()
    care_demo.seed()
    first = demo_data.seed()
    assert first is not None
    assert "synthetic history values over 90 days" in first
    leads = Lead.objects.count()
    assert leads > 0
    assert Lead.objects.filter(status="won", value__isnull=False).exists()
    assert OutcomeSettings.objects.count() == 1
    today = timezone.localdate()
    history = DailySnapshot.objects.filter(day__lt=today).count()
    oldest = DailySnapshot.objects.filter(unit=None, metric="cost.avoided").order_by("day").first()
    assert oldest is not None
    assert oldest.day == today - dt.timedelta(days=demo_data.HISTORY_DAYS)

    again = demo_data.seed()
    assert again == "0 leads marked, today's snapshots"
    assert Lead.objects.count() == leads
    assert DailySnapshot.objects.filter(day__lt=today).count() == history
