"""Outcome endpoints: metric values for a period, crisis alerts, and lead outcomes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from escapevelocity.org import permissions
from escapevelocity.org.models import Unit
from escapevelocity.outcomes import dashboards, metrics, selectors, services
from escapevelocity.outcomes.models import Lead, LeadStatus

router = Router()


class MetricValueOut(Schema):
    key: str
    name: str
    tier: str
    unit: str
    value: float | None
    previous: float | None
    note: str
    formula: str
    url: str | None


class MetricsOut(Schema):
    start: str
    end: str
    unit: str | None
    metrics: list[MetricValueOut]


class AlertOut(Schema):
    id: int
    series: str
    kind: str
    unit: str | None
    started_at: str
    detected_at: str
    observed: int
    expected: float
    share: float
    baseline_share: float
    summary: str
    checklist_open: bool


class LeadIn(Schema):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    conversation_id: int = Field(ge=1)
    unit: str = Field(min_length=1, max_length=64)
    status: LeadStatus
    value: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    summary: str = Field("", max_length=280)


class LeadOut(Schema):
    conversation_id: int
    unit: str
    status: str
    value: float | None
    closed_at: str | None


def _require_dashboards(request: HttpRequest) -> None:
    if not permissions.can_read_dashboards(request.user):
        raise PermissionDenied("Outcome dashboards are for executives, the hub and spoke leads.")


@router.get("/metrics", response=MetricsOut)
def metrics_read(
    request: HttpRequest,
    days: int | None = None,
    start: str = "",
    end: str = "",
    unit: str = "",
) -> dict[str, Any]:
    """Every metric over a period (?days=7|30|90 or ?start&end), company-wide or for ?unit.
    Additive metrics sum the daily snapshots where they exist, as the dashboards do."""
    _require_dashboards(request)
    chosen: Unit | None = None
    if unit:
        chosen = Unit.objects.filter(key=unit).first()
        if chosen is None or chosen not in selectors.dashboard_units(user=request.user):
            raise PermissionDenied("You may not read this unit's outcomes.")
    elif not selectors.reads_company(request.user):
        raise PermissionDenied("Name your unit: ?unit=<key>.")
    params = {"start": start, "end": end, "days": str(days) if days is not None else ""}
    period = dashboards.period_from_params(params)
    ctx = metrics.Context(selectors.settings_get())
    out = []
    for m in metrics.REGISTRY.values():
        now = dashboards.period_measure(m, period, ctx, unit=chosen)
        before = dashboards.period_measure(m, period.previous(), ctx, unit=chosen)
        out.append(
            {
                "key": m.key,
                "name": m.name,
                "tier": m.tier,
                "unit": m.unit,
                "value": now.value,
                "previous": before.value,
                "note": now.note,
                "formula": m.formula,
                "url": m.url(chosen),
            }
        )
    return {
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "unit": chosen.key if chosen else None,
        "metrics": out,
    }


@router.get("/alerts", response=list[AlertOut])
def alerts_read(request: HttpRequest, limit: int = 50) -> list[dict[str, Any]]:
    _require_dashboards(request)
    if not 1 <= limit <= 500:
        raise ValidationError({"limit": ["Between 1 and 500."]})
    rows = selectors.alerts_visible(user=request.user)[:limit]
    return [
        {
            "id": a.pk,
            "series": a.series,
            "kind": a.kind,
            "unit": a.unit.key if a.unit else None,
            "started_at": a.started_at.isoformat(),
            "detected_at": a.detected_at.isoformat(),
            "observed": a.observed,
            "expected": a.expected,
            "share": a.share,
            "baseline_share": a.baseline_share,
            "summary": a.summary,
            "checklist_open": bool(getattr(a, "checklist", None) and a.checklist.closed_at is None),
        }
        for a in rows
    ]


@router.post("/leads", response={200: LeadOut, 201: LeadOut})
def lead_write(request: HttpRequest, payload: LeadIn) -> Status[dict[str, Any]]:
    """Record whether a lead from a conversation was won (with its value) or lost."""
    unit = get_object_or_404(Unit, key=payload.unit)
    existed = Lead.objects.filter(conversation_id=payload.conversation_id).exists()
    lead = services.lead_record(
        actor=request.user,
        conversation_id=payload.conversation_id,
        unit=unit,
        status=payload.status,
        value=payload.value,
        summary=payload.summary,
    )
    body = {
        "conversation_id": lead.conversation_id,
        "unit": unit.key,
        "status": lead.status,
        "value": float(lead.value) if lead.value is not None else None,
        "closed_at": lead.closed_at.isoformat() if lead.closed_at else None,
    }
    return Status(200 if existed else 201, body)
