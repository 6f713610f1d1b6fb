"""The crisis radar on synthetic series the tests write themselves."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from scipy import stats

from escapevelocity.triage import radar
from escapevelocity.triage.radar import Event, RadarConfig

START = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday


def hourly_profile(hour: int) -> float:
    """Quiet nights, busy afternoons: a daily cycle between 0.3 and 1.7."""
    return 1.0 + 0.7 * math.sin((hour - 9) / 24 * 2 * math.pi)


def weekday_profile(day: int) -> float:
    return 0.6 if day >= 5 else 1.0


def synthetic(
    *,
    days: int,
    rate: float,
    seed: int,
    negative_share: float = 0.3,
    topics: tuple[str, ...] = ("billing", "network", "roaming"),
) -> list[Event]:
    """Seasonal Poisson arrivals; each post is negative with a fixed chance."""
    rng = np.random.default_rng(seed)
    events: list[Event] = []
    for h in range(days * 24):
        at = START + timedelta(hours=h)
        mean = rate * hourly_profile(at.hour) * weekday_profile(at.weekday())
        for _ in range(rng.poisson(mean)):
            minute = timedelta(minutes=float(rng.uniform(0, 59.9)))
            events.append(
                Event(
                    at=at + minute,
                    negative=bool(rng.random() < negative_share),
                    topic=str(rng.choice(topics)),
                    unit="care" if rng.random() < 0.7 else "sales",
                )
            )
    return events


def test_it_finds_a_planted_volume_spike_within_its_window() -> None:
    events = synthetic(days=14, rate=20, seed=1)
    spike_at = START + timedelta(days=10, hours=14)
    rng = np.random.default_rng(7)
    events += [
        Event(
            at=spike_at + timedelta(minutes=float(m)),
            negative=False,
            topic="network",
            unit="care",
        )
        for m in rng.uniform(0, 119, size=90)
    ]
    report = radar.scan(events, config=RadarConfig(false_alarms_per_day=0.1))
    found = [s for s in report.spikes if s.series == "topic:network" and s.kind == radar.VOLUME]
    assert found, report.spikes
    assert found[0].start >= spike_at
    assert found[0].detected_at <= spike_at + timedelta(hours=2)
    assert any(s.series == "all" and s.kind == radar.VOLUME for s in report.spikes)
    # Nothing else of note happened over the fortnight.
    assert all(spike_at <= s.start < spike_at + timedelta(hours=3) for s in report.spikes)


def test_it_finds_a_planted_negative_share_spike_without_extra_volume() -> None:
    events = synthetic(days=10, rate=30, seed=2, negative_share=0.2)
    spike_at = START + timedelta(days=8, hours=15)
    # Three hours in which billing posts turn negative, at the usual volume.
    events = [
        Event(e.at, True, e.topic, e.unit)
        if e.topic == "billing" and spike_at <= e.at < spike_at + timedelta(hours=3)
        else e
        for e in events
    ]
    report = radar.scan(events, config=RadarConfig(false_alarms_per_day=0.1))
    share = [s for s in report.spikes if s.kind == radar.NEGATIVE_SHARE]
    assert [s.series for s in share if s.series == "topic:billing"], report.spikes
    first = next(s for s in share if s.series == "topic:billing")
    assert spike_at <= first.start < spike_at + timedelta(hours=3)
    assert first.share > first.baseline_share + 0.5
    assert not [s for s in report.spikes if s.kind == radar.VOLUME]


@pytest.mark.parametrize("bound", [0.1, 1.0])
def test_it_raises_no_more_false_alarms_than_the_configured_bound(bound: float) -> None:
    config = RadarConfig(false_alarms_per_day=bound)
    alarms = 0
    days = 0.0
    for seed in range(6):
        report = radar.scan(synthetic(days=14, rate=12, seed=100 + seed), config=config)
        alarms += len(report.spikes)
        days += report.days - config.min_history_hours / 24
    assert days > 60
    assert alarms <= bound * days


def test_it_bounds_false_alarms_when_most_tests_are_near_the_threshold() -> None:
    """With every practical floor removed, only the statistics keep alarms down."""
    config = RadarConfig(
        false_alarms_per_day=2.0, min_count=0, min_ratio=0.0, min_negative=0, min_share_lift=0.0
    )
    alarms = 0
    days = 0.0
    for seed in range(4):
        report = radar.scan(synthetic(days=14, rate=8, seed=200 + seed), config=config)
        alarms += len(report.spikes)
        days += report.days - config.min_history_hours / 24
    assert alarms <= 2.0 * days


def test_it_spreads_the_bound_over_every_watched_series() -> None:
    report = radar.scan(synthetic(days=4, rate=10, seed=3), config=RadarConfig())
    # all + 3 topics + 2 units, two kinds each, 24 hours a day.
    assert len(report.series) == 6
    assert report.alpha == pytest.approx(0.1 / (6 * 2 * 24))


def test_it_learns_the_daily_cycle_instead_of_alarming_every_afternoon() -> None:
    """A strong but regular afternoon peak is the baseline, not a crisis."""
    events = synthetic(days=21, rate=25, seed=4)
    seasonal = radar.scan(events, config=RadarConfig(min_ratio=1.0))
    afternoon = range(11, 20)
    assert not [s for s in seasonal.spikes if s.peak_at.hour in afternoon]
    assert len(seasonal.spikes) <= 0.1 * 21
    # Knowing the nights are quiet, it sees a night-time surge that would pass for an
    # ordinary afternoon; the same radar with its seasonal factors pinned to 1 does not.
    night = START + timedelta(days=15, hours=3)
    surge = [Event(night + timedelta(seconds=40 * i), False, "network", "care") for i in range(28)]
    seasonal = radar.scan(events + surge, config=RadarConfig())
    flat = radar.scan(events + surge, config=RadarConfig(seasonal_prior=1e12))
    assert [s.start for s in seasonal.spikes if s.series == "all"] == [night]
    assert not [s for s in flat.spikes if s.start == night]


def test_it_does_not_let_a_long_crisis_become_the_new_baseline() -> None:
    events = synthetic(days=8, rate=10, seed=5, topics=("billing",))
    crisis = START + timedelta(days=5)
    events += [
        Event(crisis + timedelta(minutes=float(m)), True, "billing", "care")
        for m in np.linspace(0, 12 * 60 - 1, 12 * 60)
    ]
    report = radar.scan(events, config=RadarConfig())
    volume = [s for s in report.spikes if s.series == "all" and s.kind == radar.VOLUME]
    assert len(volume) == 1
    assert volume[0].hours >= 10


def test_it_ignores_events_outside_the_range_and_handles_an_empty_stream() -> None:
    empty = radar.scan([], config=RadarConfig())
    assert empty.spikes == []
    assert empty.alarms_per_day == 0.0
    events = synthetic(days=3, rate=5, seed=6)
    report = radar.scan(events, start=START + timedelta(days=1), end=START + timedelta(days=2))
    assert report.days == 1
    assert sum(radar.hourly_counts(events, start=report.start, end=report.end)) == sum(
        1 for e in events if report.start <= e.at < report.end
    )


def test_its_tails_match_the_textbook_distributions() -> None:
    assert radar.poisson_sf(7, 3.2) == pytest.approx(stats.poisson.sf(6, 3.2))
    assert radar.poisson_sf(0, 3.2) == 1.0
    assert radar.binomial_sf(9, 20, 0.3) == pytest.approx(stats.binom.sf(8, 20, 0.3))
    mean, dispersion = 6.0, 3.0
    size = mean / (dispersion - 1)
    expected = stats.nbinom.sf(13, size, size / (size + mean))
    assert radar.negbin_sf(14, mean, dispersion) == pytest.approx(expected)
    assert radar.negbin_sf(14, mean, 1.0) == pytest.approx(stats.poisson.sf(13, mean))


def test_it_describes_a_spike_in_words() -> None:
    events = synthetic(days=5, rate=10, seed=8)
    at = START + timedelta(days=4, hours=10)
    events += [Event(at + timedelta(seconds=i), True, "roaming", "care") for i in range(80)]
    report = radar.scan(events)
    text = " ".join(s.describe() for s in report.spikes)
    assert "Volume spike in all posts: " in text
    assert "Negative-share spike in topic roaming" in text


def test_it_refuses_a_nonsense_configuration() -> None:
    with pytest.raises(ValueError):
        RadarConfig(false_alarms_per_day=0)
    with pytest.raises(ValueError):
        RadarConfig(history_days=0)
