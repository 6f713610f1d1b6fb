"""Maturity endpoints: the questionnaire, scoring, assessments and their comparison.

The hub records assessments; the hub, executives and spoke leads read them (see selectors).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from escapevelocity.maturity import selectors, services
from escapevelocity.maturity.models import Assessment
from escapevelocity.org import services as org_services
from escapevelocity.planning import maturity
from escapevelocity.planning.maturity import LiveSignals

router = Router()


class StrictIn(Schema):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SignalsIn(StrictIn):
    demand_help_desk_risk: float | None = Field(None, ge=0, le=1)
    care_reactive_load: float | None = Field(None, ge=0, le=1)
    governance_inventory_coverage: float | None = Field(None, ge=0, le=1)
    outcomes_business_metric_share: float | None = Field(None, ge=0, le=1)


class ScoreIn(StrictIn):
    questionnaire: int = maturity.LATEST_VERSION
    declared_org_model: str | None = None
    answers: dict[str, Any]
    signals: SignalsIn | None = None


class AssessmentIn(StrictIn):
    title: str = Field("", max_length=200)
    questionnaire: int = maturity.LATEST_VERSION
    answers: dict[str, Any]


class AssessmentSummary(Schema):
    id: int
    title: str
    taken_at: datetime
    stage: int
    overall: int
    verdict: str
    practiced_org_model: str
    questionnaire_version: int
    created_by: str | None


class AssessmentOut(AssessmentSummary):
    declared_org_model: str
    answers: dict[str, Any]
    signals: dict[str, float]
    result: dict[str, Any]


def _summary(a: Assessment) -> dict[str, Any]:
    return {
        "id": a.pk,
        "title": str(a),
        "taken_at": a.taken_at,
        "stage": a.stage,
        "overall": a.overall,
        "verdict": a.verdict,
        "practiced_org_model": a.practiced_org_model,
        "questionnaire_version": a.questionnaire_version,
        "created_by": a.created_by.username if a.created_by else None,
    }


def _full(a: Assessment) -> dict[str, Any]:
    return {
        **_summary(a),
        "declared_org_model": a.declared_org_model,
        "answers": a.answers,
        "signals": a.signals,
        "result": a.result,
    }


@router.get("/questionnaire")
def questionnaire_read(request: HttpRequest, version: int = maturity.LATEST_VERSION) -> Any:
    """The questionnaire, with each question's help text and options."""
    selectors.require_read(request.user)
    from django.core.exceptions import ValidationError

    try:
        q = maturity.load_questionnaire(version)
    except maturity.QuestionnaireError as exc:
        raise ValidationError({"version": [str(exc)]}) from exc
    return asdict(q)


@router.get("/signals")
def signals_read(request: HttpRequest) -> dict[str, float | None]:
    """The live figures the next assessment would use; null where an app has no data."""
    selectors.require_read(request.user)
    return asdict(selectors.live_signals())


@router.post("/score")
def score(request: HttpRequest, payload: ScoreIn) -> dict[str, Any]:
    """Score answers without keeping them (a what-if). Signals are taken as given, none if
    absent; the declared model defaults to the company's."""
    selectors.require_read(request.user)
    signals = LiveSignals(**payload.signals.model_dump()) if payload.signals else LiveSignals()
    _answers, result = services.score(
        raw_answers=payload.answers,
        version=payload.questionnaire,
        declared_org_model=payload.declared_org_model or org_services.company_get().org_model,
        signals=signals,
    )
    return result.to_dict()


@router.get("/assessments", response=list[AssessmentSummary])
def assessments_read(request: HttpRequest) -> list[dict[str, Any]]:
    return [_summary(a) for a in selectors.assessments_list(user=request.user)]


@router.post("/assessments", response={201: AssessmentOut})
def assessments_create(request: HttpRequest, payload: AssessmentIn) -> Status[dict[str, Any]]:
    created = services.assessment_record(
        actor=request.user,
        raw_answers=payload.answers,
        title=payload.title,
        version=payload.questionnaire,
    )
    return Status(201, _full(created))


@router.get("/assessments/{pk}", response=AssessmentOut)
def assessment_read(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _full(selectors.assessment_get(user=request.user, pk=pk))


@router.delete("/assessments/{pk}", response={204: None})
def assessment_delete(request: HttpRequest, pk: int) -> Status[None]:
    """Delete an assessment taken by mistake (the strategist only)."""
    services.assessment_delete(
        actor=request.user, assessment=selectors.assessment_get(user=request.user, pk=pk)
    )
    return Status(204, None)


@router.get("/compare")
def compare(request: HttpRequest, a: int, b: int) -> dict[str, Any]:
    """What changed from the older of two assessments to the newer."""
    first = selectors.assessment_get(user=request.user, pk=a)
    second = selectors.assessment_get(user=request.user, pk=b)
    before, after = sorted((first, second), key=lambda x: (x.taken_at, x.pk))
    return {"before": before.pk, "after": after.pk, **maturity.compare(before.result, after.result)}
