"""Every read in demand that has rules: who sees which requests, the board, the hub's capacity,
and the workload history behind the help-desk-risk forecast."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.core.exceptions import FieldError
from django.db import DatabaseError, transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from escapevelocity.demand import services
from escapevelocity.demand.models import (
    BOARD_COLUMNS,
    DemandRequest,
    Playbook,
    RequestKind,
    RequirementSet,
    Status,
)
from escapevelocity.org import permissions
from escapevelocity.org.models import HUB_ROLES, Membership, UnitKind
from escapevelocity.planning import capacity

log = logging.getLogger(__name__)
HISTORY_WEEKS = 26


def kinds_with_requirements() -> list[tuple[RequestKind, RequirementSet | None]]:
    """Every kind with its current requirements, in two queries (three on first use)."""
    if not RequestKind.objects.exists():
        services.kinds_install_defaults()
    kinds = list(
        RequestKind.objects.prefetch_related(
            Prefetch("versions", queryset=RequirementSet.objects.order_by("-version")),
            Prefetch("playbooks", queryset=Playbook.objects.only("slug", "title")),
        )
    )
    return [(k, next(iter(k.versions.all()), None)) for k in kinds]


def requests_visible(user: Any) -> QuerySet[DemandRequest]:
    """Requests of the units this person may see. Drafts only for those who may act on them."""
    scope = permissions.scope_for(user)
    return (
        DemandRequest.objects.filter(unit_id__in=scope.view_unit_ids)
        .exclude(Q(status=Status.DRAFT) & ~Q(unit_id__in=scope.act_unit_ids))
        .select_related("unit", "kind", "goal", "playbook", "created_by")
    )


def requests_list(
    user: Any,
    *,
    status: str = "",
    unit: str = "",
    kind: str = "",
    q: str = "",
) -> QuerySet[DemandRequest]:
    qs = requests_visible(user)
    if status:
        qs = qs.filter(status=status)
    if unit:
        qs = qs.filter(unit__key=unit)
    if kind:
        qs = qs.filter(kind__key=kind)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(business_goal__icontains=q))
    return qs


RECENT_SHOWN = 15


def _recent_first(rows: list[DemandRequest]) -> list[DemandRequest]:
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    return sorted(rows, key=lambda r: r.decided or r.submitted or epoch, reverse=True)


def board(user: Any, **filters: str) -> dict[str, Any]:
    """Requests in board columns (incoming … done), drafts and closed ones, in one query.

    Open columns show every request by priority; done and closed show the most recent. A
    deferred request whose date has come is back among the incoming, marked so.
    """
    filters.pop("status", None)
    columns: dict[str, list[DemandRequest]] = {s: [] for s in BOARD_COLUMNS}
    drafts: list[DemandRequest] = []
    closed: list[DemandRequest] = []
    today = timezone.localdate()
    for r in requests_list(user, **filters)[:2000]:
        if r.status == Status.DEFERRED and r.deferred_until and r.deferred_until <= today:
            r.back_from_deferral = True  # type: ignore[attr-defined]
            columns[Status.SUBMITTED].append(r)
        elif r.status in columns:
            columns[r.status].append(r)
        elif r.status == Status.DRAFT:
            drafts.append(r)
        else:
            closed.append(r)
    done = _recent_first(columns[Status.DONE])
    columns[Status.DONE] = done[:RECENT_SHOWN]
    closed = _recent_first(closed)
    return {
        "columns": [(Status(s), columns[s]) for s in BOARD_COLUMNS],
        "done_hidden": max(0, len(done) - RECENT_SHOWN),
        "drafts": drafts,
        "closed": closed[:RECENT_SHOWN],
        "closed_hidden": max(0, len(closed) - RECENT_SHOWN),
    }


# --- capacity and workload ---------------------------------------------------------------------


def hub_capacity() -> capacity.HubCapacity:
    """The hub people's weekly hours and the hub's planned share, for the forecast."""
    settings = services.settings_get()
    hours = [
        float(h)
        for h in Membership.objects.filter(
            unit__kind=UnitKind.HUB, unit__archived=False, role__in=HUB_ROLES
        ).values_list("weekly_hours", flat=True)
    ]
    return capacity.HubCapacity(
        people_hours=tuple(hours),
        planned_share=float(settings.planned_share),
        overload_at=float(settings.overload_at),
    )


def hub_people() -> QuerySet[Membership]:
    return (
        Membership.objects.filter(unit__kind=UnitKind.HUB, unit__archived=False, role__in=HUB_ROLES)
        .select_related("user", "unit")
        .order_by("user__username")
    )


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def scheduled_hours_by_week(*, exclude: int | None = None) -> dict[dt.date, Decimal]:
    """Effort of scheduled and in-progress requests, by the Monday of their scheduled week."""
    default = services.settings_get().default_request_hours
    booked: dict[dt.date, Decimal] = defaultdict(Decimal)
    rows = DemandRequest.objects.filter(
        status__in=(Status.SCHEDULED, Status.IN_PROGRESS), scheduled_for__isnull=False
    )
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    for day, effort in rows.values_list("scheduled_for", "effort_hours"):
        if day is None:
            continue
        booked[_monday(day)] += effort if effort is not None else default
    return dict(booked)


def _care_escalation_stamps(start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """When Care escalations arrived, from whatever the care app keeps; [] when it keeps none.

    Care is built alongside demand, so this reads by name and never imports care: a model
    `Escalation` with a `created` time if there is one; otherwise conversations escalated (or
    advised to be) by when they opened.
    """
    from django.apps import apps

    try:
        model = apps.get_model("care", "Escalation")
        query = model.objects.filter(created__gte=start, created__lt=end)
        field = "created"
    except LookupError:
        try:
            model = apps.get_model("care", "Conversation")
        except LookupError:
            return []
        query = model.objects.filter(opened_at__gte=start, opened_at__lt=end).filter(
            Q(status="escalated") | Q(response="escalate")
        )
        field = "opened_at"
    # A savepoint, so a missing table does not break the caller's transaction on PostgreSQL.
    with transaction.atomic():
        return list(query.values_list(field, flat=True))


def weekly_counts(stamps: list[dt.datetime], *, start: dt.datetime, weeks: int) -> list[float]:
    """How many of `stamps` fall in each of `weeks` weeks from `start`."""
    counts = [0.0] * weeks
    for stamp in stamps:
        i = (stamp - start).days // 7
        if 0 <= i < weeks:
            counts[i] += 1
    return counts


def care_escalations_weekly(*, start: dt.datetime, weeks: int) -> list[float]:
    """Care escalations a week from `start`; zeros when the care app keeps no such data yet."""
    end = start + dt.timedelta(weeks=weeks)
    try:
        stamps = _care_escalation_stamps(start, end)
    except (DatabaseError, FieldError, ValueError, TypeError) as exc:
        log.info("care escalations unreadable, counted as none: %s", exc)
        return [0.0] * weeks
    return weekly_counts(stamps, start=start, weeks=weeks)


def workload(*, now: dt.datetime | None = None, weeks: int = HISTORY_WEEKS) -> capacity.Workload:
    """Arrival history of the last complete weeks, per unit, for the forecast.

    Requests count in the week they were submitted; redirected ones are deflected demand and
    count apart. The open backlog (incoming, under review, scheduled, in progress) is in hours.
    """
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    this_monday = _monday(today)
    first_monday = this_monday - dt.timedelta(weeks=weeks)
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(first_monday, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(this_monday, dt.time.min, tzinfo=tz)
    settings = services.settings_get()
    default_hours = settings.default_request_hours

    per_unit: dict[str, list[float]] = {}
    redirected = [0.0] * weeks
    efforts: list[Decimal] = []
    rows = (
        DemandRequest.objects.filter(submitted__gte=start, submitted__lt=end)
        .exclude(status=Status.DRAFT)
        .values_list("unit__key", "submitted", "status", "effort_hours")
    )
    for unit_key, submitted, status, effort in rows:
        i = (timezone.localtime(submitted).date() - first_monday).days // 7
        if not 0 <= i < weeks:
            continue
        if status == Status.REDIRECTED:
            redirected[i] += 1
            continue
        per_unit.setdefault(unit_key, [0.0] * weeks)[i] += 1
        if effort is not None:
            efforts.append(effort)
    hours_per_request = float(sum(efforts) / len(efforts)) if efforts else float(default_hours)

    backlog = Decimal(0)
    for effort in DemandRequest.objects.filter(
        status__in=(Status.SUBMITTED, Status.UNDER_REVIEW, Status.SCHEDULED, Status.IN_PROGRESS)
    ).values_list("effort_hours", flat=True):
        backlog += effort if effort is not None else default_hours

    return capacity.Workload(
        requests_by_unit=per_unit,
        escalations=care_escalations_weekly(start=start, weeks=weeks),
        redirected=redirected,
        hours_per_request=hours_per_request,
        hours_per_escalation=float(settings.hours_per_escalation),
        backlog_hours=float(backlog),
        next_week_start=this_monday,
    )


def risk_assessment(
    scenario: capacity.Scenario | None = None, *, now: dt.datetime | None = None
) -> capacity.Assessment:
    """The help-desk risk of the hub as it stands (or under a what-if scenario)."""
    return capacity.assess(workload(now=now), hub_capacity(), scenario)


def schedule_weeks(*, weeks: int = 12) -> list[dict[str, Any]]:
    """Scheduled hours against the hub's reactive hours, week by week from this one."""
    booked = scheduled_hours_by_week()
    available = hub_capacity().reactive_hours
    monday = _monday(timezone.localdate())
    out = []
    for i in range(weeks):
        week = monday + dt.timedelta(weeks=i)
        hours = float(booked.get(week, Decimal(0)))
        out.append(
            {
                "week": week,
                "booked": hours,
                "available": available,
                "share": hours / available if available else 0.0,
                "over": hours > available,
            }
        )
    return out
