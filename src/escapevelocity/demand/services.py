"""Every write in demand: one function per business action, keyword-only arguments.

A unit files and edits its own drafts and submits them against the published requirements; the
hub reviews, decides (accept and schedule, defer, decline, redirect to a playbook) and moves
accepted work along. Every status change and comment is recorded as a RequestEvent.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from escapevelocity.demand.defaults import DEFAULT_KINDS
from escapevelocity.demand.models import (
    DemandRequest,
    DemandSettings,
    EventKind,
    KindKey,
    Playbook,
    ProgramGoal,
    RequestEvent,
    RequestKind,
    RequirementSet,
    Status,
)
from escapevelocity.org import permissions
from escapevelocity.org.models import Unit
from escapevelocity.planning import capacity

DECISIONS = ("accept", "defer", "decline", "redirect")
MAX_CHECKLIST_ANSWERS = 50
MAX_LINKS = 20
# Where a hub member may move accepted work, and from where.
MOVES = {
    Status.UNDER_REVIEW: (Status.SUBMITTED,),
    Status.IN_PROGRESS: (Status.SCHEDULED,),
    Status.DONE: (Status.IN_PROGRESS, Status.SCHEDULED),
}
EDITABLE_FIELDS = (
    "title",
    "kind",
    "business_goal",
    "outcome_metric",
    "expected_value",
    "due_date",
    "effort_hours",
    "goal",
    "legal_risk",
    "brand_risk",
    "checklist",
    "links",
)


def _require_hub(actor: Any, unit: Unit | None = None) -> None:
    if not permissions.is_hub(actor) or (
        unit is not None and not permissions.can_act_on_unit(actor, unit)
    ):
        raise PermissionDenied("Only the hub decides on requests and publishes requirements.")


def _event(
    request: DemandRequest,
    actor: Any,
    kind: str,
    *,
    from_status: str = "",
    to_status: str = "",
    text: str = "",
) -> None:
    RequestEvent.objects.create(
        request=request,
        actor=actor if getattr(actor, "pk", None) else None,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        text=text,
    )


# --- kinds and requirements --------------------------------------------------------------------


def kinds_install_defaults() -> int:
    """Create any missing default kind with version 1 of its requirements; return how many."""
    existing = set(RequestKind.objects.values_list("key", flat=True))
    created = 0
    with transaction.atomic():
        for position, (key, summary, intro, items) in enumerate(DEFAULT_KINDS):
            if key in existing:
                continue
            kind = RequestKind.objects.create(
                key=key, name=KindKey(key).label, summary=summary, position=position
            )
            RequirementSet.objects.create(
                kind=kind,
                version=1,
                intro=intro,
                items=[
                    {"key": slugify(label).replace("-", "_"), "label": label, "help": help_}
                    for label, help_ in items
                ],
            )
            created += 1
    return created


def _clean_items(raw: list[dict[str, str]], errors: dict[str, list[str]]) -> list[dict[str, str]]:
    items: list[dict[str, str]] = []
    seen: set[str] = set()
    for i, item in enumerate(raw, start=1):
        label = str(item.get("label", "")).strip()
        help_ = str(item.get("help", "")).strip()
        if not label:
            continue
        key = slugify(label).replace("-", "_")[:60]
        if not key:
            errors.setdefault("items", []).append(f"Item {i} needs letters or digits in its label.")
            continue
        if key in seen:
            errors.setdefault("items", []).append(f"“{label}” is listed twice.")
            continue
        if len(label) > 200 or len(help_) > 1000:
            errors.setdefault("items", []).append(f"Item {i} is too long.")
            continue
        seen.add(key)
        items.append({"key": key, "label": label, "help": help_})
    return items


@transaction.atomic
def requirements_publish(
    *, actor: Any, kind: RequestKind, intro: str, items: list[dict[str, str]]
) -> RequirementSet:
    """Publish the next version of a kind's requirements (the hub only)."""
    _require_hub(actor)
    errors: dict[str, list[str]] = {}
    clean = _clean_items(items, errors)
    if len(intro) > 20000:
        errors["intro"] = ["The introduction is longer than 20,000 characters."]
    if errors:
        raise ValidationError(errors)
    # Lock the kind so two hub members publishing at once get consecutive versions.
    RequestKind.objects.select_for_update().filter(pk=kind.pk).first()
    last = kind.versions.aggregate(v=Max("version"))["v"] or 0
    return RequirementSet.objects.create(
        kind=kind,
        version=last + 1,
        intro=intro.strip(),
        items=clean,
        published_by=actor if getattr(actor, "pk", None) else None,
    )


def current_requirements(kind: RequestKind) -> RequirementSet | None:
    return kind.versions.order_by("-version").first()


# --- requests ----------------------------------------------------------------------------------


def _decimal(errors: dict[str, list[str]], field: str, value: Any, *, maximum: int) -> Any:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors[field] = ["Enter a number."]
        return None
    if not number.is_finite() or number < 0:
        errors[field] = ["Enter a number that is zero or more."]
        return None
    if number >= maximum:
        errors[field] = [f"Enter a number below {maximum:,}."]
        return None
    return number


def _date(errors: dict[str, list[str]], field: str, value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        errors[field] = ["Enter a date as YYYY-MM-DD."]
        return None


def _clean_fields(data: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for name, value in data.items():
        if name not in EDITABLE_FIELDS:
            errors[name] = ["This field cannot be set."]
        elif name == "title":
            title = str(value or "").strip()
            if not title:
                errors["title"] = ["Give the request a short title."]
            elif len(title) > 200:
                errors["title"] = ["Keep the title under 200 characters."]
            clean["title"] = title
        elif name in ("business_goal", "outcome_metric"):
            text = str(value or "").strip()
            limit = 200 if name == "outcome_metric" else 5000
            if len(text) > limit:
                errors[name] = [f"Keep this under {limit} characters."]
            clean[name] = text
        elif name == "expected_value":
            clean[name] = _decimal(errors, name, value, maximum=10**12)
        elif name == "effort_hours":
            clean[name] = _decimal(errors, name, value, maximum=10**5)
        elif name == "due_date":
            clean[name] = _date(errors, name, value)
        elif name == "kind":
            if not isinstance(value, RequestKind):
                value = RequestKind.objects.filter(key=str(value)).first()
                if value is None:
                    errors["kind"] = ["Choose one of the request kinds."]
            clean["kind"] = value
        elif name == "goal":
            if value not in (None, "") and not isinstance(value, ProgramGoal):
                value = ProgramGoal.objects.filter(pk=_int_or_none(value) or 0, active=True).first()
                if value is None:
                    errors["goal"] = ["Choose one of the program's goals."]
            clean["goal"] = value or None
        elif name in ("legal_risk", "brand_risk"):
            clean[name] = bool(value)
        elif name == "checklist":
            if not isinstance(value, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in value.items()
            ):
                errors["checklist"] = ["Answer the checklist as item → text."]
            elif len(value) > MAX_CHECKLIST_ANSWERS or any(len(k) > 60 for k in value):
                errors["checklist"] = [
                    f"At most {MAX_CHECKLIST_ANSWERS} answers, keyed by the items' names."
                ]
            else:
                clean[name] = {k: v.strip()[:5000] for k, v in value.items()}
        elif name == "links":
            lines = [ln.strip() for ln in str(value or "").splitlines() if ln.strip()]
            if len(lines) > MAX_LINKS:
                errors["links"] = [f"At most {MAX_LINKS} links."]
                continue
            check = URLValidator(schemes=["http", "https"])
            for ln in lines:
                try:
                    check(ln)
                except ValidationError:
                    errors["links"] = [f"“{ln[:80]}” is not a web address (http or https)."]
                    break
            clean[name] = "\n".join(lines)
    return clean


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@transaction.atomic
def request_create(*, actor: Any, unit: Unit, **fields: Any) -> DemandRequest:
    """Save a new draft for a unit. A draft may miss anything but its title and kind."""
    if not permissions.can_act_on_unit(actor, unit):
        raise PermissionDenied("You may only file requests for your own unit.")
    errors: dict[str, list[str]] = {}
    fields.setdefault("title", "")
    fields.setdefault("kind", None)
    clean = _clean_fields(fields, errors)
    if errors:
        raise ValidationError(errors)
    request = DemandRequest.objects.create(
        unit=unit, created_by=actor if getattr(actor, "pk", None) else None, **clean
    )
    _event(request, actor, EventKind.CREATED, to_status=Status.DRAFT)
    return request


@transaction.atomic
def request_update(*, actor: Any, request: DemandRequest, **fields: Any) -> DemandRequest:
    """Change a draft. Once submitted, a request changes only through comments and decisions."""
    if not permissions.can_act_on_unit(actor, request.unit_id):
        raise PermissionDenied("You may only edit your own unit's requests.")
    if request.status != Status.DRAFT:
        raise ValidationError({"status": ["Only a draft can be edited; add a comment instead."]})
    errors: dict[str, list[str]] = {}
    clean = _clean_fields(fields, errors)
    if errors:
        raise ValidationError(errors)
    for name, value in clean.items():
        setattr(request, name, value)
    request.save()
    _event(request, actor, EventKind.EDITED)
    return request


def missing_items(request: DemandRequest) -> dict[str, list[str]]:
    """What stops this request from being submitted: {field: [message]}, each item named."""
    missing: dict[str, list[str]] = {}
    if not request.business_goal.strip():
        missing["business_goal"] = ["Say which business goal this serves."]
    if not request.outcome_metric.strip():
        missing["outcome_metric"] = ["Name the outcome metric it should move."]
    if request.due_date is None:
        missing["due_date"] = ["Give a due date."]
    if request.effort_hours is None:
        missing["effort_hours"] = ["Estimate the hub's effort in hours."]
    reqs = current_requirements(request.kind)
    answers = request.checklist or {}
    for item in reqs.items if reqs else []:
        if not str(answers.get(item["key"], "")).strip():
            missing[f"checklist_{item['key']}"] = [f"Requirement missing: {item['label']}."]
    return missing


def _days_to_due(request: DemandRequest) -> int | None:
    if request.due_date is None:
        return None
    return (request.due_date - timezone.localdate()).days


def request_score(request: DemandRequest) -> capacity.Priority:
    """Score a request from its fields and the program's goals (pure maths in planning)."""
    goal = request.goal if request.goal_id and request.goal and request.goal.active else None
    return capacity.score_request(
        goal_title=goal.title if goal else None,
        goal_weight=goal.weight if goal else 0,
        expected_value=float(request.expected_value) if request.expected_value else None,
        legal_risk=request.legal_risk,
        brand_risk=request.brand_risk,
        effort_hours=float(request.effort_hours) if request.effort_hours is not None else None,
        days_to_due=_days_to_due(request),
    )


def _apply_score(request: DemandRequest) -> None:
    priority = request_score(request)
    request.priority = priority.score
    request.priority_band = priority.band
    request.score_reasons = [
        {"factor": f.name, "points": round(f.points, 1), "max": f.max_points, "reason": f.reason}
        for f in priority.factors
    ]


@transaction.atomic
def request_submit(*, actor: Any, request: DemandRequest) -> DemandRequest:
    """Submit a draft to the hub, if it meets every published requirement of its kind."""
    if not permissions.can_act_on_unit(actor, request.unit_id):
        raise PermissionDenied("You may only submit your own unit's requests.")
    request = DemandRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != Status.DRAFT:
        raise ValidationError({"status": ["This request has been submitted already."]})
    missing = missing_items(request)
    if missing:
        raise ValidationError(missing)
    reqs = current_requirements(request.kind)
    request.requirement_version = reqs.version if reqs else None
    request.status = Status.SUBMITTED
    request.submitted = timezone.now()
    _apply_score(request)
    request.save()
    _event(request, actor, EventKind.STATUS, from_status=Status.DRAFT, to_status=Status.SUBMITTED)
    return request


@transaction.atomic
def request_move(*, actor: Any, request: DemandRequest, to: str) -> DemandRequest:
    """Move a request along the board: review it, start it, finish it (the hub only)."""
    _require_hub(actor, request.unit)
    request = DemandRequest.objects.select_for_update().get(pk=request.pk)
    allowed_from = MOVES.get(Status(to)) if to in Status.values else None
    if allowed_from is None:
        raise ValidationError({"to": ["Move to under_review, in_progress or done."]})
    if request.status not in allowed_from:
        raise ValidationError(
            {"to": [f"A request that is {request.get_status_display().lower()} cannot move there."]}
        )
    before = request.status
    request.status = to
    request.save()
    _event(request, actor, EventKind.STATUS, from_status=before, to_status=to)
    return request


def _first_free_week(
    effort: Decimal,
    *,
    start: dt.date,
    booked: dict[dt.date, Decimal],
    available: Decimal,
    weeks: int = 26,
) -> dt.date:
    monday = start - dt.timedelta(days=start.weekday())
    for i in range(weeks):
        week = monday + dt.timedelta(weeks=i)
        if booked.get(week, Decimal(0)) + effort <= available:
            return week
    return monday + dt.timedelta(weeks=weeks)


@transaction.atomic
def request_decide(
    *,
    actor: Any,
    request: DemandRequest,
    decision: str,
    scheduled_for: dt.date | None = None,
    deferred_until: dt.date | None = None,
    reason: str = "",
    playbook: Playbook | None = None,
) -> DemandRequest:
    """Accept (and schedule), defer, decline or redirect a submitted request (the hub only).

    Accepting without a date schedules the request in the first week whose reactive hours
    still hold its effort, after what is already scheduled.
    """
    from escapevelocity.demand import selectors  # selectors reads org and care; avoid a cycle

    _require_hub(actor, request.unit)
    request = DemandRequest.objects.select_for_update().get(pk=request.pk)
    errors: dict[str, list[str]] = {}
    if request.status not in (Status.SUBMITTED, Status.UNDER_REVIEW, Status.DEFERRED):
        errors["decision"] = [
            f"A request that is {request.get_status_display().lower()} cannot be decided again."
        ]
    if decision not in DECISIONS:
        errors["decision"] = ["Choose accept, defer, decline or redirect."]
    reason = reason.strip()
    if len(reason) > 5000:
        errors["reason"] = ["Keep the reason under 5,000 characters."]
    today = timezone.localdate()
    if decision == "defer":
        if deferred_until is None:
            errors["deferred_until"] = ["Say until when the request is deferred."]
        elif deferred_until <= today:
            errors["deferred_until"] = ["Defer to a date after today."]
    if decision == "decline" and not reason:
        errors["reason"] = ["Say why the request is declined."]
    if decision == "redirect" and playbook is None:
        errors["playbook"] = ["Choose the playbook the unit should follow."]
    if decision == "accept" and scheduled_for is not None and scheduled_for < today:
        errors["scheduled_for"] = ["Schedule the work for today or later."]
    if errors:
        raise ValidationError(errors)

    before = request.status
    request.decision_reason = reason
    request.decided = timezone.now()
    request.deferred_until = None
    request.playbook = None
    if decision == "accept":
        if scheduled_for is None:
            settings = settings_get()
            effort = request.effort_hours or settings.default_request_hours
            scheduled_for = _first_free_week(
                effort,
                start=today,
                booked=selectors.scheduled_hours_by_week(exclude=request.pk),
                available=Decimal(str(selectors.hub_capacity().reactive_hours)),
            )
        request.status = Status.SCHEDULED
        request.scheduled_for = scheduled_for
    elif decision == "defer":
        request.status = Status.DEFERRED
        request.deferred_until = deferred_until
    elif decision == "decline":
        request.status = Status.DECLINED
    else:
        request.status = Status.REDIRECTED
        request.playbook = playbook
    request.save()
    text = reason
    if decision == "redirect" and playbook is not None:
        text = f"Redirected to the playbook “{playbook.title}”. {reason}".strip()
    elif decision == "accept":
        text = f"Scheduled for the week of {scheduled_for:%Y-%m-%d}. {reason}".strip()
    elif decision == "defer":
        text = f"Deferred until {deferred_until:%Y-%m-%d}. {reason}".strip()
    _event(
        request, actor, EventKind.STATUS, from_status=before, to_status=request.status, text=text
    )
    return request


@transaction.atomic
def request_comment(*, actor: Any, request: DemandRequest, text: str) -> RequestEvent:
    """Add a comment: the requesting unit and the hub may; readers may not."""
    if not permissions.can_act_on_unit(actor, request.unit_id):
        raise PermissionDenied("Only the requesting unit and the hub comment on a request.")
    text = text.strip()
    if not text:
        raise ValidationError({"text": ["Write something first."]})
    if len(text) > 5000:
        raise ValidationError({"text": ["Keep comments under 5,000 characters."]})
    return RequestEvent.objects.create(
        request=request,
        actor=actor if getattr(actor, "pk", None) else None,
        kind=EventKind.COMMENT,
        text=text,
    )


# --- playbooks, goals, settings ----------------------------------------------------------------


@transaction.atomic
def playbook_save(
    *,
    actor: Any,
    playbook: Playbook | None = None,
    title: str,
    summary: str = "",
    body: str,
    kinds: list[RequestKind] | None = None,
    slug: str = "",
) -> Playbook:
    """Create or change a playbook (the hub only)."""
    _require_hub(actor)
    errors: dict[str, list[str]] = {}
    title, summary, body = title.strip(), summary.strip(), body.strip()
    if not title:
        errors["title"] = ["Give the playbook a title."]
    elif len(title) > 200:
        errors["title"] = ["Keep the title under 200 characters."]
    if len(summary) > 300:
        errors["summary"] = ["Keep the summary under 300 characters."]
    if not body:
        errors["body"] = ["Write the playbook."]
    elif len(body) > 100_000:
        errors["body"] = ["Keep the playbook under 100,000 characters."]
    if playbook is None:
        slug = slugify(slug or title)[:80]
        if not slug and "title" not in errors:
            errors["title"] = ["The title needs letters or digits."]
        elif Playbook.objects.filter(slug=slug).exists():
            errors["title"] = ["A playbook with this title exists already."]
    if errors:
        raise ValidationError(errors)
    if playbook is None:
        playbook = Playbook(slug=slug)
    playbook.title, playbook.summary, playbook.body = title, summary, body
    playbook.updated_by = actor if getattr(actor, "pk", None) else None
    playbook.save()
    if kinds is not None:
        playbook.kinds.set(kinds)
    return playbook


@transaction.atomic
def goal_save(
    *, actor: Any, goal: ProgramGoal | None = None, title: str, weight: int, active: bool = True
) -> ProgramGoal:
    """Create or change one of the program's goals (the hub only)."""
    _require_hub(actor)
    errors: dict[str, list[str]] = {}
    title = title.strip()
    if not title:
        errors["title"] = ["Name the goal."]
    elif len(title) > 200:
        errors["title"] = ["Keep the goal under 200 characters."]
    if weight not in (1, 2, 3):
        errors["weight"] = ["Weight is 1 (supports), 2 (matters) or 3 (core)."]
    if errors:
        raise ValidationError(errors)
    goal = goal or ProgramGoal()
    goal.title, goal.weight, goal.active = title, weight, active
    goal.save()
    return goal


def settings_get() -> DemandSettings:
    found = DemandSettings.objects.order_by("id").first()
    return found if found is not None else DemandSettings.objects.create()


@transaction.atomic
def settings_update(
    *,
    actor: Any,
    planned_share: Any,
    overload_at: Any,
    default_request_hours: Any,
    hours_per_escalation: Any,
) -> DemandSettings:
    """Change the hub's capacity assumptions (the hub only)."""
    _require_hub(actor)
    errors: dict[str, list[str]] = {}
    values = {
        "planned_share": _decimal(errors, "planned_share", planned_share, maximum=1),
        "overload_at": _decimal(errors, "overload_at", overload_at, maximum=2),
        "default_request_hours": _decimal(
            errors, "default_request_hours", default_request_hours, maximum=10_000
        ),
        "hours_per_escalation": _decimal(
            errors, "hours_per_escalation", hours_per_escalation, maximum=1000
        ),
    }
    for name, value in values.items():
        if value is None and name not in errors:
            errors[name] = ["This field is required."]
    if values["overload_at"] is not None and not Decimal("0.1") <= values["overload_at"] <= 1:
        errors["overload_at"] = ["Overload is a share of the reactive hours between 0.1 and 1."]
    if errors:
        raise ValidationError(errors)
    settings = settings_get()
    for name, value in values.items():
        setattr(settings, name, value)
    settings.save()
    return settings
