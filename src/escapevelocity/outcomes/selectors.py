"""Reads for outcomes. Other apps' data is read here only, through their selectors or read-only
queries on their models, and defensively: a feature another app has not built yet makes the
metric say "no data yet" (None), never an error and never a made-up number."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode

from escapevelocity.org import permissions
from escapevelocity.org.models import Unit
from escapevelocity.outcomes.models import (
    Alert,
    DailySnapshot,
    Lead,
    LeadStatus,
    OutcomeSettings,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Window:
    """A period [start, end) and the units it covers (None: the whole company)."""

    start: dt.datetime
    end: dt.datetime
    unit_ids: frozenset[int] | None = None

    def previous(self) -> Window:
        length = self.end - self.start
        return Window(self.start - length, self.start, self.unit_ids)

    def unit_q(self, field: str = "unit") -> Q:
        return Q() if self.unit_ids is None else Q(**{f"{field}_id__in": self.unit_ids})


def settings_get() -> OutcomeSettings:
    row = OutcomeSettings.objects.order_by("id").first()
    return row if row is not None else OutcomeSettings.objects.create()


def window_for_days(
    *, days: int, end: dt.datetime | None = None, unit: Unit | None = None
) -> Window:
    """The `days` whole days up to the end of today (or up to `end`), local time."""
    end = end or _next_midnight(timezone.now())
    return Window(
        end - dt.timedelta(days=days), end, None if unit is None else frozenset({unit.pk})
    )


def _next_midnight(now: dt.datetime) -> dt.datetime:
    local = timezone.localtime(now)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight + dt.timedelta(days=1)


def day_window(day: dt.date, unit_ids: frozenset[int] | None = None) -> Window:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    return Window(start, start + dt.timedelta(days=1), unit_ids)


# --- care (conversations, posts, decisions, replies) -------------------------------------------

# A post counts for the unit whose queue its conversation is in now (after any re-routing),
# not the unit triage first sent it to.
CONVERSATION_UNIT = "post__conversation__unit"


def _care_models() -> Any | None:
    try:
        from escapevelocity.care import models as care_models
    except ImportError:  # care not installed in this build
        return None
    for name in ("Conversation", "Post", "Decision", "Reply"):
        if not hasattr(care_models, name):
            return None
    return care_models


def care_available() -> bool:
    return _care_models() is not None


def conversations(w: Window) -> QuerySet[Any] | None:
    """Care conversations opened in the window, or None without care."""
    m = _care_models()
    if m is None:
        return None
    qs: QuerySet[Any] = m.Conversation.objects.filter(
        w.unit_q(), opened_at__gte=w.start, opened_at__lt=w.end
    )
    return qs


def conversation_rows(w: Window, *fields: str, **filters: Any) -> list[tuple[Any, ...]] | None:
    qs = conversations(w)
    if qs is None:
        return None
    return list(qs.filter(**filters).values_list(*fields))


def _pairs_in_window(
    w: Window, pair: tuple[str, str], *, stamp: str, with_unit: bool = False
) -> list[tuple[Any, ...]] | None:
    """The `pair` of fields of the conversations whose `stamp` falls in the window, each led by
    its unit id when with_unit; None when Care is not available."""
    m = _care_models()
    if m is None:
        return None
    fields = ("unit_id", *pair) if with_unit else pair
    return list(
        m.Conversation.objects.filter(
            w.unit_q(), **{f"{stamp}__gte": w.start, f"{stamp}__lt": w.end}
        ).values_list(*fields)
    )


def first_responses(w: Window, *, with_unit: bool = False) -> list[tuple[Any, ...]] | None:
    """(opened_at, first_responded_at) of conversations first answered in the window, each
    led by its unit id when with_unit."""
    return _pairs_in_window(
        w, ("opened_at", "first_responded_at"), stamp="first_responded_at", with_unit=with_unit
    )


def resolutions(w: Window) -> list[tuple[dt.datetime, dt.datetime]] | None:
    """(opened_at, resolved_at) of conversations resolved in the window."""
    return _pairs_in_window(w, ("opened_at", "resolved_at"), stamp="resolved_at")


def first_response_deadlines(w: Window, *, with_unit: bool = False) -> list[tuple[Any, ...]] | None:
    """(first_response_due, first_responded_at) for deadlines that fell in the window, each
    led by its unit id when with_unit."""
    return _pairs_in_window(
        w,
        ("first_response_due", "first_responded_at"),
        stamp="first_response_due",
        with_unit=with_unit,
    )


def conversation_counts_by_unit(w: Window, **filters: Any) -> dict[int, int] | None:
    """Conversations opened in the window per unit (spam left out), one grouped query."""
    qs = conversations(w)
    if qs is None:
        return None
    rows = (
        qs.filter(**filters)
        .exclude(intent="spam")
        .values("unit_id")
        .annotate(n=Count("id"))
        .values_list("unit_id", "n")
    )
    return {int(u): int(n) for u, n in rows}


def resolved_in_social(w: Window) -> int | None:
    """Conversations resolved in the window after the company answered in social."""
    m = _care_models()
    if m is None:
        return None
    return int(
        m.Conversation.objects.filter(
            w.unit_q(),
            resolved_at__gte=w.start,
            resolved_at__lt=w.end,
            first_responded_at__isnull=False,
        )
        .exclude(intent__in=("spam",))
        .count()
    )


def sentiment_counts(w: Window) -> dict[str, int] | None:
    """Inbound posts in the window by the sentiment triage gave them."""
    m = _care_models()
    if m is None:
        return None
    rows = (
        m.Decision.objects.filter(
            w.unit_q(CONVERSATION_UNIT),
            post__created_at__gte=w.start,
            post__created_at__lt=w.end,
        )
        .exclude(intent="spam")
        .values("sentiment")
        .annotate(n=Count("post_id"))
        .values_list("sentiment", "n")
    )
    return {s: int(n) for s, n in rows}


def sentiment_counts_by_unit(w: Window) -> dict[int, dict[str, int]] | None:
    """Inbound posts in the window per unit and sentiment, one grouped query."""
    m = _care_models()
    if m is None:
        return None
    rows = (
        m.Decision.objects.filter(
            w.unit_q(CONVERSATION_UNIT),
            post__created_at__gte=w.start,
            post__created_at__lt=w.end,
        )
        .exclude(intent="spam")
        .values(f"{CONVERSATION_UNIT}_id", "sentiment")
        .annotate(n=Count("post_id"))
        .values_list(f"{CONVERSATION_UNIT}_id", "sentiment", "n")
    )
    out: dict[int, dict[str, int]] = {}
    for unit_id, sentiment, n in rows:
        out.setdefault(int(unit_id), {})[sentiment] = int(n)
    return out


def inbound_posts(w: Window) -> int | None:
    m = _care_models()
    if m is None:
        return None
    return int(
        m.Post.objects.filter(
            w.unit_q("conversation__unit"),
            direction="in",
            created_at__gte=w.start,
            created_at__lt=w.end,
        ).count()
    )


def replies_written(w: Window) -> int | None:
    m = _care_models()
    if m is None:
        return None
    return int(
        m.Reply.objects.filter(
            w.unit_q("conversation__unit"), created__gte=w.start, created__lt=w.end
        ).count()
    )


def authors_reached(w: Window) -> int | None:
    """Distinct authors the company answered in the window."""
    m = _care_models()
    if m is None:
        return None
    return int(
        m.Reply.objects.filter(
            w.unit_q("conversation__unit"), created__gte=w.start, created__lt=w.end
        )
        .values("conversation__author_id")
        .distinct()
        .count()
    )


def radar_events(*, start: dt.datetime, end: dt.datetime) -> list[tuple[Any, ...]] | None:
    """(created_at, sentiment, intent, unit key) of every inbound post triaged in [start, end)."""
    m = _care_models()
    if m is None:
        return None
    return list(
        m.Decision.objects.filter(post__created_at__gte=start, post__created_at__lt=end)
        .exclude(intent="spam")
        .values_list("post__created_at", "sentiment", "intent", f"{CONVERSATION_UNIT}__key")
        .iterator(chunk_size=5000)
    )


# --- revenue -----------------------------------------------------------------------------------


def leads_won(w: Window) -> tuple[int, float]:
    """(count, summed value) of leads marked won in the window."""
    agg = Lead.objects.filter(
        w.unit_q(), status=LeadStatus.WON, closed_at__gte=w.start, closed_at__lt=w.end
    ).aggregate(n=Count("id"), value=Sum("value"))
    return int(agg["n"] or 0), float(agg["value"] or 0)


def leads_won_by_unit(w: Window) -> dict[int, tuple[int, float]]:
    rows = (
        Lead.objects.filter(
            w.unit_q(), status=LeadStatus.WON, closed_at__gte=w.start, closed_at__lt=w.end
        )
        .values("unit_id")
        .annotate(n=Count("id"), value=Sum("value"))
        .values_list("unit_id", "n", "value")
    )
    return {int(u): (int(n), float(v or 0)) for u, n, v in rows}


def leads_closed(w: Window) -> int:
    return int(
        Lead.objects.filter(
            w.unit_q(),
            status__in=(LeadStatus.WON, LeadStatus.LOST),
            closed_at__gte=w.start,
            closed_at__lt=w.end,
        ).count()
    )


# --- crises ------------------------------------------------------------------------------------


def alerts_in(w: Window) -> QuerySet[Alert]:
    qs = Alert.objects.filter(detected_at__gte=w.start, detected_at__lt=w.end)
    if w.unit_ids is not None:
        qs = qs.filter(unit_id__in=w.unit_ids)
    return qs


def alerts_visible(*, user: Any) -> QuerySet[Alert]:
    """Company-wide alerts for those who read every unit; a unit's own alerts otherwise."""
    scope = permissions.scope_for(user)
    qs = Alert.objects.select_related("unit", "checklist")
    if reads_company(user):
        return qs
    return qs.filter(unit_id__in=scope.view_unit_ids)


# --- demand and governance ---------------------------------------------------------------------


def request_counts(w: Window) -> dict[str, int] | None:
    """Demand requests decided in the window by status, plus "open" (the backlog now)."""
    try:
        from escapevelocity.demand.models import OPEN_STATUSES, DemandRequest
    except ImportError:
        return None
    qs = DemandRequest.objects.all()
    if w.unit_ids is not None:
        qs = qs.filter(unit_id__in=w.unit_ids)
    decided = dict(
        qs.filter(decided__gte=w.start, decided__lt=w.end)
        .values("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    # The backlog as it stands now: past days' backlogs live in their snapshots.
    backlog = qs.filter(status__in=OPEN_STATUSES).count()
    return {**{str(k): int(v) for k, v in decided.items()}, "open": int(backlog)}


def helpdesk_risk() -> Any | None:
    """Demand's help-desk-risk assessment of the hub, or None when it cannot be made yet."""
    try:
        from escapevelocity.demand import selectors as demand_selectors
    except ImportError:
        return None
    if not hasattr(demand_selectors, "risk_assessment"):
        return None
    try:
        return demand_selectors.risk_assessment()
    except Exception:  # a forecast with too little history is "no data yet", not a 500
        log.exception("help-desk risk could not be assessed")
        return None


def governance_benchmarks() -> Any | None:
    try:
        from escapevelocity.governance import selectors as governance_selectors
    except ImportError:
        return None
    if not hasattr(governance_selectors, "benchmarks"):
        return None
    try:
        return governance_selectors.benchmarks()
    except Exception:
        log.exception("governance benchmarks could not be read")
        return None


def crisis_procedure() -> tuple[str, list[str]] | None:
    """(title, steps) of the company's crisis procedure from governance's training modules."""
    try:
        from escapevelocity.governance.models import ModuleKind, TrainingModule
    except ImportError:
        return None
    module = TrainingModule.objects.filter(kind=ModuleKind.CRISIS).order_by("id").first()
    if module is None:
        return None
    steps = [
        line.strip().lstrip("-*0123456789.) ").strip()
        for line in module.description.splitlines()
        if line.strip()
    ]
    steps = [s for s in steps if s]
    if not steps:
        return None
    return module.title, steps


# --- snapshots and who reads what --------------------------------------------------------------


def snapshot_series(
    *, metrics: Iterable[str], start: dt.date, end: dt.date, unit: Unit | None = None
) -> dict[str, list[tuple[dt.date, float | None]]]:
    """Daily values of these metrics over [start, end], one query."""
    keys = list(metrics)
    rows = (
        DailySnapshot.objects.filter(metric__in=keys, day__gte=start, day__lte=end)
        .filter(Q(unit=None) if unit is None else Q(unit=unit))
        .order_by("day")
        .values_list("metric", "day", "value")
    )
    out: dict[str, list[tuple[dt.date, float | None]]] = {k: [] for k in keys}
    for metric, day, value in rows:
        out[metric].append((day, value))
    return out


@dataclass(frozen=True)
class UnitSums:
    days: set[dt.date]  # days with any unit's snapshot of the metric
    sums: dict[int, float]  # unit id → sum of its values over those days


def unit_snapshot_sums(*, metric: str, unit_ids: list[int], days: list[dt.date]) -> UnitSums:
    """Per-unit sums of a metric's daily snapshots over some days, in one query."""
    if not days:
        return UnitSums(set(), {})
    rows = DailySnapshot.objects.filter(
        metric=metric, unit_id__in=unit_ids, day__gte=min(days), day__lte=max(days)
    ).values_list("unit_id", "day", "value")
    wanted = set(days)
    covered: set[dt.date] = set()
    sums: dict[int, float] = {}
    for unit_id, day, value in rows:
        if day in wanted:
            covered.add(day)
            sums[unit_id] = sums.get(unit_id, 0.0) + (value or 0.0)
    return UnitSums(covered, sums)


def reads_company(user: Any) -> bool:
    """Executives and the hub read the whole company's results."""
    scope = permissions.scope_for(user)
    return permissions.can_read_dashboards(user) and (
        scope.is_hub or permissions.has_role(user, "executive")
    )


def dashboard_units(*, user: Any) -> list[Unit]:
    """Units whose view this person may open (spoke leads: their own)."""
    if not permissions.can_read_dashboards(user):
        return []
    units = permissions.units_visible_to(user).filter(archived=False).order_by("kind", "name")
    if reads_company(user):
        return list(units)
    from escapevelocity.org.models import Membership, Role

    led = Membership.objects.filter(user=user, role=Role.SPOKE_LEAD).values_list("unit_id")
    return list(units.filter(Q(id__in=led) | Q(region_id__in=led)))


def inbox_url(*, unit: Unit | None = None, **params: str) -> str | None:
    """Care's inbox filtered to the conversations behind a number, when care has an inbox."""
    try:
        base = reverse("care:index")
    except NoReverseMatch:
        return None
    query = {"status": "all", **params}
    if unit is not None:
        query["unit"] = unit.key
    return f"{base}?{urlencode(query)}"


def board_url(*, unit: Unit | None = None, **params: str) -> str | None:
    try:
        base = reverse("demand:index")
    except NoReverseMatch:
        return None
    query = dict(params)
    if unit is not None:
        query["unit"] = unit.key
    return f"{base}?{urlencode(query)}" if query else base


def url_or_none(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None
