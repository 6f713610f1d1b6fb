"""Maturity pages: the hub takes assessments; the hub, executives and spoke leads read them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from escapevelocity.maturity import charts, selectors, services
from escapevelocity.maturity.models import Assessment
from escapevelocity.org import permissions
from escapevelocity.org import services as org_services
from escapevelocity.planning import maturity

_STATIC = Path(__file__).resolve().parent / "static" / "maturity"


def _questionnaire_sections(
    version: int, values: dict[str, Any], errors: dict[str, list[str]]
) -> list[dict[str, Any]]:
    questionnaire = maturity.load_questionnaire(version)
    return [
        {
            "section": section,
            "questions": [
                {
                    "q": q,
                    "value": _as_text(values.get(q.id, {}).get("value")),
                    "evidence": values.get(q.id, {}).get("evidence", ""),
                    "errors": errors.get(q.id, []),
                    "choices": _scale(q),
                }
                for q in questionnaire.in_section(section.key)
            ],
        }
        for section in questionnaire.sections
    ]


def _scale(q: maturity.Question) -> range:
    if q.kind == "scale" and q.min is not None and q.max is not None:
        return range(q.min, q.max + 1)
    return range(0)


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _result_context(assessment: Assessment) -> dict[str, Any]:
    result = assessment.result
    questionnaire = maturity.load_questionnaire(assessment.questionnaire_version)
    texts = {q.id: q.text for q in questionnaire.questions}
    return {
        "assessment": assessment,
        "r": result,
        "stages": maturity.STAGES,
        "dimension_rows": [
            {"key": key, "label": label, "score": result["dimensions"].get(key, 0)}
            for key, label, _q in maturity.DIMENSIONS
        ],
        "question_text": texts,
        "unanswered_text": [texts.get(q, q) for q in result.get("unanswered", [])],
        "signal_labels": SIGNAL_LABELS,
    }


SIGNAL_LABELS = {
    "demand_help_desk_risk": "Demand: help-desk risk",
    "care_reactive_load": "Care: share of recent conversations falling on the hub",
    "governance_inventory_coverage": "Governance: accounts inventoried",
    "outcomes_business_metric_share": "Outcomes: metrics tied to business results",
}


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    selectors.require_read(request.user)
    items = list(selectors.assessments_list(user=request.user))
    points = selectors.history_points(user=request.user)
    latest = selectors.latest(user=request.user)
    return render(
        request,
        "maturity/index.html",
        {
            "items": items,
            "latest": latest,
            "latest_ctx": _result_context(latest) if latest else None,
            "chart": charts.history_figure(points) if points else None,
            "can_assess": selectors.can_assess(request.user),
            "company": org_services.company_get(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def assess(request: HttpRequest) -> HttpResponse:
    selectors.require_assess(request.user)
    version = maturity.LATEST_VERSION
    errors: dict[str, list[str]] = {}
    title = ""
    if request.method == "POST":
        questionnaire = maturity.load_questionnaire(version)
        raw = {
            q.id: {
                "value": request.POST.get(q.id, ""),
                "evidence": request.POST.get(f"{q.id}__evidence", ""),
            }
            for q in questionnaire.questions
        }
        title = request.POST.get("title", "")
        try:
            created = services.assessment_record(
                actor=request.user, raw_answers=raw, title=title, version=version
            )
        except ValidationError as exc:
            errors = exc.message_dict
            values = raw
        else:
            messages.success(request, "Assessment recorded.")
            return redirect("maturity:detail", pk=created.pk)
    else:
        previous = selectors.latest(user=request.user)
        values = previous.answers if previous and previous.questionnaire_version == version else {}
    return render(
        request,
        "maturity/assess.html",
        {
            "sections": _questionnaire_sections(version, values, errors),
            "errors": errors,
            "title": title,
            "version": version,
            "company": org_services.company_get(),
            "prefilled": request.method == "GET" and bool(values),
        },
        status=422 if errors else 200,
    )


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = selectors.assessment_get(user=request.user, pk=pk)
    context = _result_context(assessment)
    context["can_assess"] = selectors.can_assess(request.user)
    context["can_delete"] = permissions.can_manage_org(request.user)
    return render(request, "maturity/detail.html", context)


@login_required
@require_POST
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = selectors.assessment_get(user=request.user, pk=pk)
    services.assessment_delete(actor=request.user, assessment=assessment)
    messages.success(request, f"Deleted “{assessment}”.")
    return redirect("maturity:index")


@login_required
@require_GET
def report(request: HttpRequest, pk: int) -> HttpResponse:
    """The self-contained report for the executive sponsor: inline CSS and JavaScript only."""
    assessment = selectors.assessment_get(user=request.user, pk=pk)
    points = [
        p
        for p in selectors.history_points(user=request.user)
        if p["taken_at"] <= assessment.taken_at
    ]
    context = _result_context(assessment)
    context.update(
        {
            "company": assessment.company,
            "chart": charts.history_figure(points),
            "points": points,
            "report_css": "\n".join(
                (_STATIC / name).read_text(encoding="utf-8")
                for name in ("maturity.css", "report.css")
            ),
            "chart_js": (_STATIC / "maturity.js").read_text(encoding="utf-8"),
            "plotly_js": charts.plotly_js(),
            "link_base": request.build_absolute_uri("/").rstrip("/"),
            "report": True,
        }
    )
    response = render(request, "maturity/report.html", context)
    if request.GET.get("download"):
        name = slugify(f"{assessment.company.name} maturity {assessment.taken_at:%Y-%m-%d}")
        response["Content-Disposition"] = f'attachment; filename="{name}.html"'
    return response


@login_required
@require_GET
def compare(request: HttpRequest) -> HttpResponse:
    selectors.require_read(request.user)
    items = list(selectors.assessments_list(user=request.user))
    ids = {"a": request.GET.get("a", ""), "b": request.GET.get("b", "")}
    errors: dict[str, str] = {}
    chosen: dict[str, Assessment] = {}
    for key, raw in ids.items():
        if not raw:
            continue
        if not raw.isdigit():
            errors[key] = "Choose an assessment from the list."
            continue
        try:
            chosen[key] = selectors.assessment_get(user=request.user, pk=int(raw))
        except Http404:
            errors[key] = "No such assessment."
    comparison = None
    before = after = None
    if len(chosen) == 2 and not errors:
        before, after = sorted(chosen.values(), key=lambda a: (a.taken_at, a.pk))
        comparison = maturity.compare(before.result, after.result)
    return render(
        request,
        "maturity/compare.html",
        {
            "items": items,
            "ids": ids,
            "errors": errors,
            "comparison": comparison,
            "before": before,
            "after": after,
        },
        status=422 if errors else 200,
    )
