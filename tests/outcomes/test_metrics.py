"""Every metric on a small day worked out by hand.

The day is 10 March 2026 (UTC). Conversations (care spoke unless named):
  c1 complaint/negative  opened 09:00, answered 09:30 (due 10:00: met), resolved 11:00, 1 reply
  c2 question/neutral    opened 10:00, answered 12:00 (due 11:00: missed), resolved 14:00,
                         1 reply, same author as c1
  c3 praise/positive     opened 12:00, never answered (due 13:00: missed)
  c4 feedback/neutral    product spoke, opened 12:30, answered 13:00, resolved 15:00
  c8 feedback/neutral    product spoke, opened 13:00, open
  c7 purchase/positive   opened 16:00
  c5 spam/negative       opened 17:00 (left out of volume and sentiment)
  c6 complaint/negative  opened the day before (the previous period)
Leads: won 1,200 and lost closed on the day; won 999 closed the day after.
Alerts: started 09:00 recorded 10:20; started 14:00 recorded 15:10.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine

from escapevelocity.outcomes import metrics, selectors
from escapevelocity.outcomes.models import Alert, Lead, LeadStatus, OutcomeSettings
from escapevelocity.outcomes.selectors import Window
from tests.conftest import Org
from tests.outcomes.conftest import conversation

UTC = dt.UTC
DAY = dt.datetime(2026, 3, 10, tzinfo=UTC)


def at(hour: float, day: dt.datetime = DAY) -> dt.datetime:
    return day + dt.timedelta(hours=hour)


@pytest.fixture
def day(org: Org) -> Window:
    conversation(
        org.care,
        opened_at=at(9),
        first_responded_at=at(9.5),
        first_response_due=at(10),
        resolved_at=at(11),
        status="resolved",
        author="pat",
        replies=1,
    )
    conversation(
        org.care,
        opened_at=at(10),
        intent="question",
        sentiment="neutral",
        first_responded_at=at(12),
        first_response_due=at(11),
        resolved_at=at(14),
        status="resolved",
        author="pat",
        replies=1,
    )
    conversation(
        org.care, opened_at=at(12), intent="praise", sentiment="positive", first_response_due=at(13)
    )
    conversation(
        org.product,
        opened_at=at(12.5),
        intent="feedback",
        sentiment="neutral",
        first_responded_at=at(13),
        resolved_at=at(15),
        status="resolved",
    )
    conversation(org.product, opened_at=at(13), intent="feedback", sentiment="neutral")
    conversation(org.care, opened_at=at(16), intent="purchase_intent", sentiment="positive")
    conversation(org.care, opened_at=at(17), intent="spam", sentiment="negative")
    conversation(org.care, opened_at=at(9, DAY - dt.timedelta(days=1)))
    Lead.objects.create(
        conversation_id=1001,
        unit=org.care,
        status=LeadStatus.WON,
        value=Decimal("1200"),
        opened_at=at(1),
        closed_at=at(15),
    )
    Lead.objects.create(
        conversation_id=1002,
        unit=org.care,
        status=LeadStatus.LOST,
        opened_at=at(1),
        closed_at=at(16),
    )
    Lead.objects.create(
        conversation_id=1003,
        unit=org.care,
        status=LeadStatus.WON,
        value=Decimal("999"),
        opened_at=at(1),
        closed_at=at(30),
    )
    for started, created in ((at(9), at(10 + 1 / 3)), (at(14), at(15 + 1 / 6))):
        Alert.objects.create(
            series="all",
            kind="volume",
            started_at=started,
            detected_at=started + dt.timedelta(hours=1),
            ended_at=started + dt.timedelta(hours=2),
            peak_at=started,
            observed=50,
            expected=10,
            total=50,
            share=0.2,
            baseline_share=0.2,
            p_value=1e-9,
            summary="Volume spike",
            created=created,
        )
    return selectors.day_window(DAY.date())


def value(key: str, w: Window) -> float | None:
    with time_machine.travel(at(36), tick=False):
        return metrics.compute_all(w, keys=[key])[key].value


def test_it_counts_care_volume_without_spam(day: Window, org: Org) -> None:
    assert value("care.volume", day) == 6
    assert value("care.volume", Window(day.start, day.end, frozenset({org.care.pk}))) == 4


def test_it_counts_every_inbound_post(day: Window) -> None:
    assert value("care.inbound_posts", day) == 7


def test_it_takes_the_median_first_response_time(day: Window) -> None:
    assert value("care.first_response", day) == 30  # 30, 120, 30 minutes


def test_it_takes_the_median_resolution_time(day: Window) -> None:
    assert value("care.resolution", day) == 2.5  # 2, 4, 2.5 hours


def test_it_counts_sla_attainment_over_passed_deadlines(day: Window) -> None:
    assert value("care.sla_attainment", day) == pytest.approx(100 / 3)


def test_it_leaves_deadlines_still_to_come_out_of_sla_attainment(day: Window) -> None:
    with time_machine.travel(at(12.5), tick=False):
        # By 12:30 c1's deadline (met) and c2's (missed) have passed; c3's has not.
        assert metrics.compute_all(day, keys=["care.sla_attainment"])[
            "care.sla_attainment"
        ].value == pytest.approx(50)


def test_it_counts_replies_and_the_people_answered(day: Window) -> None:
    assert value("care.replies", day) == 2
    assert value("care.authors_reached", day) == 1  # c1 and c2 are the same author


def test_it_counts_contacts_resolved_in_social_and_the_cost_avoided(day: Window) -> None:
    assert value("cost.resolved_in_social", day) == 3
    # 3 × (0.6 × 6.00 + 0.4 × 4.00 − 2.00) = 3 × 3.20
    assert value("cost.avoided", day) == pytest.approx(9.6)


def test_it_uses_the_company_s_own_contact_costs(day: Window) -> None:
    OutcomeSettings.objects.create(
        cost_per_phone_contact=Decimal("10"),
        cost_per_email_contact=Decimal("5"),
        cost_per_social_contact=Decimal("1"),
        phone_share=Decimal("0.5"),
    )
    assert value("cost.avoided", day) == pytest.approx(3 * (5 + 2.5 - 1))


def test_it_counts_leads_routed_won_and_their_value(day: Window) -> None:
    assert value("revenue.leads_routed", day) == 1
    assert value("revenue.leads_won", day) == 1
    assert value("revenue.won_value", day) == 1200
    assert value("revenue.win_rate", day) == 50


def test_it_computes_net_sentiment_and_its_trend(day: Window) -> None:
    # positive 2, negative 1, neutral 3 (spam left out): (2 − 1) / 6
    assert value("reputation.net_sentiment", day) == pytest.approx(100 / 6)
    # The day before: one negative post, −100.
    assert value("reputation.net_sentiment_trend", day) == pytest.approx(100 / 6 + 100)


def test_it_computes_the_share_negative(day: Window) -> None:
    assert value("reputation.negative_share", day) == pytest.approx(100 / 6)


def test_it_counts_crises_and_the_median_time_to_detect(day: Window) -> None:
    assert value("reputation.crises", day) == 2
    assert value("reputation.time_to_detect", day) == pytest.approx(75)  # 80 and 70 minutes


def test_it_counts_feedback_delivered_to_product_and_decided(day: Window) -> None:
    assert value("product.feedback_delivered", day) == 2
    assert value("product.feedback_decided", day) == 50


def test_it_says_no_data_yet_for_an_empty_period(org: Org) -> None:
    empty = selectors.day_window(dt.date(2020, 1, 1))
    with time_machine.travel(at(36), tick=False):
        results = metrics.compute_all(empty)
    for key in (
        "care.first_response",
        "care.resolution",
        "care.sla_attainment",
        "reputation.net_sentiment",
        "reputation.negative_share",
        "reputation.time_to_detect",
        "revenue.win_rate",
        "product.feedback_decided",
    ):
        assert results[key].value is None, key
        assert results[key].note
    assert results["care.volume"].value == 0
    assert results["revenue.won_value"].value == 0


def test_it_reads_help_desk_risk_from_demand(monkeypatch: pytest.MonkeyPatch, org: Org) -> None:
    fake = SimpleNamespace(headline_load=0.92, verdict_label="Heading to the help desk")
    monkeypatch.setattr(selectors, "helpdesk_risk", lambda: fake)
    m = metrics.compute_all(selectors.day_window(DAY.date()), keys=["program.helpdesk_risk"])
    assert m["program.helpdesk_risk"].value == pytest.approx(92)
    assert "Heading to the help desk" in m["program.helpdesk_risk"].note


def test_it_says_no_data_when_demand_cannot_forecast(
    monkeypatch: pytest.MonkeyPatch, org: Org
) -> None:
    monkeypatch.setattr(selectors, "helpdesk_risk", lambda: None)
    m = metrics.compute_all(selectors.day_window(DAY.date()), keys=["program.helpdesk_risk"])
    assert m["program.helpdesk_risk"].value is None


def _request(org: Org, status: str, decided: dt.datetime | None) -> Any:
    from escapevelocity.demand.models import DemandRequest, RequestKind

    kind, _ = RequestKind.objects.get_or_create(key="campaign", defaults={"name": "Campaign"})
    return DemandRequest.objects.create(
        unit=org.care,
        kind=kind,
        title="A request",
        status=status,
        submitted=at(1),
        decided=decided,
    )


def test_it_counts_the_request_backlog_and_deflection(org: Org) -> None:
    _request(org, "submitted", None)
    _request(org, "scheduled", at(2))
    _request(org, "in_progress", at(3))
    _request(org, "redirected", at(4))
    _request(org, "declined", at(5))
    _request(org, "redirected", at(30))  # decided the next day
    _request(org, "done", at(6))
    w = selectors.day_window(DAY.date())
    assert value("program.request_backlog", w) == 3  # submitted, scheduled, in progress
    # Decided on the day: scheduled, in progress, redirected, declined, done → 1 of 5.
    assert value("program.deflection", w) == 20


def test_it_reads_governed_accounts_and_training_coverage(
    monkeypatch: pytest.MonkeyPatch, org: Org
) -> None:
    bench = SimpleNamespace(accounts=8, inventoried_share=0.75, trained_share=0.4)
    monkeypatch.setattr(selectors, "governance_benchmarks", lambda: bench)
    w = selectors.day_window(DAY.date())
    assert value("program.governed_accounts", w) == 75
    assert value("program.training_coverage", w) == 40


def test_it_reports_company_wide_metrics_as_such_for_a_unit(org: Org) -> None:
    w = Window(DAY, DAY + dt.timedelta(days=1), frozenset({org.care.pk}))
    m = metrics.compute_all(w, keys=["program.governed_accounts"])["program.governed_accounts"]
    assert m.value is None
    assert m.note == "Company-wide only"


def test_it_defines_every_metric_once_with_formula_unit_owner_and_tier() -> None:
    assert len(metrics.REGISTRY) >= 20
    for m in metrics.REGISTRY.values():
        assert m.formula
        assert m.owner
        assert m.tier in metrics.TIERS
        assert m.unit
    assert {metrics.get(k).pillar for k in metrics.EXECUTIVE_KEYS} == {
        "revenue",
        "reputation",
        "cost",
    }
    with pytest.raises(ValueError):
        metrics.register(metrics.get("care.volume"))


def test_it_formats_values_with_their_units() -> None:
    assert metrics.format_value(metrics.get("cost.avoided"), 1234.4, "EUR") == "EUR 1,234"
    assert metrics.format_value(metrics.get("care.sla_attainment"), 87.6) == "88%"
    assert metrics.format_value(metrics.get("reputation.net_sentiment"), -12.2) == "-12"
    assert metrics.format_value(metrics.get("care.first_response"), None) == "No data yet"


def test_it_gives_each_unit_the_same_value_in_a_grouped_query_as_alone(
    day: Window, org: Org
) -> None:
    ids = [org.care.pk, org.product.pk, org.hub.pk]
    grouped = [m for m in metrics.REGISTRY.values() if m.by_unit is not None]
    assert len(grouped) == 7
    with time_machine.travel(at(36), tick=False):
        ctx = metrics.Context(selectors.settings_get())
        for metric in grouped:
            together = metric.measure_units(day, ctx, ids)
            for unit_id in ids:
                alone = metric.measure(Window(day.start, day.end, frozenset({unit_id})), ctx)
                assert together[unit_id].value == pytest.approx(alone.value), (metric.key, unit_id)


def test_it_counts_a_re_routed_post_for_the_unit_that_holds_it_now(org: Org) -> None:
    from escapevelocity.care.models import Decision

    conversation(org.product, opened_at=at(9), sentiment="positive", intent="feedback")
    Decision.objects.update(unit=org.care)  # triage first sent it to care
    w = selectors.day_window(DAY.date())
    product = Window(w.start, w.end, frozenset({org.product.pk}))
    care = Window(w.start, w.end, frozenset({org.care.pk}))
    assert value("reputation.net_sentiment", product) == 100
    assert value("reputation.net_sentiment", care) is None
    ctx = metrics.Context(selectors.settings_get())
    grouped = metrics.get("reputation.net_sentiment").measure_units(
        w, ctx, [org.product.pk, org.care.pk]
    )
    assert grouped[org.product.pk].value == 100
    assert grouped[org.care.pk].value is None
