"""Reads of maturity assessments, with their rules, and the live figures other apps provide.

Who may do what (docs/assess.md says the same to users):
- the hub (strategist, hub members) takes assessments: it runs the program being assessed;
- the hub, executives and spoke leads read results, history, comparisons and the report: the
  sponsor receives the report, and spoke leads own much of the roadmap;
- agents and auditors do not: evidence is written candidly, about people and executives.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404

from escapevelocity.maturity.models import Assessment
from escapevelocity.org import permissions
from escapevelocity.planning.maturity import LiveSignals

log = logging.getLogger(__name__)
REACTIVE_WINDOW_DAYS = 28

LIST_FIELDS = (
    "id",
    "title",
    "taken_at",
    "stage",
    "overall",
    "verdict",
    "practiced_org_model",
    "questionnaire_version",
    "created_by__username",
)


def can_assess(user: Any) -> bool:
    """The hub (and superusers) take assessments."""
    return permissions.is_hub(user)


def can_read(user: Any) -> bool:
    """The hub, executives and spoke leads read results."""
    return permissions.can_read_dashboards(user)


def require_read(user: Any) -> None:
    if not can_read(user):
        raise PermissionDenied("Maturity results are for the hub, executives and spoke leads.")


def require_assess(user: Any) -> None:
    if not can_assess(user):
        raise PermissionDenied("Only the hub (strategist and hub members) takes assessments.")


def assessments_list(*, user: Any) -> QuerySet[Assessment]:
    """Every assessment, newest first, without the heavy JSON columns."""
    require_read(user)
    return Assessment.objects.select_related("created_by").defer("answers", "result", "signals")


def assessment_get(*, user: Any, pk: int) -> Assessment:
    require_read(user)
    found = Assessment.objects.select_related("created_by").filter(pk=pk).first()
    if found is None:
        raise Http404("No such assessment.")
    return found


def latest(*, user: Any) -> Assessment | None:
    require_read(user)
    return Assessment.objects.select_related("created_by").first()


def history_points(*, user: Any) -> list[dict[str, Any]]:
    """Oldest first: date, stage and scores of every assessment, for the chart."""
    require_read(user)
    rows = Assessment.objects.order_by("taken_at", "id").values(
        "id", "taken_at", "stage", "overall", "verdict", "result__dimensions"
    )
    return [
        {
            "id": r["id"],
            "taken_at": r["taken_at"],
            "stage": r["stage"],
            "overall": r["overall"],
            "verdict": r["verdict"],
            "dimensions": r["result__dimensions"] or {},
        }
        for r in rows
    ]


# --- live signals -----------------------------------------------------------------------------
# Other apps are read defensively: each may be missing, half-built or unmigrated. A signal that
# cannot be read is None ("that app has no data"), never an error.


def _guarded(name: str, read: Callable[[], float | None]) -> float | None:
    try:
        with transaction.atomic():  # a savepoint: a missing table must not break the caller
            value = read()
    except Exception as exc:  # any failure of another app means "no signal", never a crash
        log.info("maturity signal %s unavailable: %s", name, exc)
        return None
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if number != number:  # NaN
        return None
    return min(1.0, max(0.0, number))


def _demand_help_desk_risk() -> float | None:
    from escapevelocity.demand import selectors as demand

    workload = demand.workload()
    arrivals = sum(sum(s) for s in workload.requests_by_unit.values()) + sum(workload.escalations)
    if arrivals == 0 and workload.backlog_hours == 0:
        return None
    return float(demand.risk_assessment().risk_index)


def _care_reactive_load() -> float | None:
    """The share of the last four weeks' Care conversations that fell on the hub: in a hub's own
    queue, or escalated. A hub answering customers itself is a help desk in the making."""
    from django.apps import apps
    from django.db.models import Count, Q
    from django.utils import timezone

    from escapevelocity.org.models import UnitKind

    conversation = apps.get_model("care", "Conversation")
    since = timezone.now() - dt.timedelta(days=REACTIVE_WINDOW_DAYS)
    counts = conversation.objects.filter(last_post_at__gte=since).aggregate(
        total=Count("id"),
        on_hub=Count("id", filter=Q(unit__kind=UnitKind.HUB) | Q(status="escalated")),
    )
    if not counts["total"]:
        return None
    share: float = counts["on_hub"] / counts["total"]
    return share


def _governance_inventory_coverage() -> float | None:
    from escapevelocity.governance import selectors as governance

    share: float | None = governance.benchmarks().inventoried_share
    return share


BUSINESS_PILLARS = ("revenue", "reputation", "cost")
OUTCOMES_WINDOW_DAYS = 30


def _outcomes_business_metric_share() -> float | None:
    """Of Outcomes' metrics that have data over the last 30 days, the share measuring revenue,
    reputation or cost (the three numbers executives care about)."""
    from escapevelocity.outcomes import metrics
    from escapevelocity.outcomes import selectors as outcomes

    window = outcomes.window_for_days(days=OUTCOMES_WINDOW_DAYS)
    measured = [
        metrics.REGISTRY[key].pillar
        for key, measure in metrics.compute_all(window).items()
        if measure.value is not None
    ]
    if not measured:
        return None
    return sum(p in BUSINESS_PILLARS for p in measured) / len(measured)


def live_signals() -> LiveSignals:
    """The figures Demand, Care, Governance and Outcomes measure now; None where they have none."""
    return LiveSignals(
        demand_help_desk_risk=_guarded("demand_help_desk_risk", _demand_help_desk_risk),
        care_reactive_load=_guarded("care_reactive_load", _care_reactive_load),
        governance_inventory_coverage=_guarded(
            "governance_inventory_coverage", _governance_inventory_coverage
        ),
        outcomes_business_metric_share=_guarded(
            "outcomes_business_metric_share", _outcomes_business_metric_share
        ),
    )
