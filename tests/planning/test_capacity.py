"""The help-desk risk maths, on synthetic series whose answers are known."""

from __future__ import annotations

import math
import random

import pytest

from escapevelocity.planning import capacity as cap
from escapevelocity.planning.capacity import HubCapacity, Scenario, Workload

WEEKLY_GROWTH = 1.10 ** (12 / 52)  # 10% a month, as a weekly factor


def poisson(rng: random.Random, lam: float) -> int:
    # Knuth's method is fine for the small rates here; normal approximation above 30.
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def hub(hours: float = 120, planned_share: float = 0.4) -> HubCapacity:
    return HubCapacity(people_hours=(hours / 3,) * 3, planned_share=planned_share)


def test_it_never_crosses_on_a_steady_series() -> None:
    rng = random.Random(7)
    for _ in range(20):
        history = [poisson(rng, 6) for _ in range(26)]
        result = cap.assess(Workload({"marketing": history}, hours_per_request=6), hub())
        # 6 requests x 6 hours = 36 of 72 reactive hours: half, far from 85%.
        assert result.crossing_week is None
        assert result.verdict != cap.HELP_DESK


def test_it_sees_no_trend_in_a_flat_noise_free_series() -> None:
    f = cap.forecast_arrivals([10.0] * 26)
    assert f.growth_per_week == 0
    assert f.mean == pytest.approx((10.0,) * 12)


def expected_crossing(a0: float, weeks: int, hours: float, threshold_hours: float) -> int:
    """The first week after `weeks` of history in which a0 * g^t * hours >= threshold_hours."""
    t = math.log(threshold_hours / (a0 * hours)) / math.log(WEEKLY_GROWTH)
    return math.ceil(t) - weeks + 1


def test_it_predicts_the_crossing_week_of_a_series_growing_ten_percent_a_month() -> None:
    a0, weeks, hours = 7.5, 26, 4.0
    history = [a0 * WEEKLY_GROWTH**t for t in range(weeks)]
    capacity = hub(120)  # 72 reactive hours; 85% of them is 61.2 hours
    expected = expected_crossing(a0, weeks, hours, 0.85 * capacity.reactive_hours)
    assert 1 <= expected <= 12
    result = cap.assess(Workload({"sales": history}, hours_per_request=hours), capacity)
    assert result.requests.growth_per_month == pytest.approx(0.10, abs=0.01)
    assert result.crossing_week is not None
    assert abs(result.crossing_week - expected) <= 1
    assert result.verdict == cap.HELP_DESK


def test_it_predicts_the_crossing_week_of_noisy_growing_series() -> None:
    # Poisson noise makes the week itself uncertain (about half a week of spread at these
    # volumes), so the claim is statistical: nearly every noisy series lands within a week.
    a0, weeks, hours = 320.0, 52, 0.1
    capacity = HubCapacity(people_hours=(75.0, 75.0, 75.0), planned_share=0.4)
    expected = expected_crossing(a0, weeks, hours, 0.85 * capacity.reactive_hours)
    assert 1 <= expected <= 12
    hits = 0
    for seed in range(50):
        rng = random.Random(seed)
        history = [poisson(rng, a0 * WEEKLY_GROWTH**t) for t in range(weeks)]
        result = cap.assess(Workload({"sales": history}, hours_per_request=hours), capacity)
        assert result.crossing_week is not None
        hits += abs(result.crossing_week - expected) <= 1
    assert hits >= 45


def test_it_does_not_mistake_a_seasonal_series_for_growth() -> None:
    rng = random.Random(11)
    # A quarterly cycle around a steady 20 a week, 43 weeks of history ending on an upswing.
    history = [
        max(0, round(20 + 8 * math.sin(2 * math.pi * t / 13) + rng.gauss(0, 1.5)))
        for t in range(43)
    ]
    # A straight line through the last weeks sees steep growth: that is the trap.
    assert _ols_slope(history[-6:]) > 1
    f = cap.forecast_arrivals(history)
    assert f.season_period == 13
    assert abs(f.growth_per_month) < 0.02
    result = cap.assess(Workload({"product": history}, hours_per_request=2), hub(120))
    assert result.requests.season_period == 13
    assert result.crossing_week is None
    assert any("cycle" in r for r in result.reasons)


def _ols_slope(values: list[int]) -> float:
    n = len(values)
    mx, my = (n - 1) / 2, sum(values) / n
    num = sum((i - mx) * (v - my) for i, v in enumerate(values))
    return num / sum((i - mx) ** 2 for i in range(n))


def test_it_gives_an_interval_that_holds_the_point_forecast() -> None:
    rng = random.Random(3)
    f = cap.forecast_arrivals([poisson(rng, 12) for _ in range(30)])
    for lo, mid, hi in zip(f.lower, f.mean, f.upper, strict=True):
        assert lo <= mid <= hi
    assert f.upper[0] > f.lower[0]


def test_it_handles_empty_and_tiny_histories() -> None:
    assert cap.forecast_arrivals([]).mean == (0.0,) * 12
    tiny = cap.forecast_arrivals([3.0, 5.0])
    assert len(set(tiny.mean)) == 1
    assert 3 < tiny.mean[0] < 5
    with pytest.raises(ValueError):
        cap.forecast_arrivals([1.0, -1.0])


def test_it_moves_the_forecast_with_each_scenario() -> None:
    history = {"sales": [6.0 * WEEKLY_GROWTH**t for t in range(26)], "hr": [3.0] * 26}
    work = Workload(history, hours_per_request=4.0)
    base = cap.assess(work, hub(120))
    more_people = cap.assess(work, hub(120), Scenario(add_people=2))
    redirected = cap.assess(work, hub(120), Scenario(redirect_share=0.5))
    self_service = cap.assess(work, hub(120), Scenario(self_service_units=frozenset({"sales"})))
    fewer = cap.assess(work, hub(120), Scenario(add_people=-1))
    assert base.crossing_week is not None
    assert more_people.capacity.total_hours == 200
    assert more_people.weeks[-1].utilization < base.weeks[-1].utilization
    assert redirected.weeks[0].requests == pytest.approx(base.weeks[0].requests / 2)
    assert self_service.weeks[-1].requests < base.weeks[-1].requests
    assert fewer.capacity.total_hours == 80
    assert fewer.crossing_week is not None
    assert fewer.crossing_week < base.crossing_week
    for better in (more_people, redirected, self_service):
        assert better.crossing_week is None or better.crossing_week > base.crossing_week


def test_it_counts_escalations_and_backlog_as_reactive_work() -> None:
    work = Workload({"hr": [2.0] * 20}, escalations=[40.0] * 20, hours_per_request=4.0)
    result = cap.assess(work, hub(120))
    assert result.weeks[0].reactive_hours == pytest.approx(2 * 4 + 40 * 0.5)
    assert "Care escalates about 40 conversations a week to the hub (20 hours" in " ".join(
        result.reasons
    )
    with_backlog = cap.assess(
        Workload({"hr": [2.0] * 20}, hours_per_request=4.0, backlog_hours=40), hub(120)
    )
    without = cap.assess(Workload({"hr": [2.0] * 20}, hours_per_request=4.0), hub(120))
    assert with_backlog.load_next_4_weeks > without.load_next_4_weeks
    assert with_backlog.current_wait_weeks is not None
    assert without.current_wait_weeks is not None
    assert with_backlog.current_wait_weeks > without.current_wait_weeks


def test_it_reaches_escape_velocity_with_room_to_spare() -> None:
    result = cap.assess(Workload({"hr": [1.0] * 26}, hours_per_request=4.0), hub(120))
    assert result.verdict == cap.ESCAPE_VELOCITY
    assert result.verdict_label == "Escape velocity"


def test_it_computes_erlang_c_waits() -> None:
    # M/M/1: Wq = rho / (mu - lambda); lambda 1, mu 2 -> 0.5.
    assert cap.expected_wait_weeks(
        jobs_per_week=1, hours_per_job=1, servers=1, hours_per_server=2
    ) == pytest.approx(0.5)
    assert cap.erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert (
        cap.expected_wait_weeks(jobs_per_week=3, hours_per_job=1, servers=1, hours_per_server=2)
        is None
    )


def test_it_scores_a_request_with_reasons() -> None:
    high = cap.score_request(
        goal_title="Cut cost to serve",
        goal_weight=3,
        expected_value=1_000_000,
        legal_risk=True,
        brand_risk=False,
        effort_hours=8,
        days_to_due=5,
    )
    low = cap.score_request(
        goal_title=None,
        goal_weight=0,
        expected_value=None,
        legal_risk=False,
        brand_risk=False,
        effort_hours=80,
        days_to_due=200,
    )
    assert high.band == "high"
    assert low.band == "low"
    assert high.score == round(30 + 25 + 7.5 + 15 * 0.9 + 15)
    assert [f.name for f in high.factors] == ["alignment", "impact", "risk", "effort", "urgency"]
    assert "Cut cost to serve" in high.factors[0].reason


def test_it_refuses_an_impossible_scenario() -> None:
    with pytest.raises(ValueError):
        Scenario(redirect_share=1.5)


def test_it_reports_the_load_each_past_week_carried() -> None:
    work = Workload({"hr": [2.0, 4.0, 9.0]}, escalations=[0.0, 8.0, 0.0], hours_per_request=4.0)
    result = cap.assess(work, hub(120))  # 72 reactive hours
    assert result.history_utilization == pytest.approx((8 / 72, 20 / 72, 36 / 72))


def test_it_removes_people_of_average_hours() -> None:
    capacity = HubCapacity(people_hours=(40.0, 40.0, 10.0))
    assert Scenario(add_people=-1).apply(capacity).people_hours == (30.0, 30.0)
    assert Scenario(add_people=-5).apply(capacity).people_hours == ()
    assert Scenario(add_people=1, hours_per_new_person=20).apply(capacity).total_hours == 110


def test_it_calls_a_hub_without_people_overloaded() -> None:
    result = cap.assess(Workload({"hr": [2.0] * 10}), hub(120), Scenario(add_people=-3))
    assert result.capacity.total_hours == 0
    assert result.verdict == cap.HELP_DESK
    assert result.crossing_week == 1
    assert result.current_wait_weeks is None
    assert any("without bound" in r for r in result.reasons)


def test_it_gives_one_headline_figure_and_its_risk_index() -> None:
    from escapevelocity.planning import capacity as cap

    hub = cap.HubCapacity(people_hours=(40.0, 40.0))
    workload = cap.Workload(requests_by_unit={"sales": [4.0] * 20})
    a = cap.assess(workload, hub)
    assert a.headline_load == a.load_next_4_weeks
    assert a.risk_index == pytest.approx(a.load_next_4_weeks / hub.overload_at)
