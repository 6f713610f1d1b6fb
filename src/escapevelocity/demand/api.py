"""Demand endpoints: kinds and their requirements, requests, decisions, playbooks, the risk.

A unit reads and edits its own requests; the hub reads all and decides; executives read.
Requests a person may not see answer 404; actions they may not take answer 403.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from escapevelocity.demand import selectors, services
from escapevelocity.demand.models import DemandRequest, Playbook, RequestKind
from escapevelocity.demand.models import Status as RequestStatus
from escapevelocity.org import permissions
from escapevelocity.org.models import Unit
from escapevelocity.planning import capacity

router = Router()


class StrictIn(Schema):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# --- kinds and requirements --------------------------------------------------------------------


class ItemOut(Schema):
    key: str
    label: str
    help: str


class KindOut(Schema):
    key: str
    name: str
    summary: str
    version: int | None
    intro: str
    items: list[ItemOut]
    playbooks: list[str]


def _kind_out(kind: RequestKind, reqs: Any) -> dict[str, Any]:
    return {
        "key": kind.key,
        "name": kind.name,
        "summary": kind.summary,
        "version": reqs.version if reqs else None,
        "intro": reqs.intro if reqs else "",
        "items": reqs.items if reqs else [],
        "playbooks": [p.slug for p in kind.playbooks.all()],
    }


@router.get("/kinds", response=list[KindOut])
def kinds(request: HttpRequest) -> list[dict[str, Any]]:
    """Every kind of request with its published requirements: readable by every member."""
    permissions.require_member(request.user)
    return [_kind_out(k, r) for k, r in selectors.kinds_with_requirements()]


class ItemIn(StrictIn):
    label: str = Field(max_length=200)
    help: str = Field("", max_length=1000)


class RequirementsIn(StrictIn):
    intro: str = Field("", max_length=20000)
    items: list[ItemIn]


@router.put("/kinds/{key}/requirements", response={201: KindOut})
def requirements_publish(
    request: HttpRequest, key: str, payload: RequirementsIn
) -> Status[dict[str, Any]]:
    """Publish the next version of a kind's requirements (the hub only)."""
    permissions.require_member(request.user)
    selectors.kinds_with_requirements()
    kind = get_object_or_404(RequestKind, key=key)
    reqs = services.requirements_publish(
        actor=request.user,
        kind=kind,
        intro=payload.intro,
        items=[i.model_dump() for i in payload.items],
    )
    return Status(201, _kind_out(kind, reqs))


# --- requests ----------------------------------------------------------------------------------


class ReasonOut(Schema):
    factor: str
    points: float
    max: float
    reason: str


class RequestOut(Schema):
    id: int
    unit: str
    kind: str
    title: str
    business_goal: str
    outcome_metric: str
    expected_value: Decimal | None
    due_date: dt.date | None
    effort_hours: Decimal | None
    goal: int | None
    legal_risk: bool
    brand_risk: bool
    checklist: dict[str, str]
    links: list[str]
    status: str
    requirement_version: int | None
    priority: int
    priority_band: str
    score_reasons: list[ReasonOut]
    scheduled_for: dt.date | None
    deferred_until: dt.date | None
    decision_reason: str
    playbook: str | None
    submitted: dt.datetime | None


def _out(r: DemandRequest) -> dict[str, Any]:
    return {
        "id": r.pk,
        "unit": r.unit.key,
        "kind": r.kind.key,
        "title": r.title,
        "business_goal": r.business_goal,
        "outcome_metric": r.outcome_metric,
        "expected_value": r.expected_value,
        "due_date": r.due_date,
        "effort_hours": r.effort_hours,
        "goal": r.goal_id,
        "legal_risk": r.legal_risk,
        "brand_risk": r.brand_risk,
        "checklist": r.checklist or {},
        "links": [ln for ln in r.links.splitlines() if ln],
        "status": r.status,
        "requirement_version": r.requirement_version,
        "priority": r.priority,
        "priority_band": r.priority_band,
        "score_reasons": r.score_reasons or [],
        "scheduled_for": r.scheduled_for,
        "deferred_until": r.deferred_until,
        "decision_reason": r.decision_reason,
        "playbook": r.playbook.slug if r.playbook else None,
        "submitted": r.submitted,
    }


class RequestFilters(Schema):
    status: RequestStatus | None = None
    unit: str | None = None
    kind: str | None = None
    q: str | None = Field(None, max_length=200)
    limit: int = Field(500, ge=1, le=500)
    offset: int = Field(0, ge=0)


@router.get("/requests", response=list[RequestOut])
def requests_list(request: HttpRequest, filters: Query[RequestFilters]) -> list[dict[str, Any]]:
    """Requests of the units you may see, highest priority first, then oldest: `limit` of them
    (at most 500) from `offset`. Ask again with `offset` moved on by `limit` until a page comes
    back shorter than `limit`."""
    permissions.require_member(request.user)
    rows = selectors.requests_list(
        request.user,
        status=filters.status or "",
        unit=filters.unit or "",
        kind=filters.kind or "",
        q=filters.q or "",
    )[filters.offset : filters.offset + filters.limit]
    return [_out(r) for r in rows]


class RequestFieldsIn(StrictIn):
    kind: str | None = None
    title: str | None = Field(None, max_length=200)
    business_goal: str | None = Field(None, max_length=5000)
    outcome_metric: str | None = Field(None, max_length=200)
    expected_value: Decimal | None = Field(None, ge=0, lt=10**12)
    due_date: dt.date | None = None
    effort_hours: Decimal | None = Field(None, ge=0, lt=10**5)
    goal: int | None = None
    legal_risk: bool | None = None
    brand_risk: bool | None = None
    checklist: dict[str, str] | None = None
    links: list[str] | None = None


class RequestCreateIn(RequestFieldsIn):
    unit: str
    kind: str
    title: str = Field(max_length=200)
    submit: bool = False


def _fields(payload: RequestFieldsIn) -> dict[str, Any]:
    data = payload.model_dump(exclude_unset=True, exclude={"unit", "submit"})
    if "links" in data:
        data["links"] = "\n".join(data["links"] or [])
    return data


def _get(request: HttpRequest, request_id: int) -> DemandRequest:
    return get_object_or_404(selectors.requests_visible(request.user), pk=request_id)


@router.post("/requests", response={201: RequestOut})
def request_create(request: HttpRequest, payload: RequestCreateIn) -> Status[dict[str, Any]]:
    """File a request for your unit as a draft; with `submit: true`, submit it at once.

    A submission that misses requirements is refused (422) with each missing item named, and
    nothing is saved.
    """
    permissions.require_member(request.user)
    selectors.kinds_with_requirements()
    unit = Unit.objects.filter(key=payload.unit).first()
    if unit is None or not permissions.can_view_unit(request.user, unit):
        raise ValidationError({"unit": ["Choose one of your units."]})
    with transaction.atomic():
        r = services.request_create(actor=request.user, unit=unit, **_fields(payload))
        if payload.submit:
            r = services.request_submit(actor=request.user, request=r)
    return Status(201, _out(r))


@router.get("/requests/{request_id}", response=RequestOut)
def request_detail(request: HttpRequest, request_id: int) -> dict[str, Any]:
    permissions.require_member(request.user)
    return _out(_get(request, request_id))


@router.patch("/requests/{request_id}", response=RequestOut)
def request_update(
    request: HttpRequest, request_id: int, payload: RequestFieldsIn
) -> dict[str, Any]:
    """Change a draft of your unit's."""
    permissions.require_member(request.user)
    r = services.request_update(
        actor=request.user, request=_get(request, request_id), **_fields(payload)
    )
    return _out(r)


@router.post("/requests/{request_id}/submit", response=RequestOut)
def request_submit(request: HttpRequest, request_id: int) -> dict[str, Any]:
    """Submit a draft; 422 names every missing requirement."""
    permissions.require_member(request.user)
    return _out(services.request_submit(actor=request.user, request=_get(request, request_id)))


class DecisionIn(StrictIn):
    decision: Literal["accept", "defer", "decline", "redirect"]
    scheduled_for: dt.date | None = None
    deferred_until: dt.date | None = None
    reason: str = Field("", max_length=5000)
    playbook: str | None = None


@router.post("/requests/{request_id}/decision", response=RequestOut)
def request_decide(request: HttpRequest, request_id: int, payload: DecisionIn) -> dict[str, Any]:
    """Accept (and schedule), defer, decline or redirect to a playbook: the hub only."""
    permissions.require_member(request.user)
    r = _get(request, request_id)
    playbook = None
    if payload.playbook:
        playbook = Playbook.objects.filter(slug=payload.playbook).first()
        if playbook is None:
            raise ValidationError({"playbook": ["No playbook has that slug."]})
    r = services.request_decide(
        actor=request.user,
        request=r,
        decision=payload.decision,
        scheduled_for=payload.scheduled_for,
        deferred_until=payload.deferred_until,
        reason=payload.reason,
        playbook=playbook,
    )
    return _out(r)


class MoveIn(StrictIn):
    to: Literal["under_review", "in_progress", "done"]


@router.post("/requests/{request_id}/move", response=RequestOut)
def request_move(request: HttpRequest, request_id: int, payload: MoveIn) -> dict[str, Any]:
    """Move a request along the board (review, start, finish): the hub only."""
    permissions.require_member(request.user)
    return _out(
        services.request_move(actor=request.user, request=_get(request, request_id), to=payload.to)
    )


class EventOut(Schema):
    kind: str
    actor: str | None
    from_status: str
    to_status: str
    text: str
    created: dt.datetime


class CommentIn(StrictIn):
    text: str = Field(max_length=5000)


@router.get("/requests/{request_id}/events", response=list[EventOut])
def request_events(request: HttpRequest, request_id: int) -> list[dict[str, Any]]:
    """The request's audit trail and comments, oldest first."""
    permissions.require_member(request.user)
    r = _get(request, request_id)
    return [
        {
            "kind": e.kind,
            "actor": e.actor.get_username() if e.actor else None,
            "from_status": e.from_status,
            "to_status": e.to_status,
            "text": e.text,
            "created": e.created,
        }
        for e in r.events.select_related("actor")
    ]


@router.post("/requests/{request_id}/comments", response={201: EventOut})
def request_comment(
    request: HttpRequest, request_id: int, payload: CommentIn
) -> Status[dict[str, Any]]:
    permissions.require_member(request.user)
    e = services.request_comment(
        actor=request.user, request=_get(request, request_id), text=payload.text
    )
    return Status(
        201,
        {
            "kind": e.kind,
            "actor": request.user.get_username(),
            "from_status": "",
            "to_status": "",
            "text": e.text,
            "created": e.created,
        },
    )


# --- playbooks and risk ------------------------------------------------------------------------


class PlaybookOut(Schema):
    slug: str
    title: str
    summary: str
    body: str
    kinds: list[str]


@router.get("/playbooks", response=list[PlaybookOut])
def playbooks(request: HttpRequest) -> list[dict[str, Any]]:
    permissions.require_member(request.user)
    return [
        {
            "slug": p.slug,
            "title": p.title,
            "summary": p.summary,
            "body": p.body,
            "kinds": [k.key for k in p.kinds.all()],
        }
        for p in Playbook.objects.prefetch_related("kinds")
    ]


class ScenarioIn(Schema):
    add_people: int = Field(0, ge=-50, le=50)
    redirect_share: float = Field(0.0, ge=0, le=1)
    self_service: list[str] = Field(default_factory=list)


class WeekOut(Schema):
    index: int
    start: dt.date | None
    requests: float
    requests_low: float
    requests_high: float
    escalations: float
    reactive_hours: float
    utilization: float
    utilization_high: float
    reactive_share: float
    wait_days: float | None


class RiskOut(Schema):
    verdict: str
    verdict_label: str
    reasons: list[str]
    crossing_week: int | None
    crossing_date: dt.date | None
    current_utilization: float
    current_reactive_share: float
    current_wait_days: float | None
    load_next_4_weeks: float
    growth_per_month: float
    season_period: float | None
    deflected_share: float
    hub_hours: float
    reactive_hours_available: float
    weeks: list[WeekOut]


def _finite(x: float) -> float:
    return x if x == x and abs(x) != float("inf") else 999.0


@router.get("/risk", response=RiskOut)
def risk(request: HttpRequest, scenario: Query[ScenarioIn]) -> dict[str, Any]:
    """The help-desk risk: 12-week forecast, verdict and reasons, under an optional scenario.

    Readable by the hub, executives and spoke leads.
    """
    if not permissions.can_read_dashboards(request.user):
        raise PermissionDenied("The help-desk risk is for the hub, executives and spoke leads.")
    a = selectors.risk_assessment(
        capacity.Scenario(
            add_people=scenario.add_people,
            redirect_share=scenario.redirect_share,
            self_service_units=frozenset(scenario.self_service),
        )
    )
    return {
        "verdict": a.verdict,
        "verdict_label": a.verdict_label,
        "reasons": list(a.reasons),
        "crossing_week": a.crossing_week,
        "crossing_date": a.crossing_date,
        "current_utilization": _finite(a.current_utilization),
        "current_reactive_share": a.current_reactive_share,
        "current_wait_days": None if a.current_wait_weeks is None else a.current_wait_weeks * 7,
        "load_next_4_weeks": _finite(a.load_next_4_weeks),
        "growth_per_month": a.requests.growth_per_month,
        "season_period": a.requests.season_period,
        "deflected_share": a.deflected_share,
        "hub_hours": a.capacity.total_hours,
        "reactive_hours_available": a.capacity.reactive_hours,
        "weeks": [
            {
                "index": w.index,
                "start": w.start,
                "requests": w.requests,
                "requests_low": w.requests_low,
                "requests_high": w.requests_high,
                "escalations": w.escalations,
                "reactive_hours": w.reactive_hours,
                "utilization": _finite(w.utilization),
                "utilization_high": _finite(w.utilization_high),
                "reactive_share": w.reactive_share,
                "wait_days": None if w.wait_weeks is None else w.wait_weeks * 7,
            }
            for w in a.weeks
        ],
    }
