"""Demo data for outcomes: the company's contact costs, the fate of some of the morning's
sales leads, today's snapshots computed from the demo's own posts and requests, and a quarter
of daily history before today so the executive view has trends to show.

The history is synthetic and says so in its summary line: the care demo holds one morning of
posts, so earlier days are drawn around today's computed figures (a gentle improvement with a
weekly rhythm and fixed-seed noise). Days that demand's history really covers (its requests go
back months) are then recomputed from that data. Idempotent: run twice, it adds nothing new.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

HISTORY_DAYS = 90
SEED = 20261122
# The metrics the demo draws history for, and how far back they were (1.25 = 25% worse).
DRAWN: dict[str, float] = {
    "revenue.won_value": 0.55,
    "reputation.net_sentiment": 1.0,
    "cost.avoided": 0.6,
    "care.volume": 0.8,
    "care.first_response": 1.8,
    "care.sla_attainment": 0.8,
    "reputation.negative_share": 1.3,
    "cost.resolved_in_social": 0.6,
    "revenue.leads_routed": 0.7,
}
# Units get the same drawn history, so that the units of a period add up to the company.
UNIT_DRAWN = tuple(DRAWN)


def seed(now: dt.datetime | None = None) -> str | None:
    """Add this feature's demo data; return a one-line summary for `ev demo`, or None."""
    from escapevelocity.org import permissions
    from escapevelocity.org.models import Unit
    from escapevelocity.outcomes import selectors, services
    from escapevelocity.outcomes.models import DailySnapshot, Lead, OutcomeSettings

    if not Unit.objects.filter(key="sales").exists():
        return None  # not the demo company
    now = now or timezone.now()
    system = permissions.system_actor()
    if not OutcomeSettings.objects.exists():
        OutcomeSettings.objects.create(
            alert_emails="ruth@lumen.example\nsam@lumen.example",
            digest_emails="erin@lumen.example",
        )

    leads = 0
    rows = selectors.conversation_rows(
        selectors.Window(now - dt.timedelta(days=2), now + dt.timedelta(hours=1)),
        "id",
        "unit_id",
        "opened_at",
        intent="purchase_intent",
    )
    rng = random.Random(SEED)
    units = {u.pk: u for u in Unit.objects.all()}
    for conv_id, unit_id, opened_at in sorted(rows or []):
        if Lead.objects.filter(conversation_id=conv_id).exists():
            continue
        fate = rng.random()
        status = "won" if fate < 0.5 else ("lost" if fate < 0.7 else "open")
        value = Decimal(rng.randrange(400, 6000, 50)) if status == "won" else None
        services.lead_record(
            actor=system,
            conversation_id=conv_id,
            unit=units[unit_id],
            status=status,
            value=value,
            summary="Demo lead from a buying question",
            opened_at=opened_at,
            now=max(opened_at, now - dt.timedelta(minutes=30)),
        )
        leads += 1

    today = timezone.localdate(now)
    services.snapshot_day(day=today, include_point_in_time=True, now=now)
    first_day = today - dt.timedelta(days=HISTORY_DAYS)
    drawn = 0
    if not DailySnapshot.objects.filter(day=first_day, unit=None).exists():
        drawn = _draw_history(today, now)
        # Demand's requests reach back months: its deflection is real, not drawn.
        _recompute(["program.deflection"], first_day, today - dt.timedelta(days=1), now)
    summary = f"{leads} leads marked, today's snapshots"
    if drawn:
        summary += f", {drawn} synthetic history values over {HISTORY_DAYS} days"
    return summary


def _draw_history(today: dt.date, now: dt.datetime) -> int:
    from escapevelocity.org.models import Unit
    from escapevelocity.outcomes.models import DailySnapshot

    rng = random.Random(SEED + 1)
    anchors = {
        (s.metric, s.unit_id): s.value
        for s in DailySnapshot.objects.filter(day=today)
        if s.value is not None
    }
    targets: list[tuple[str, Unit | None, float]] = []
    for key, start_factor in DRAWN.items():
        value = anchors.get((key, None))
        if value:
            targets.append((key, None, start_factor))
    for spoke in Unit.objects.filter(archived=False):
        for key in UNIT_DRAWN:
            if anchors.get((key, spoke.pk)):
                targets.append((key, spoke, DRAWN[key]))
    rows = []
    for key, unit, start_factor in targets:
        anchor = anchors[(key, unit.pk if unit else None)]
        assert anchor is not None
        for back in range(1, HISTORY_DAYS + 1):
            day = today - dt.timedelta(days=back)
            progress = 1 - back / HISTORY_DAYS  # 0 a quarter ago, 1 today
            level = start_factor + (1 - start_factor) * progress
            weekly = 0.85 if day.weekday() >= 5 else 1.0
            if key in ("reputation.net_sentiment", "care.sla_attainment", "care.first_response"):
                weekly = 1.0
            noise = rng.gauss(1.0, 0.08)
            if key == "reputation.net_sentiment":
                value = anchor + (1 - level) * 30 * (-1 if anchor >= 0 else 1) + rng.gauss(0, 4)
            else:
                value = anchor * level * weekly * noise
            if key in ("care.sla_attainment", "reputation.negative_share"):
                value = min(max(value, 0.0), 100.0)
            rows.append(
                DailySnapshot(
                    day=day, unit=unit, metric=key, value=round(value, 2), computed_at=now
                )
            )
    existing = set(
        DailySnapshot.objects.filter(day__lt=today).values_list("day", "unit_id", "metric")
    )
    fresh = [r for r in rows if (r.day, r.unit_id, r.metric) not in existing]
    DailySnapshot.objects.bulk_create(fresh)
    return len(fresh)


def _recompute(keys: list[str], start: dt.date, end: dt.date, now: dt.datetime) -> None:
    from escapevelocity.outcomes import metrics, selectors
    from escapevelocity.outcomes.models import DailySnapshot

    ctx = metrics.Context(selectors.settings_get())
    day = start
    while day <= end:
        for key in keys:
            value = metrics.get(key).measure(selectors.day_window(day), ctx).value
            DailySnapshot.objects.update_or_create(
                day=day, unit=None, metric=key, defaults={"value": value, "computed_at": now}
            )
        day += dt.timedelta(days=1)
