"""`ev demo` adds Lumen Telecom's two past assessments, showing progress."""

from __future__ import annotations

import pytest

from escapevelocity.demo import seed
from escapevelocity.maturity import demo_data
from escapevelocity.maturity.models import Assessment

pytestmark = pytest.mark.django_db


def test_it_seeds_two_past_assessments_showing_progress_once() -> None:
    seed.seed_org()
    summary = demo_data.seed()
    assert summary == "2 past assessments (stage 2 → stage 3)"
    first, second = Assessment.objects.order_by("taken_at")
    assert first.stage < second.stage
    assert first.overall < second.overall
    assert first.verdict == "help_desk"
    assert first.practiced_org_model == "organic"
    assert second.practiced_org_model == "hub_and_spoke"
    assert first.created_by is not None
    assert first.created_by.username == "sam"
    assert any(c["key"] == "org_model_mismatch" for c in first.result["contradictions"])
    assert demo_data.seed() is None
    assert Assessment.objects.count() == 2
