"""Crisis radar: spikes in post volume and in the share of negative posts.

Posts are counted in hourly buckets per series: every post ("all"), each topic ("topic:<name>")
and each unit ("unit:<key>"). Each closed bucket is tested against a seasonal baseline built from
the series' own history before it (a trailing window, default 28 days):

    expected = level(series) × hour_of_day_factor × day_of_week_factor

The level is the series' mean count per bucket over the window; the two seasonal factors come
from the "all" series (sub-series are too sparse to carry their own shape) and are shrunk toward
1 by a prior worth `seasonal_prior` posts, so a week of history bends them only as far as it can
support. Buckets already flagged are left out of later baselines, so a long crisis does not
become the new normal while it lasts.

Volume is tested with the Poisson upper tail (a negative binomial one when the history is
over-dispersed: variance / mean estimated from the window's Pearson residuals); negative share
with the binomial upper tail (quasi-binomial with the same correction). A bucket alarms when its
tail probability is below

    alpha = false_alarms_per_day / (tests per day)

where tests per day = series × 2 kinds × buckets per day (Bonferroni). By the union bound, when
the baseline model holds the expected number of false alarms per day is at most
`false_alarms_per_day`, however many topics and units are watched. An alarm also needs a
practical size (`min_count`, `min_ratio`, `min_share_lift`), which only removes alarms. Runs of
consecutive flagged buckets of one series and kind merge into one `Spike`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo

import numpy as np
from scipy.special import betainc, gammainc

BUCKET = timedelta(hours=1)
ALL = "all"
VOLUME = "volume"
NEGATIVE_SHARE = "negative_share"
KINDS = (VOLUME, NEGATIVE_SHARE)


@dataclass(frozen=True, slots=True)
class Event:
    """One inbound post, as the radar sees it."""

    at: datetime  # aware
    negative: bool = False
    topic: str | None = None
    unit: str | None = None


@dataclass(frozen=True, slots=True)
class RadarConfig:
    """How sensitive the radar is. The defaults suit a program of tens to thousands of posts
    a day: at most one false alarm every ten days under the baseline model."""

    false_alarms_per_day: float = 0.1
    history_days: int = 28
    min_history_hours: int = 72  # no test before the series has this much past to compare with
    min_count: int = 5  # a volume alarm needs at least this many posts in the bucket
    min_ratio: float = 1.5  # ... and at least this multiple of the expected count
    min_negative: int = 5  # a negative-share alarm needs at least this many negative posts
    min_share_lift: float = 0.15  # ... and a share at least this far above the baseline share
    min_series_posts: int = 20  # topics/units with fewer posts in the whole scan are not watched
    seasonal_prior: float = 5.0  # pseudo-posts pulling each seasonal factor toward 1
    max_dispersion: float = 20.0
    tz: tzinfo = UTC  # hours of the day and days of the week are counted in this zone

    def __post_init__(self) -> None:
        if self.false_alarms_per_day <= 0:
            raise ValueError("false_alarms_per_day must be positive")
        if self.history_days < 1 or self.min_history_hours < 1:
            raise ValueError("history_days and min_history_hours must be at least 1")


@dataclass(frozen=True, slots=True)
class Spike:
    """A run of flagged hours in one series, for one kind of test."""

    series: str
    kind: str  # VOLUME or NEGATIVE_SHARE
    start: datetime  # start of the first flagged bucket
    end: datetime  # end of the last flagged bucket (exclusive)
    detected_at: datetime  # end of the first flagged bucket: when a live radar could know
    peak_at: datetime  # start of the bucket with the smallest tail probability
    observed: int  # posts (volume) or negative posts (share) in the peak bucket
    expected: float  # expected posts, or expected negative posts, in the peak bucket
    total: int  # posts in the peak bucket
    share: float  # negative share in the peak bucket
    baseline_share: float
    p_value: float  # tail probability of the peak bucket
    alpha: float  # the per-test threshold it passed
    posts: int  # posts in the series over the whole spike

    @property
    def hours(self) -> int:
        return int((self.end - self.start) / BUCKET)

    def describe(self) -> str:
        """One sentence a person can act on."""
        where = "all posts" if self.series == ALL else self.series.replace(":", " ", 1)
        when = self.peak_at.strftime("%Y-%m-%d %H:%M %Z").strip()
        if self.kind == VOLUME:
            return (
                f"Volume spike in {where}: {self.observed} posts in the hour from {when} "
                f"against {self.expected:.1f} expected ({self.hours} h flagged)."
            )
        return (
            f"Negative-share spike in {where}: {self.share:.0%} negative ({self.observed} of "
            f"{self.total}) in the hour from {when} against {self.baseline_share:.0%} usually "
            f"({self.hours} h flagged)."
        )


@dataclass(frozen=True, slots=True)
class RadarReport:
    """What one scan found, and the bound it worked to."""

    spikes: list[Spike]
    start: datetime
    end: datetime
    series: list[str]
    alpha: float
    tests: int  # bucket tests actually run (series with enough history)
    flagged_buckets: int
    config: RadarConfig = field(default_factory=RadarConfig)

    @property
    def days(self) -> float:
        return (self.end - self.start) / timedelta(days=1)

    @property
    def alarms_per_day(self) -> float:
        return len(self.spikes) / self.days if self.days > 0 else 0.0


def poisson_sf(x: int, mean: float) -> float:
    """Return P(X >= x) for X ~ Poisson(mean)."""
    if x <= 0:
        return 1.0
    if mean <= 0:
        return 0.0
    return float(gammainc(x, mean))


def negbin_sf(x: int, mean: float, dispersion: float) -> float:
    """Return P(X >= x) for a count with this mean and variance = dispersion × mean.

    Dispersion at or below 1 is the Poisson tail; above it, the negative binomial with
    size r = mean / (dispersion - 1)."""
    if dispersion <= 1.0 + 1e-9:
        return poisson_sf(x, mean)
    if x <= 0:
        return 1.0
    if mean <= 0:
        return 0.0
    size = mean / (dispersion - 1.0)
    p_fail = mean / (size + mean)
    return float(betainc(x, size, p_fail))


def binomial_sf(k: float, n: float, p: float) -> float:
    """Return P(K >= k) for K ~ Binomial(n, p); k and n may be fractional (quasi-binomial)."""
    if k <= 0:
        return 1.0
    if p <= 0 or k > n:
        return 0.0
    if p >= 1:
        return 1.0
    return float(betainc(k, n - k + 1.0, p))


def bucket_start(at: datetime) -> datetime:
    """Return the start of the hourly bucket that holds this instant (in UTC)."""
    at = at.astimezone(UTC)
    return at.replace(minute=0, second=0, microsecond=0)


def series_keys(event: Event) -> list[str]:
    """Return the series an event counts in."""
    keys = [ALL]
    if event.topic:
        keys.append(f"topic:{event.topic}")
    if event.unit:
        keys.append(f"unit:{event.unit}")
    return keys


def scan(
    events: Iterable[Event],
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    config: RadarConfig | None = None,
) -> RadarReport:
    """Return the spikes found in every closed hourly bucket between start and end.

    start defaults to the first event's bucket and end to the bucket after the last event;
    events outside [start, end) are ignored. Events before start are not history: pass the
    history you want compared against inside the range (the first `min_history_hours` of a
    series are only baseline)."""
    config = config or RadarConfig()
    evs = [e for e in events if e.at.tzinfo is not None]
    if start is None or end is None:
        if not evs:
            now = bucket_start(datetime.now(UTC))
            return RadarReport([], now, now, [ALL], 1.0, 0, 0, config)
        start = start or bucket_start(min(e.at for e in evs))
        end = end or bucket_start(max(e.at for e in evs)) + BUCKET
    start = bucket_start(start)
    n_buckets = max(0, math.ceil((end - start) / BUCKET))
    end = start + n_buckets * BUCKET

    per_series: dict[str, int] = {}
    kept: list[tuple[int, Event]] = []
    for e in evs:
        idx = math.floor((e.at - start) / BUCKET)
        if 0 <= idx < n_buckets:
            kept.append((idx, e))
            for key in series_keys(e):
                per_series[key] = per_series.get(key, 0) + 1
    watched = (k for k, n in per_series.items() if k != ALL and n >= config.min_series_posts)
    names = [ALL, *sorted(watched)]
    index = {name: i for i, name in enumerate(names)}
    counts = np.zeros((len(names), n_buckets))
    negatives = np.zeros((len(names), n_buckets))
    for idx, e in kept:
        for key in series_keys(e):
            row = index.get(key)
            if row is not None:
                counts[row, idx] += 1
                if e.negative:
                    negatives[row, idx] += 1

    tests_per_day = len(names) * len(KINDS) * (timedelta(days=1) / BUCKET)
    alpha = config.false_alarms_per_day / tests_per_day
    hours = [_local(start + i * BUCKET, config.tz) for i in range(n_buckets)]
    hod = np.array([h.hour for h in hours], dtype=int)
    dow = np.array([h.weekday() for h in hours], dtype=int)

    flagged = np.zeros((len(names), len(KINDS), n_buckets), dtype=bool)
    details: dict[tuple[int, int, int], tuple[float, float, float]] = {}
    window = int(timedelta(days=config.history_days) / BUCKET)
    tests = 0
    for t in range(config.min_history_hours, n_buckets):
        lo = max(0, t - window)
        seasonal = _seasonal(counts[0, lo:t], flagged[0, 0, lo:t], hod[lo:t], dow[lo:t], config)
        f_now = seasonal[0][hod[t]] * seasonal[1][dow[t]]
        f_var = seasonal[2][hod[t]] + seasonal[3][dow[t]]
        shape = seasonal[0][hod[lo:t]] * seasonal[1][dow[lo:t]]
        for s in range(len(names)):
            history = counts[s, lo:t]
            for kind in range(len(KINDS)):
                usable = ~flagged[s, kind, lo:t]
                if usable.sum() < config.min_history_hours:
                    continue
                tests += 1
                if kind == 0:
                    result = _volume_test(
                        counts[s, t], history, shape, usable, f_now, f_var, config
                    )
                else:
                    result = _share_test(
                        negatives[s, t], counts[s, t], negatives[s, lo:t], history, usable, config
                    )
                if result is not None and result[0] < alpha:
                    flagged[s, kind, t] = True
                    details[(s, kind, t)] = result

    spikes: list[Spike] = []
    for s, name in enumerate(names):
        for kind, kind_name in enumerate(KINDS):
            t = 0
            while t < n_buckets:
                if not flagged[s, kind, t]:
                    t += 1
                    continue
                run_start = t
                while t < n_buckets and flagged[s, kind, t]:
                    t += 1
                peak = min(range(run_start, t), key=lambda i: details[(s, kind, i)][0])
                p_value, expected, base_share = details[(s, kind, peak)]
                total = int(counts[s, peak])
                neg = int(negatives[s, peak])
                spikes.append(
                    Spike(
                        series=name,
                        kind=kind_name,
                        start=start + run_start * BUCKET,
                        end=start + t * BUCKET,
                        detected_at=start + (run_start + 1) * BUCKET,
                        peak_at=start + peak * BUCKET,
                        observed=total if kind == 0 else neg,
                        expected=expected,
                        total=total,
                        share=neg / total if total else 0.0,
                        baseline_share=base_share,
                        p_value=p_value,
                        alpha=alpha,
                        posts=int(counts[s, run_start:t].sum()),
                    )
                )
    spikes.sort(key=lambda sp: (sp.detected_at, sp.series, sp.kind))
    return RadarReport(spikes, start, end, names, alpha, tests, int(flagged.sum()), config)


def _local(at: datetime, tz: tzinfo) -> datetime:
    return at.astimezone(tz)


def _seasonal(
    history: np.ndarray,
    flagged: np.ndarray,
    hod: np.ndarray,
    dow: np.ndarray,
    config: RadarConfig,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Hour-of-day and day-of-week factors from the overall series, shrunk toward 1, and the
    relative variance of each."""
    ok = ~flagged
    hour_f = np.ones(24)
    day_f = np.ones(7)
    k = config.seasonal_prior
    unknown_h = np.full(24, 1.0 / k)
    unknown_d = np.full(7, 1.0 / k)
    if ok.sum() == 0:
        return hour_f, day_f, unknown_h, unknown_d
    level = history[ok].mean()
    if level <= 0:
        return hour_f, day_f, unknown_h, unknown_d
    # Neighbouring hours share most of their shape: smoothing over them (weights ¼ ½ ¼, around
    # the clock) lends each hour the posts of its neighbours at a small bias.
    observed_h = _smooth(np.bincount(hod[ok], weights=history[ok], minlength=24))
    buckets_h = _smooth(np.bincount(hod[ok], minlength=24).astype(float))
    hour_f = (observed_h + k) / (buckets_h * level + k)
    expected_after_hour = level * hour_f[hod[ok]]
    observed_d = np.bincount(dow[ok], weights=history[ok], minlength=7)
    expected_d = np.bincount(dow[ok], weights=expected_after_hour, minlength=7)
    day_f = (observed_d + k) / (expected_d + k)
    # Relative variance of each factor's estimate: about one over the posts behind it (the
    # smoothing weights' sum of squares, 0.375, for the hours).
    return hour_f, day_f, _KERNEL_SQ / (observed_h + k), 1.0 / (observed_d + k)


_KERNEL = (0.25, 0.5, 0.25)
_KERNEL_SQ = sum(w * w for w in _KERNEL)


def _smooth(by_hour: np.ndarray) -> np.ndarray:
    """Circular smoothing of 24 hourly values with weights ¼ ½ ¼."""
    result: np.ndarray = (
        _KERNEL[0] * np.roll(by_hour, 1) + _KERNEL[1] * by_hour + _KERNEL[2] * np.roll(by_hour, -1)
    )
    return result


def _volume_test(
    observed: float,
    history: np.ndarray,
    shape: np.ndarray,
    usable: np.ndarray,
    f_now: float,
    f_var: float,
    config: RadarConfig,
) -> tuple[float, float, float] | None:
    """(p-value, expected count, 0) for this bucket's count, or None when too small to matter.

    The tail is the predictive one: the expected count is itself an estimate (relative
    variance f_var from the seasonal factors, one over the posts behind the level), which with
    over-dispersion gives a negative binomial of variance
    dispersion × mean + estimate_variance × mean²."""
    weights = shape[usable]
    # The series' level, per unit of seasonal shape; half a post of prior keeps a silent
    # history from expecting exactly zero.
    level = (history[usable].sum() + 0.5) / (weights.sum() + 1.0)
    expected = max(level * f_now, 1e-6)
    if observed < config.min_count or observed < config.min_ratio * expected:
        return None
    means = np.maximum(level * weights, 1e-6)
    pearson = ((history[usable] - means) ** 2 / means).mean()
    dispersion = float(min(max(pearson, 1.0), config.max_dispersion))
    estimate_var = f_var + 1.0 / (history[usable].sum() + 1.0)
    # Match var = mean + mean² / size to dispersion·mean + estimate_var·mean².
    effective = dispersion + estimate_var * expected
    return negbin_sf(int(observed), expected, effective), expected, 0.0


def _share_test(
    negative: float,
    total: float,
    neg_history: np.ndarray,
    history: np.ndarray,
    usable: np.ndarray,
    config: RadarConfig,
) -> tuple[float, float, float] | None:
    """(p-value, expected negatives, baseline share) for this bucket's negative share."""
    if total <= 0 or negative < config.min_negative:
        return None
    n_hist = history[usable]
    k_hist = neg_history[usable]
    p0 = float((k_hist.sum() + 1.0) / (n_hist.sum() + 2.0))
    if negative / total < p0 + config.min_share_lift:
        return None
    with_posts = n_hist > 0
    dispersion = 1.0
    if with_posts.sum() >= 2 and 0 < p0 < 1:
        n = n_hist[with_posts]
        resid = (k_hist[with_posts] - n * p0) ** 2 / (n * p0 * (1 - p0))
        dispersion = float(min(max(resid.mean(), 1.0), config.max_dispersion))
    # The baseline share is an estimate from n_hist posts: the beta-binomial predictive
    # variance is larger by (N + 2 + n) / (N + 3).
    dispersion *= (n_hist.sum() + 2.0 + total) / (n_hist.sum() + 3.0)
    p_value = binomial_sf(negative / dispersion, total / dispersion, p0)
    return p_value, total * p0, p0


def hourly_counts(events: Sequence[Event], *, start: datetime, end: datetime) -> list[int]:
    """Return posts per hourly bucket over [start, end), for charts beside the spikes."""
    start = bucket_start(start)
    n = max(0, math.ceil((end - start) / BUCKET))
    out = [0] * n
    for e in events:
        idx = math.floor((e.at - start) / BUCKET)
        if 0 <= idx < n:
            out[idx] += 1
    return out
