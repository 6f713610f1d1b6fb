from __future__ import annotations

import datetime as dt
from typing import Any

import time_machine

from escapevelocity.demand import demo_data, selectors
from escapevelocity.demand.models import DemandRequest, Playbook, RequestEvent, Status
from escapevelocity.demo import seed
from escapevelocity.planning import capacity


@time_machine.travel(dt.datetime(2026, 11, 18, 10, tzinfo=dt.UTC), tick=False)
def test_it_seeds_six_months_of_growing_demand_once(db: Any) -> None:
    seed.seed_org()
    summary = demo_data.seed()
    assert summary is not None
    assert "26 weeks" in summary
    count = DemandRequest.objects.count()
    assert 120 < count < 400
    assert demo_data.seed() is None
    assert DemandRequest.objects.count() == count
    assert Playbook.objects.count() == len(demo_data.PLAYBOOKS)
    assert DemandRequest.objects.filter(status=Status.REDIRECTED).exists()
    assert DemandRequest.objects.filter(status=Status.SUBMITTED).count() >= 2

    oldest = RequestEvent.objects.order_by("created").first()
    assert oldest is not None
    assert oldest.created < dt.datetime(2026, 6, 1, tzinfo=dt.UTC)

    risk = selectors.risk_assessment()
    # The history grows as the research warns, and the forecast shows the looming overload.
    assert 0.05 < risk.requests.growth_per_month < 0.25
    assert risk.crossing_week is not None
    assert risk.verdict == capacity.HELP_DESK
    helped = selectors.risk_assessment(capacity.Scenario(add_people=2, redirect_share=0.3))
    assert helped.verdict != capacity.HELP_DESK
