"""What the executive, strategist and unit views (and the report) show, computed in one place."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date

from escapevelocity.org.models import Unit
from escapevelocity.outcomes import charts, metrics, selectors
from escapevelocity.outcomes.metrics import Measure, Metric
from escapevelocity.outcomes.selectors import Window

PERIOD_CHOICES = (7, 30, 90)
MAX_DAYS = 366


@dataclass(frozen=True)
class Period:
    start: dt.date  # first day
    end: dt.date  # last day (inclusive)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def window(self, unit: Unit | None = None) -> Window:
        first = selectors.day_window(self.start)
        last = selectors.day_window(self.end)
        return Window(first.start, last.end, None if unit is None else frozenset({unit.pk}))

    def previous(self) -> Period:
        return Period(self.start - dt.timedelta(days=self.days), self.start - dt.timedelta(days=1))

    def label(self) -> str:
        return f"{self.start:%d %b %Y} – {self.end:%d %b %Y}"

    def query(self) -> str:
        return f"start={self.start.isoformat()}&end={self.end.isoformat()}"


def period_from_params(params: Any, *, today: dt.date | None = None) -> Period:
    """?days=7|30|90, or ?start=YYYY-MM-DD&end=YYYY-MM-DD; the last 30 days by default."""
    today = today or timezone.localdate()
    start_raw = (params.get("start") or "").strip()
    end_raw = (params.get("end") or "").strip()
    if start_raw or end_raw:
        errors: dict[str, list[str]] = {}
        start = parse_date(start_raw) if start_raw else None
        end = parse_date(end_raw) if end_raw else today
        if start is None:
            errors["start"] = ["Enter the first day as YYYY-MM-DD."]
        if end is None:
            errors["end"] = ["Enter the last day as YYYY-MM-DD."]
        if start and end:
            if end < start:
                errors["end"] = ["The last day is before the first."]
            elif (end - start).days + 1 > MAX_DAYS:
                errors["end"] = [f"A period is at most {MAX_DAYS} days."]
        if errors:
            raise ValidationError(errors)
        assert start is not None
        assert end is not None
        return Period(start, end)
    days_raw = (params.get("days") or "30").strip()
    if not days_raw.isdigit() or int(days_raw) not in PERIOD_CHOICES:
        raise ValidationError(
            {"days": [f"Choose one of: {', '.join(str(d) for d in PERIOD_CHOICES)}."]}
        )
    days = int(days_raw)
    return Period(today - dt.timedelta(days=days - 1), today)


def _days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def _ranges(days: list[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Contiguous runs of days, as (first, last) pairs."""
    out: list[tuple[dt.date, dt.date]] = []
    for day in sorted(days):
        if out and day == out[-1][1] + dt.timedelta(days=1):
            out[-1] = (out[-1][0], day)
        else:
            out.append((day, day))
    return out


def _span(first: dt.date, last: dt.date, unit_ids: frozenset[int] | None) -> Window:
    return Window(selectors.day_window(first).start, selectors.day_window(last).end, unit_ids)


def stored_days(period: Period, today: dt.date) -> list[dt.date]:
    """Days of the period whose snapshot may stand in for the live figure: every closed day
    (today is still filling up, so it is always computed live)."""
    return _days(period.start, min(period.end, today - dt.timedelta(days=1)))


def period_measure(
    metric: Metric,
    period: Period,
    ctx: metrics.Context,
    *,
    unit: Unit | None = None,
    snapshots: dict[dt.date, float | None] | None = None,
    today: dt.date | None = None,
) -> Measure:
    """A metric over a period. An additive metric is the sum of its days: the daily
    snapshots where they exist (so the figure survives the posts' retention), the live
    computation for the days without one. Other metrics are computed live over the period."""
    w = period.window(unit)
    if metric.change_of:
        base = metrics.get(metric.change_of)
        now = period_measure(base, period, ctx, unit=unit, today=today)
        before = period_measure(base, period.previous(), ctx, unit=unit, today=today)
        if now.value is None or before.value is None:
            return Measure(None, "Needs data in this period and the one before")
        return Measure(now.value - before.value, "against the previous period")
    today = today or timezone.localdate()
    if snapshots is None:
        series = selectors.snapshot_series(
            metrics=[metric.key], start=period.start, end=period.end, unit=unit
        )
        snapshots = dict(series[metric.key])
    stored = {d: snapshots[d] for d in stored_days(period, today) if d in snapshots}
    if not metric.additive:
        live = metric.measure(w, ctx)
        kept = [v for v in stored.values() if v is not None]
        if live.value is not None or metric.point_in_time or not kept:
            return live
        # The posts behind the period are gone (retention): the mean of its daily values.
        return Measure(sum(kept) / len(kept), f"mean of {len(kept)} daily snapshots")
    missing = [d for d in _days(period.start, period.end) if d not in stored]
    total = sum(v or 0.0 for v in stored.values())
    live_note = ""
    for first, last in _ranges(missing):
        m = metric.measure(_span(first, last, w.unit_ids), ctx)
        if m.value is None:
            return m
        total += m.value
        live_note = m.note
    if stored:
        return Measure(total, f"{len(stored)} of {period.days} days from daily snapshots")
    return Measure(total, live_note)


@dataclass
class Tile:
    metric: Metric
    measure: Measure
    previous: Measure
    display: str
    change: str  # "+12% on the previous period", or ""
    direction: str  # "better", "worse", "same", ""
    url: str | None
    previous_display: str = ""
    chart: str = ""  # rendered chart div


def _change(metric: Metric, now: Measure, before: Measure) -> tuple[str, str]:
    if now.value is None or before.value is None:
        return "", ""
    delta = now.value - before.value
    if abs(delta) < 1e-9:
        return "no change on the previous period", "same"
    better = (delta > 0) == metric.higher_is_better
    if metric.unit in ("percent", "score", "points"):
        text = f"{delta:+.0f} points on the previous period"
    elif before.value:
        text = f"{100 * delta / abs(before.value):+.0f}% on the previous period"
    else:
        text = f"{delta:+,.0f} on the previous period"
    return text, "better" if better else "worse"


def tiles(
    keys: list[str] | tuple[str, ...],
    period: Period,
    *,
    unit: Unit | None = None,
    ctx: metrics.Context | None = None,
    with_charts: bool = False,
) -> list[Tile]:
    ctx = ctx or metrics.Context(selectors.settings_get())
    prev = period.previous()
    series = selectors.snapshot_series(metrics=keys, start=prev.start, end=period.end, unit=unit)
    out = []
    for i, key in enumerate(keys):
        metric = metrics.get(key)
        snapshots = dict(series.get(key, []))
        now = period_measure(metric, period, ctx, unit=unit, snapshots=snapshots)
        before = period_measure(metric, prev, ctx, unit=unit, snapshots=snapshots)
        change, direction = _change(metric, now, before)
        tile = Tile(
            metric,
            now,
            before,
            metrics.format_value(metric, now.value, ctx.settings.currency),
            change,
            direction,
            metric.url(unit),
            metrics.format_value(metric, before.value, ctx.settings.currency),
        )
        if with_charts:
            points = _fill([p for p in series.get(key, []) if p[0] >= period.start], period)
            if any(v is not None for _d, v in points):
                color = charts.COLORS[i % len(charts.COLORS)]
                fig = charts.trend(metric, points, color=color)
                tile.chart = charts.to_div(fig, div_id=f"trend-{key.replace('.', '-')}")
        out.append(tile)
    return out


def _fill(
    points: list[tuple[dt.date, float | None]], period: Period
) -> list[tuple[dt.date, float | None]]:
    by_day = dict(points)
    return [
        (period.start + dt.timedelta(days=i), by_day.get(period.start + dt.timedelta(days=i)))
        for i in range(period.days)
    ]


UNIT_TABLE_KEYS = (
    "care.volume",
    "care.first_response",
    "care.sla_attainment",
    "reputation.net_sentiment",
    "reputation.negative_share",
    "revenue.leads_routed",
    "revenue.won_value",
)


def unit_table(
    units: list[Unit], period: Period, *, ctx: metrics.Context | None = None
) -> list[dict[str, Any]]:
    """One row per unit with the headline numbers for that unit: each metric is computed for
    every unit at once, so the number of queries does not grow with the units."""
    ctx = ctx or metrics.Context(selectors.settings_get())
    w = period.window()
    ids = [u.pk for u in units]
    columns = {}
    for key in UNIT_TABLE_KEYS:
        metric = metrics.get(key)
        if metric.additive:
            columns[key] = _additive_by_unit(metric, period, ctx, ids)
        else:
            columns[key] = metric.measure_units(w, ctx, ids)
    rows = []
    for unit in units:
        cells = []
        for key in UNIT_TABLE_KEYS:
            metric = metrics.get(key)
            m = columns[key][unit.pk]
            cells.append(
                {
                    "metric": metric,
                    "value": m.value,
                    "display": metrics.format_value(metric, m.value, ctx.settings.currency),
                    "url": metric.url(unit),
                }
            )
        rows.append({"unit": unit, "cells": cells})
    return rows


def _additive_by_unit(
    metric: Metric, period: Period, ctx: metrics.Context, ids: list[int]
) -> dict[int, Measure]:
    """period_measure for many units: stored days from one grouped snapshot query, the
    remaining days live in grouped queries."""
    today = timezone.localdate()
    stored = selectors.unit_snapshot_sums(
        metric=metric.key, unit_ids=ids, days=stored_days(period, today)
    )
    covered: set[dt.date] = stored.days
    totals = {u: stored.sums.get(u, 0.0) for u in ids}
    missing = [d for d in _days(period.start, period.end) if d not in covered]
    for first, last in _ranges(missing):
        found = metric.measure_units(_span(first, last, None), ctx, ids)
        for u in ids:
            value = found[u].value
            if value is None:
                return {u: found[u] for u in ids}
            totals[u] += value
    return {u: Measure(totals[u]) for u in ids}


def unit_charts(rows: list[dict[str, Any]]) -> list[str]:
    out = []
    for index, key in enumerate(("care.volume", "reputation.negative_share")):
        metric = metrics.get(key)
        values = []
        for row in rows:
            cell = next(c for c in row["cells"] if c["metric"].key == key)
            values.append((row["unit"].name, cell["value"]))
        if any(v for _n, v in values):
            fig = charts.by_unit(metric, values)
            out.append(charts.to_div(fig, div_id=f"units-{index}"))
    return out


STRATEGIST_KEYS = tuple(m.key for m in metrics.for_tier(metrics.STRATEGIST))
COMMUNITY_KEYS = tuple(m.key for m in metrics.for_tier(metrics.COMMUNITY))
UNIT_KEYS = tuple(
    m.key for m in metrics.REGISTRY.values() if m.per_unit and not m.key.startswith("program.")
)
