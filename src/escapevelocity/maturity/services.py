"""Every write to maturity: recording an assessment. Keyword-only, checked, in one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from escapevelocity.maturity import selectors
from escapevelocity.maturity.models import Assessment
from escapevelocity.org import permissions
from escapevelocity.org import services as org_services
from escapevelocity.planning import maturity
from escapevelocity.planning.maturity import InvalidAnswersError, LiveSignals


def score(
    *,
    raw_answers: Mapping[str, Any],
    version: int = maturity.LATEST_VERSION,
    declared_org_model: str | None = None,
    signals: LiveSignals | None = None,
    require_complete: bool = False,
) -> tuple[dict[str, maturity.Answer], maturity.MaturityResult]:
    """Validate answers and score them, raising ValidationError({question: [message]})."""
    try:
        questionnaire = maturity.load_questionnaire(version)
    except maturity.QuestionnaireError as exc:
        raise ValidationError({"questionnaire_version": [str(exc)]}) from exc
    errors: dict[str, list[str]] = {}
    answers: dict[str, maturity.Answer] = {}
    try:
        answers = maturity.parse_answers(raw_answers, questionnaire)
    except InvalidAnswersError as exc:
        errors.update(exc.errors)
    if require_complete:
        for q in questionnaire.questions:
            if not q.optional and q.id not in errors and _blank(raw_answers.get(q.id)):
                errors[q.id] = ["Answer this question."]
    if errors:
        raise ValidationError(errors)
    try:
        result = maturity.assess(
            answers,
            declared_org_model=declared_org_model,
            signals=signals,
            questionnaire=questionnaire,
        )
    except InvalidAnswersError as exc:
        raise ValidationError(exc.errors) from exc
    return answers, result


def _blank(given: Any) -> bool:
    value = given.get("value") if isinstance(given, Mapping) else given
    return value is None or (isinstance(value, str) and not value.strip())


@transaction.atomic
def assessment_record(
    *,
    actor: Any,
    raw_answers: Mapping[str, Any],
    title: str = "",
    version: int = maturity.LATEST_VERSION,
    taken_at: dt.datetime | None = None,
    signals: LiveSignals | None = None,
    require_complete: bool = True,
) -> Assessment:
    """Score the answers against the declared organizational model and the live figures (read
    now unless given) and keep the whole result."""
    selectors.require_assess(actor)
    title = title.strip()
    if len(title) > 200:
        raise ValidationError({"title": ["At most 200 characters."]})
    company = org_services.company_get()
    if signals is None:
        signals = selectors.live_signals()
    answers, result = score(
        raw_answers=raw_answers,
        version=version,
        declared_org_model=company.org_model,
        signals=signals,
        require_complete=require_complete,
    )
    return Assessment.objects.create(
        company=company,
        title=title,
        questionnaire_version=result.questionnaire_version,
        answers={k: {"value": a.value, "evidence": a.evidence} for k, a in answers.items()},
        declared_org_model=company.org_model,
        signals=signals.present(),
        result=result.to_dict(),
        stage=result.stage.number,
        overall=result.overall,
        verdict=result.verdict.verdict,
        practiced_org_model=result.org_model.practiced or "",
        taken_at=taken_at or timezone.now(),
        created_by=actor if getattr(actor, "pk", None) else None,
    )


@transaction.atomic
def assessment_delete(*, actor: Any, assessment: Assessment) -> None:
    """Delete an assessment taken by mistake. History is evidence: only the strategist may."""
    if not permissions.can_manage_org(actor):
        raise PermissionDenied("Only the strategist deletes assessments.")
    assessment.delete()
