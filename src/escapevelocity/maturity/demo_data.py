"""Demo data for maturity: Lumen Telecom's two past assessments, a year apart from organic
beginnings to a hub-and-spoke program at the career decision point. Idempotent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from escapevelocity.maturity import services
from escapevelocity.maturity.models import Assessment
from escapevelocity.org import permissions
from escapevelocity.planning.maturity import LiveSignals

FIRST_TITLE = "Baseline, before the hub"
SECOND_TITLE = "Mid-year review"

# A year ago: accounts everywhere, nobody coordinating, the strategist taking orders.
FIRST: dict[str, Any] = {
    "listening": {"value": "ad_hoc", "evidence": "Sam searches the brand name on Mondays"},
    "readiness_audit": "partly",
    "formal_presence": {
        "value": "formal",
        "evidence": "The four brand accounts have owners and a calendar",
    },
    "department_metrics": "some",
    "lifecycle_engagement": "one",
    "social_care": "ad_hoc",
    "executive_sponsor": "no",
    "center_of_excellence": "none",
    "governance_policy": "draft",
    "c_level_visibility": "never",
    "cross_functional": "none",
    "woven_in": "no",
    "who_publishes": {
        "value": "anyone",
        "evidence": "Found 40 accounts opened by regional teams without telling anyone",
    },
    "shared_services": "none",
    "unit_autonomy": "freely",
    "employee_enablement": "informally",
    "strategist_role": "program_manager",
    "pilots": "expanding",
    "request_load": "exceeding",
    "demand_response": "take_orders",
    "requirements_published": "no",
    "challenge_culture": 4,
    "challenge_roi": 5,
    "challenge_resources": 4,
    "challenge_technology": 3,
    "challenge_resentment": 3,
    "challenge_demand": 5,
    "formal_program": "no",
    "plan_horizon": "quarter",
    "executive_alignment": "informed",
    "outcome_metrics": "activity",
    "coordination": "none",
    "training": "none",
    "account_inventory": "none",
    "crisis_plan": "none",
    "triage": "none",
    "account_count": 160,
    "program_age_years": 2,
    "annual_budget": "100k_500k",
    "reporting_line": "marketing",
}

# Six months later: a hub with authority, care staffed on social, requirements drafted.
SECOND: dict[str, Any] = {
    **FIRST,
    "listening": {"value": "systematic", "evidence": "Listening on brand, products, competitors"},
    "readiness_audit": "yes",
    "department_metrics": "yes",
    "lifecycle_engagement": "two",
    "social_care": {"value": "staffed", "evidence": "Care NA and EU answer on social, 2h SLA"},
    "executive_sponsor": "informal",
    "center_of_excellence": {
        "value": "formal",
        "evidence": "Social Center of Excellence chartered by the COO in spring",
    },
    "governance_policy": "published",
    "c_level_visibility": "occasionally",
    "cross_functional": "few",
    "who_publishes": "units_with_hub",
    "shared_services": "one_hub",
    "unit_autonomy": "with_requirements",
    "employee_enablement": "no",
    "strategist_role": "dedicated_team",
    "requirements_published": "draft",
    "demand_response": "checklist",
    "challenge_culture": 3,
    "challenge_roi": 4,
    "challenge_demand": 4,
    "formal_program": "partly",
    "plan_horizon": "year",
    "executive_alignment": "engaged",
    "outcome_metrics": "social_analytics",
    "coordination": "coordinated",
    "training": "ad_hoc",
    "account_inventory": "partial",
    "crisis_plan": "draft",
    "triage": "informal",
    "account_count": 212,
    "program_age_years": 3,
}


def seed() -> str | None:
    """Add Lumen Telecom's two past assessments; return a summary, or None when present."""
    if Assessment.objects.filter(title__in=[FIRST_TITLE, SECOND_TITLE]).exists():
        return None
    actor = get_user_model().objects.filter(username="sam").first() or permissions.system_actor()
    now = timezone.now()
    made = []
    for title, answers, days_ago in ((FIRST_TITLE, FIRST, 330), (SECOND_TITLE, SECOND, 150)):
        made.append(
            services.assessment_record(
                actor=actor,
                raw_answers=answers,
                title=title,
                taken_at=now - dt.timedelta(days=days_ago),
                # Figures measured at the time are not known for the past: none are used.
                signals=LiveSignals(),
            )
        )
    stages = " → ".join(f"stage {a.stage}" for a in made)
    return f"2 past assessments ({stages})"
