"""Hub capacity and the help-desk risk: pure maths, no Django.

From the weekly arrivals of business-unit requests (and of Care escalations, when there are
any) this module forecasts the next weeks, sets them against the hours the hub has for reactive
work, and says whether the hub is heading for the Social Media Help Desk, holding, or reaching
escape velocity — with the reasons, so a strategist can argue with them.

The forecast is a small Poisson regression on the weekly counts: a level, optionally a trend,
and optionally one seasonal cycle (a sine/cosine pair of a monthly, quarterly, half-yearly or
yearly period) where the history holds at least two full cycles. The model with the lowest
Bayesian information criterion wins (stricter than AIC, which let noise pass for a cycle in
about a quarter of trials on pure growth), so a trend is only believed when the data carry it,
and a cycle is not mistaken for growth. The prediction interval comes from the overdispersed
count noise and the uncertainty of the fitted parameters.

Waiting times use the Erlang C (M/M/c) approximation: the hub's people are the servers, each
with their share of the reactive hours; an existing backlog adds its own clearing time.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from statistics import NormalDist

import numpy as np

HORIZON_WEEKS = 12
WEEKS_PER_MONTH = 52 / 12
# Candidate cycles, in weeks: monthly, quarterly, half-yearly, yearly.
SEASON_PERIODS: tuple[float, ...] = (WEEKS_PER_MONTH, 13.0, 26.0, 52.0)

HELP_DESK = "help_desk"
HOLDING = "holding"
ESCAPE_VELOCITY = "escape_velocity"
VERDICT_LABELS = {
    HELP_DESK: "Heading for the Social Media Help Desk",
    HOLDING: "Holding",
    ESCAPE_VELOCITY: "Escape velocity",
}


# --- forecasting -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Forecast:
    """Weekly arrivals forecast: point (median) and interval, for weeks 1..horizon after history."""

    mean: tuple[float, ...]
    lower: tuple[float, ...]
    upper: tuple[float, ...]
    level: float
    growth_per_week: float
    season_period: float | None
    season_amplitude: float
    history_weeks: int

    @property
    def growth_per_month(self) -> float:
        return float((1 + self.growth_per_week) ** WEEKS_PER_MONTH - 1)

    @property
    def model(self) -> str:
        parts = ["level"]
        if self.growth_per_week:
            parts.append("trend")
        if self.season_period:
            parts.append(f"{self.season_period:.1f}-week cycle")
        return " + ".join(parts)


def _design(t: np.ndarray, trend: bool, period: float | None) -> np.ndarray:
    columns = [np.ones_like(t)]
    if trend:
        columns.append(t)
    if period is not None:
        angle = 2 * np.pi * t / period
        columns += [np.sin(angle), np.cos(angle)]
    return np.column_stack(columns)


def _poisson_fit(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Poisson regression with a log link by iteratively reweighted least squares.

    Returns the coefficients and the fitted means.
    """
    beta, *_ = np.linalg.lstsq(x, np.log(y + 0.5), rcond=None)
    for _ in range(50):
        eta = np.clip(x @ beta, -30.0, 30.0)
        mu = np.exp(eta)
        z = eta + (y - mu) / mu
        xw = x * mu[:, None]
        new = np.linalg.lstsq(xw.T @ x, xw.T @ z, rcond=None)[0]
        if np.max(np.abs(new - beta)) < 1e-9:
            beta = new
            break
        beta = new
    return beta, np.exp(np.clip(x @ beta, -30.0, 30.0))


def _deviance(y: np.ndarray, mu: np.ndarray) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(y > 0, y * np.log(y / mu), 0.0)
    return float(2 * np.sum(term - (y - mu)))


def forecast_arrivals(
    history: Sequence[float],
    *,
    horizon: int = HORIZON_WEEKS,
    level: float = 0.9,
    periods: Sequence[float] = SEASON_PERIODS,
) -> Forecast:
    """Forecast weekly counts for `horizon` weeks after `history` (oldest first), with an interval.

    A Poisson regression with a log link (so growth compounds, and small counts are not biased
    the way a log(1 + count) fit biases them), chosen among level / level+trend, each with or
    without one seasonal cycle, by the Bayesian information criterion on the deviance scaled by
    the overdispersion (never below Poisson's). A cycle is only tried when the history holds two
    full cycles of it. The interval adds the overdispersed count noise to the uncertainty of the
    fitted curve.
    """
    y = np.asarray(history, dtype=float)
    if np.any(y < 0) or not np.all(np.isfinite(y)):
        raise ValueError("Weekly counts must be finite and not negative.")
    n = len(y)
    zeros = tuple(0.0 for _ in range(horizon))
    if n == 0 or not np.any(y > 0):
        return Forecast(zeros, zeros, zeros, level, 0.0, None, 0.0, n)
    t = np.arange(n, dtype=float)
    candidates: list[tuple[bool, float | None]] = [(False, None)]
    if n >= 6:
        candidates.append((True, None))
    for p in periods:
        if n >= 2 * p and n >= 8:
            candidates.append((False, p))
            candidates.append((True, p))

    fits = []
    for trend, period in candidates:
        x = _design(t, trend, period)
        k = x.shape[1]
        if n <= k:
            continue
        beta, mu = _poisson_fit(x, y)
        fits.append((trend, period, x, beta, mu, _deviance(y, mu)))
    if len(fits) < 2 or n < 4:  # too few weeks for anything but the level
        mean = float(np.mean(y))
        flat = tuple(mean for _ in range(horizon))
        return Forecast(flat, flat, flat, level, 0.0, None, 0.0, n)

    # Overdispersion from the best-fitting of the richest models, so noise is not mistaken for
    # signal and a cycle it cannot see does not inflate the noise.
    k_max = max(f[2].shape[1] for f in fits)
    largest = min((f for f in fits if f[2].shape[1] == k_max), key=lambda f: f[5])
    pearson = float(np.sum((y - largest[4]) ** 2 / largest[4]))
    phi = max(1.0, pearson / (n - k_max)) if n > k_max else 1.0
    trend, period, x, beta, mu, _dev = min(
        fits, key=lambda f: f[5] / phi + f[2].shape[1] * math.log(n)
    )

    cov = phi * np.linalg.pinv((x * mu[:, None]).T @ x)
    future_t = np.arange(n, n + horizon, dtype=float)
    xf = _design(future_t, trend, period)
    mean_out = np.exp(np.clip(xf @ beta, -30.0, 30.0))
    curve_var = np.einsum("ij,jk,ik->i", xf, cov, xf)
    spread = np.sqrt(phi * mean_out + mean_out**2 * curve_var)
    q = NormalDist().inv_cdf(0.5 + level / 2)
    lower_out = np.maximum(mean_out - q * spread, 0.0)
    upper_out = mean_out + q * spread
    growth = float(math.exp(beta[1]) - 1) if trend else 0.0
    amplitude = 0.0
    if period is not None:
        amplitude = float(math.hypot(beta[-2], beta[-1]))
    return Forecast(
        mean=tuple(float(v) for v in mean_out),
        lower=tuple(float(v) for v in lower_out),
        upper=tuple(float(v) for v in upper_out),
        level=level,
        growth_per_week=growth,
        season_period=period,
        season_amplitude=amplitude,
        history_weeks=n,
    )


# --- queueing ----------------------------------------------------------------------------------


def erlang_c(servers: int, offered_load: float) -> float:
    """Probability that an arrival waits in an M/M/c queue (offered load a = lambda / mu)."""
    if servers < 1:
        raise ValueError("An M/M/c queue needs at least one server.")
    if offered_load <= 0:
        return 0.0
    if offered_load >= servers:
        return 1.0
    b = 1.0  # Erlang B by its stable recursion
    for k in range(1, servers + 1):
        b = offered_load * b / (k + offered_load * b)
    return servers * b / (servers - offered_load * (1 - b))


def expected_wait_weeks(
    *, jobs_per_week: float, hours_per_job: float, servers: int, hours_per_server: float
) -> float | None:
    """Mean wait in the queue (weeks) for M/M/c; None when arrivals outrun the service."""
    if jobs_per_week <= 0 or hours_per_job <= 0:
        return 0.0
    if servers < 1 or hours_per_server <= 0:
        return None
    mu = hours_per_server / hours_per_job
    if jobs_per_week >= servers * mu:
        return None
    a = jobs_per_week / mu
    return erlang_c(servers, a) / (servers * mu - jobs_per_week)


# --- the hub, its workload, and scenarios ------------------------------------------------------


@dataclass(frozen=True)
class HubCapacity:
    """The hub's people (weekly hours each) and the share reserved for planned program work."""

    people_hours: tuple[float, ...]
    planned_share: float = 0.4
    overload_at: float = 0.85

    @property
    def total_hours(self) -> float:
        return float(sum(self.people_hours))

    @property
    def reactive_hours(self) -> float:
        return self.total_hours * (1 - self.planned_share)


@dataclass(frozen=True)
class Workload:
    """Weekly history, oldest first, all the same length: requests per unit and escalations."""

    requests_by_unit: Mapping[str, Sequence[float]]
    escalations: Sequence[float] = ()
    redirected: Sequence[float] = ()
    hours_per_request: float = 8.0
    hours_per_escalation: float = 0.5
    backlog_hours: float = 0.0
    next_week_start: date | None = None

    def request_history(self, scenario: Scenario | None = None) -> list[float]:
        """Total requests a week, with self-service units cut to what they still send the hub."""
        weeks = max((len(s) for s in self.requests_by_unit.values()), default=0)
        total = [0.0] * weeks
        for unit, series in self.requests_by_unit.items():
            keep = 1.0
            if scenario is not None and unit in scenario.self_service_units:
                keep = scenario.self_service_retained
            offset = weeks - len(series)
            for i, v in enumerate(series):
                total[offset + i] += float(v) * keep
        return total


@dataclass(frozen=True)
class Scenario:
    """A what-if: people added (or removed), a share redirected to playbooks, self-service units."""

    add_people: int = 0
    hours_per_new_person: float = 40.0
    redirect_share: float = 0.0
    self_service_units: frozenset[str] = frozenset()
    # A unit on self-service still sends the hub what its playbooks do not cover.
    self_service_retained: float = 0.25

    def __post_init__(self) -> None:
        if not 0 <= self.redirect_share <= 1:
            raise ValueError("redirect_share must be between 0 and 1.")
        if not 0 <= self.self_service_retained <= 1:
            raise ValueError("self_service_retained must be between 0 and 1.")
        if self.hours_per_new_person < 0:
            raise ValueError("hours_per_new_person must not be negative.")

    @property
    def is_baseline(self) -> bool:
        return self == Scenario()

    def apply(self, capacity: HubCapacity) -> HubCapacity:
        hours = list(capacity.people_hours)
        if self.add_people > 0:
            hours += [self.hours_per_new_person] * self.add_people
        elif self.add_people < 0 and hours:
            # Nobody is named, so each person removed takes the hub's average hours with them.
            average = sum(hours) / len(hours)
            hours = [average] * max(0, len(hours) + self.add_people)
        return HubCapacity(tuple(hours), capacity.planned_share, capacity.overload_at)


@dataclass(frozen=True)
class Week:
    index: int
    start: date | None
    requests: float
    requests_low: float
    requests_high: float
    escalations: float
    reactive_hours: float
    reactive_hours_low: float
    reactive_hours_high: float
    utilization: float
    utilization_low: float
    utilization_high: float
    reactive_share: float
    wait_weeks: float | None


@dataclass(frozen=True)
class Assessment:
    verdict: str
    reasons: tuple[str, ...]
    weeks: tuple[Week, ...]
    requests: Forecast
    escalations: Forecast
    capacity: HubCapacity
    scenario: Scenario
    current_requests: float
    current_utilization: float
    current_reactive_share: float
    current_wait_weeks: float | None
    load_next_4_weeks: float
    crossing_week: int | None
    crossing_week_high: int | None
    deflected_share: float = field(default=0.0)
    # The load each past week actually carried (same measure as the forecast), oldest first.
    history_utilization: tuple[float, ...] = ()

    @property
    def verdict_label(self) -> str:
        return VERDICT_LABELS[self.verdict]

    @property
    def headline_load(self) -> float:
        """The one figure the product shows as help-desk risk, everywhere: the reactive load
        forecast for the next four weeks as a share of the hub's reactive hours (1.0 = full)."""
        return self.load_next_4_weeks

    @property
    def risk_index(self) -> float:
        """headline_load against the overload threshold: 1.0 or more means overload."""
        return self.load_next_4_weeks / (self.capacity.overload_at or 1.0)

    @property
    def crossing_date(self) -> date | None:
        if self.crossing_week is None:
            return None
        return self.weeks[self.crossing_week - 1].start


def _utilization(reactive_hours: float, capacity: HubCapacity) -> float:
    """Reactive hours over the hub's reactive hours; infinite when it has none."""
    available = capacity.reactive_hours
    if available <= 0:
        return math.inf if reactive_hours > 0 else 0.0
    return reactive_hours / available


def _share(reactive_hours: float, capacity: HubCapacity) -> float:
    total = capacity.total_hours
    if total <= 0:
        return 1.0 if reactive_hours > 0 else 0.0
    return min(1.0, reactive_hours / total)


def _wait(jobs: float, hours: float, capacity: HubCapacity, backlog: float) -> float | None:
    servers = len(capacity.people_hours)
    per_server = capacity.reactive_hours / servers if servers else 0.0
    queued = expected_wait_weeks(
        jobs_per_week=jobs,
        hours_per_job=hours / jobs if jobs > 0 else 0.0,
        servers=servers,
        hours_per_server=per_server,
    )
    if queued is None:
        return None
    if backlog > 0:
        if capacity.reactive_hours <= 0:
            return None
        queued += backlog / capacity.reactive_hours
    return queued


def _pct(x: float) -> str:
    return "more than 999%" if not math.isfinite(x) or x > 9.99 else f"{x:.0%}"


def _days(weeks: float | None) -> str:
    if weeks is None:
        return "without bound (arrivals outrun the hub)"
    return f"{weeks * 7:.1f} days"


def assess(
    workload: Workload,
    capacity: HubCapacity,
    scenario: Scenario | None = None,
    *,
    horizon: int = HORIZON_WEEKS,
    current_weeks: int = 4,
) -> Assessment:
    """Forecast the hub's reactive load and return the verdict with its reasons.

    The hub crosses into overload in the first forecast week whose reactive hours reach
    `overload_at` of its reactive hours (total hours less the planned share); beyond that,
    queueing delays climb steeply and planned program work gets crowded out.
    """
    scenario = scenario or Scenario()
    cap = scenario.apply(capacity)
    history = workload.request_history(scenario)
    req = forecast_arrivals(history, horizon=horizon)
    esc = forecast_arrivals(list(workload.escalations), horizon=horizon)
    keep = 1 - scenario.redirect_share
    h_req, h_esc = workload.hours_per_request, workload.hours_per_escalation

    weeks: list[Week] = []
    for i in range(horizon):
        r, r_low, r_high = req.mean[i] * keep, req.lower[i] * keep, req.upper[i] * keep
        e, e_low, e_high = esc.mean[i], esc.lower[i], esc.upper[i]
        hours = r * h_req + e * h_esc
        hours_low = r_low * h_req + e_low * h_esc
        hours_high = r_high * h_req + e_high * h_esc
        start = None
        if workload.next_week_start is not None:
            start = workload.next_week_start + timedelta(weeks=i)
        weeks.append(
            Week(
                index=i + 1,
                start=start,
                requests=r,
                requests_low=r_low,
                requests_high=r_high,
                escalations=e,
                reactive_hours=hours,
                reactive_hours_low=hours_low,
                reactive_hours_high=hours_high,
                utilization=_utilization(hours, cap),
                utilization_low=_utilization(hours_low, cap),
                utilization_high=_utilization(hours_high, cap),
                reactive_share=_share(hours, cap),
                wait_weeks=_wait(r + e, hours, cap, 0.0),
            )
        )

    esc_history = list(workload.escalations)
    past: list[float] = []
    for i, count in enumerate(history):
        e_past = esc_history[i - len(history) + len(esc_history)] if esc_history else 0.0
        past.append(_utilization(count * keep * h_req + e_past * h_esc, cap))

    recent = history[-current_weeks:] if history else []
    recent_esc = list(workload.escalations)[-current_weeks:]
    now_requests = float(np.mean(recent)) * keep if recent else 0.0
    now_esc = float(np.mean(recent_esc)) if recent_esc else 0.0
    now_hours = now_requests * h_req + now_esc * h_esc
    now_util = _utilization(now_hours, cap)
    now_share = _share(now_hours, cap)
    now_wait = _wait(now_requests + now_esc, now_hours, cap, workload.backlog_hours)

    near = weeks[: min(4, horizon)]
    near_hours = sum(w.reactive_hours for w in near) + workload.backlog_hours
    load_4 = _utilization(near_hours / max(len(near), 1), cap)

    crossing = next((w.index for w in weeks if w.utilization >= cap.overload_at), None)
    crossing_high = next((w.index for w in weeks if w.utilization_high >= cap.overload_at), None)

    redirected = sum(float(v) for v in workload.redirected)
    arrived = sum(history) + redirected
    deflected = redirected / arrived if arrived > 0 else 0.0

    reasons: list[str] = []
    if req.growth_per_week > 0:
        reasons.append(
            f"Requests are growing about {req.growth_per_month:.0%} a month "
            f"({req.history_weeks} weeks of history)."
        )
    elif req.growth_per_week < 0:
        reasons.append(f"Requests are falling about {-req.growth_per_month:.0%} a month.")
    else:
        reasons.append(f"Requests show no trend over {req.history_weeks} weeks of history.")
    if req.season_period is not None:
        reasons.append(
            f"A {req.season_period:.0f}-week cycle explains part of the ups and downs; "
            "it is not counted as growth."
        )
    reasons.append(
        f"Reactive work takes {_pct(now_share)} of the hub's {cap.total_hours:.0f} hours a week "
        f"now; {_pct(1 - cap.planned_share)} is what it can give before planned work suffers."
    )
    if crossing is not None:
        reasons.append(
            f"At the forecast, reactive work reaches {cap.overload_at:.0%} of the hub's reactive "
            f"hours in week {crossing}."
        )
    elif crossing_high is not None:
        reasons.append(
            f"Only the high end of the forecast crosses {cap.overload_at:.0%} of the reactive "
            f"hours, in week {crossing_high}."
        )
    else:
        reasons.append(
            f"Even the high end of the forecast stays under {cap.overload_at:.0%} of the "
            f"reactive hours for {horizon} weeks."
        )
    if now_esc > 0:
        reasons.append(
            f"Care escalates about {now_esc:.0f} conversations a week to the hub "
            f"({now_esc * h_esc:.0f} hours of reactive work)."
        )
    if workload.backlog_hours > 0:
        reasons.append(
            f"{workload.backlog_hours:.0f} hours of accepted or waiting requests are in the queue."
        )
    reasons.append(f"A new request waits {_days(now_wait)} on average.")
    if arrived > 0:
        reasons.append(f"{deflected:.0%} of requests were redirected to self-service playbooks.")

    peak = max((w.utilization for w in weeks), default=0.0)
    if crossing is not None or now_util >= cap.overload_at or load_4 >= cap.overload_at:
        verdict = HELP_DESK
    elif crossing_high is None and peak < 0.7 and load_4 < 0.7:
        verdict = ESCAPE_VELOCITY
    else:
        verdict = HOLDING

    return Assessment(
        verdict=verdict,
        reasons=tuple(reasons),
        weeks=tuple(weeks),
        requests=req,
        escalations=esc,
        capacity=cap,
        scenario=scenario,
        current_requests=now_requests,
        current_utilization=now_util,
        current_reactive_share=now_share,
        current_wait_weeks=now_wait,
        load_next_4_weeks=load_4,
        crossing_week=crossing,
        crossing_week_high=crossing_high,
        deflected_share=deflected,
        history_utilization=tuple(past),
    )


# --- scoring a request -------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreFactor:
    name: str
    points: float
    max_points: float
    reason: str


@dataclass(frozen=True)
class Priority:
    score: int
    band: str
    factors: tuple[ScoreFactor, ...]


def score_request(
    *,
    goal_title: str | None,
    goal_weight: int,
    expected_value: float | None,
    legal_risk: bool,
    brand_risk: bool,
    effort_hours: float | None,
    days_to_due: int | None,
) -> Priority:
    """Score a request 0-100 from alignment, impact, risk, effort and urgency, with reasons.

    Risk raises priority: a risky request left to a unit is how crises start, so it needs the
    hub's judgement early. Goal weight is 1 (supports) to 3 (core to the program).
    """
    factors: list[ScoreFactor] = []
    if goal_title:
        w = max(1, min(3, goal_weight))
        factors.append(
            ScoreFactor("alignment", 30 * w / 3, 30, f"Serves the program goal “{goal_title}”.")
        )
    else:
        factors.append(ScoreFactor("alignment", 0, 30, "Serves none of the program's goals."))

    if expected_value is not None and expected_value > 0:
        pts = min(25.0, 25 * math.log10(1 + expected_value) / 6)
        factors.append(
            ScoreFactor("impact", pts, 25, f"Expected value {expected_value:,.0f} a year.")
        )
    else:
        factors.append(ScoreFactor("impact", 0, 25, "No expected business value was given."))

    risks = [name for name, on in (("legal", legal_risk), ("brand", brand_risk)) if on]
    if risks:
        factors.append(
            ScoreFactor(
                "risk",
                7.5 * len(risks),
                15,
                f"Carries {' and '.join(risks)} risk: the hub should be involved early.",
            )
        )
    else:
        factors.append(ScoreFactor("risk", 0, 15, "No legal or brand risk flagged."))

    if effort_hours is None:
        factors.append(ScoreFactor("effort", 7.5, 15, "Effort not estimated yet."))
    else:
        pts = 15 * (1 - min(effort_hours, 80) / 80)
        factors.append(ScoreFactor("effort", pts, 15, f"About {effort_hours:g} hours of work."))

    if days_to_due is None:
        factors.append(ScoreFactor("urgency", 0, 15, "No due date."))
    else:
        if days_to_due <= 7:
            pts, text = 15.0, "Due within a week."
        elif days_to_due <= 30:
            pts, text = 10.0, "Due within a month."
        elif days_to_due <= 90:
            pts, text = 5.0, "Due within three months."
        else:
            pts, text = 0.0, "Due in more than three months."
        if days_to_due < 0:
            text = "Already past its due date."
        factors.append(ScoreFactor("urgency", pts, 15, text))

    score = round(sum(f.points for f in factors))
    band = "high" if score >= 60 else "medium" if score >= 35 else "low"
    return Priority(score=score, band=band, factors=tuple(factors))
