"""Live signals: read from Demand, Care, Governance and Outcomes defensively, never a crash."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from escapevelocity.maturity import selectors, services
from escapevelocity.planning.maturity import SIGNAL_FIELDS, LiveSignals
from tests.conftest import Org

pytestmark = pytest.mark.django_db


def test_it_reads_whatever_the_apps_hold_as_shares_or_none(org: Org) -> None:
    signals = selectors.live_signals()
    for name in SIGNAL_FIELDS:
        value = getattr(signals, name)
        assert value is None or 0 <= value <= 1


def test_it_turns_a_failing_app_into_no_signal_and_keeps_the_transaction_usable(
    org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> float:
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table_here")
        return 0.5

    def missing() -> float:
        raise ImportError("demand is not built")

    monkeypatch.setattr(selectors, "_demand_help_desk_risk", broken)
    monkeypatch.setattr(selectors, "_care_reactive_load", missing)
    monkeypatch.setattr(selectors, "_governance_inventory_coverage", lambda: 1.7)
    monkeypatch.setattr(selectors, "_outcomes_business_metric_share", lambda: float("nan"))
    signals = selectors.live_signals()
    assert signals.demand_help_desk_risk is None
    assert signals.care_reactive_load is None
    assert signals.governance_inventory_coverage == 1.0  # clamped to a share
    assert signals.outcomes_business_metric_share is None
    # The database still answers (on PostgreSQL a failed statement would poison the transaction).
    assert org.hub.__class__.objects.count() >= 1


def test_it_records_the_signals_an_assessment_used(
    org: Org, example_answers: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        selectors,
        "live_signals",
        lambda: LiveSignals(governance_inventory_coverage=0.2, care_reactive_load=0.8),
    )
    a = services.assessment_record(actor=org.alice, raw_answers=example_answers)
    assert a.signals == {"governance_inventory_coverage": 0.2, "care_reactive_load": 0.8}
    factors = {f["key"]: f for f in a.result["verdict"]["factors"]}
    assert factors["inventory"]["source"] == "live"
    assert factors["reactive_load"]["value"] == pytest.approx(0.2)


def test_it_reads_the_demo_company_s_live_figures_from_the_other_sections() -> None:
    from escapevelocity.demo import seed

    seed.seed_all()
    signals = selectors.live_signals()
    present = signals.present()
    assert len(present) >= 2, "the demo's other sections give figures"
    assert all(0 <= v <= 1 for v in present.values())
