"""Demand pages: the board, the intake form, a request's page, requirements, playbooks, risk.

Every member reads the published requirements and the playbooks; a unit sees and edits its
own requests; the hub sees every request and decides; executives read.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from escapevelocity.demand import charts, selectors, services
from escapevelocity.demand.markup import render_markdown
from escapevelocity.demand.models import (
    DemandRequest,
    Playbook,
    ProgramGoal,
    RequestKind,
    RequirementSet,
    Status,
)
from escapevelocity.org import permissions
from escapevelocity.org.models import Unit, UnitKind
from escapevelocity.planning import capacity


def _require_hub(request: HttpRequest) -> None:
    if not permissions.is_hub(request.user):
        raise PermissionDenied("Only the hub may do this.")


def _get(request: HttpRequest, pk: int) -> DemandRequest:
    return get_object_or_404(selectors.requests_visible(request.user), pk=pk)


# --- the board ---------------------------------------------------------------------------------


@login_required
def index(request: HttpRequest) -> HttpResponse:
    permissions.require_member(request.user)
    filters = {
        "unit": request.GET.get("unit", "")[:64],
        "kind": request.GET.get("kind", "")[:32],
        "q": request.GET.get("q", "").strip()[:200],
    }
    context: dict[str, Any] = {
        "board": selectors.board(request.user, **filters),
        "filters": filters,
        "units": permissions.units_visible_to(request.user).order_by("name"),
        "kinds": RequestKind.objects.all(),
        "can_file": permissions.units_actable_by(request.user).exists(),
        "is_hub": permissions.is_hub(request.user),
    }
    if permissions.can_read_dashboards(request.user):
        context["risk_panel"] = risk_panel_context()
    return render(request, "demand/index.html", context)


def risk_panel_context(scenario: capacity.Scenario | None = None) -> dict[str, Any]:
    assessment = selectors.risk_assessment(scenario)
    return {
        "risk": assessment,
        "gauge_figure": charts.gauge(assessment),
        "forecast_figure": charts.forecast(assessment),
        "load_pct": charts.pct(assessment.load_next_4_weeks),
        "wait_days": (
            None if assessment.current_wait_weeks is None else assessment.current_wait_weeks * 7
        ),
    }


# --- the intake form ---------------------------------------------------------------------------


class RequestForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), to_field_name="key")
    title = forms.CharField(max_length=200)
    business_goal = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="What the business wants from this, in a sentence or two.",
    )
    outcome_metric = forms.CharField(
        max_length=200, required=False, help_text="The business number it should move."
    )
    expected_value = forms.DecimalField(
        min_value=0, max_digits=14, decimal_places=2, required=False,
        help_text="Expected business value a year, in the company's currency.",
    )  # fmt: skip
    due_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    effort_hours = forms.DecimalField(
        min_value=0, max_digits=6, decimal_places=1, required=False,
        label="Effort estimate (hours)", help_text="Hours of the hub's work you expect.",
    )  # fmt: skip
    goal = forms.ModelChoiceField(
        queryset=ProgramGoal.objects.filter(active=True),
        required=False,
        label="Program goal it serves",
    )
    legal_risk = forms.BooleanField(required=False, label="Carries legal risk")
    brand_risk = forms.BooleanField(required=False, label="Carries brand risk")
    links = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, help_text="One address a line."
    )

    def __init__(self, *args: Any, user: Any, reqs: RequirementSet | None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = permissions.units_actable_by(user).order_by("name")
        if field.queryset.count() == 1:
            field.empty_label = None  # a unit of one files for itself
        self.items = reqs.items if reqs else []
        for item in self.items:
            self.fields[f"checklist_{item['key']}"] = forms.CharField(
                label=item["label"],
                help_text=item.get("help", ""),
                required=False,
                max_length=5000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def service_fields(self) -> dict[str, Any]:
        d = self.cleaned_data
        out = {
            name: d[name]
            for name in (
                "title", "business_goal", "outcome_metric", "expected_value", "due_date",
                "effort_hours", "goal", "legal_risk", "brand_risk", "links",
            )
        }  # fmt: skip
        out["checklist"] = {i["key"]: d.get(f"checklist_{i['key']}", "") for i in self.items}
        return out

    @property
    def checklist_fields(self) -> list[forms.BoundField]:
        return [self[f"checklist_{i['key']}"] for i in self.items]

    @property
    def main_fields(self) -> list[forms.BoundField]:
        return [self[n] for n in self.fields if not n.startswith("checklist_")]


def _apply_errors(form: forms.Form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _initial(r: DemandRequest) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "unit": r.unit.key,
        "title": r.title,
        "business_goal": r.business_goal,
        "outcome_metric": r.outcome_metric,
        "expected_value": r.expected_value,
        "due_date": r.due_date,
        "effort_hours": r.effort_hours,
        "goal": r.goal_id,
        "legal_risk": r.legal_risk,
        "brand_risk": r.brand_risk,
        "links": r.links,
    }
    for key, answer in (r.checklist or {}).items():
        initial[f"checklist_{key}"] = answer
    return initial


def _form_page(
    request: HttpRequest,
    *,
    kind: RequestKind,
    form: RequestForm,
    draft: DemandRequest | None,
    reqs: RequirementSet | None,
    status: int = 200,
    missing: list[str] | None = None,
) -> HttpResponse:
    return render(
        request,
        "demand/request_form.html",
        {
            "kind": kind,
            "form": form,
            "draft": draft,
            "reqs": reqs,
            "intro": render_markdown(reqs.intro) if reqs else "",
            "missing": missing or [],
        },
        status=status,
    )


def _save_and_maybe_submit(
    request: HttpRequest,
    *,
    kind: RequestKind,
    form: RequestForm,
    draft: DemandRequest | None,
    reqs: RequirementSet | None,
) -> HttpResponse:
    action = request.POST.get("action", "save")
    unit = form.cleaned_data["unit"]
    fields = form.service_fields()
    try:
        if draft is None:
            draft = services.request_create(actor=request.user, unit=unit, kind=kind, **fields)
        else:
            if unit.pk != draft.unit_id:
                raise ValidationError({"unit": ["A draft stays with the unit that filed it."]})
            draft = services.request_update(actor=request.user, request=draft, **fields)
    except ValidationError as exc:
        _apply_errors(form, exc)
        return _form_page(request, kind=kind, form=form, draft=draft, reqs=reqs, status=422)
    if action != "submit":
        messages.success(request, "Draft saved.")
        return redirect("demand:request", draft.pk)
    try:
        services.request_submit(actor=request.user, request=draft)
    except ValidationError as exc:
        _apply_errors(form, exc)
        missing = [m for msgs in exc.message_dict.values() for m in msgs]
        return _form_page(
            request, kind=kind, form=form, draft=draft, reqs=reqs, status=422, missing=missing
        )
    messages.success(request, "Submitted to the hub.")
    return redirect("demand:request", draft.pk)


@login_required
def request_new(request: HttpRequest) -> HttpResponse:
    permissions.require_member(request.user)
    if not permissions.units_actable_by(request.user).exists():
        raise PermissionDenied("Only people working in a unit file requests.")
    kinds = selectors.kinds_with_requirements()
    key = request.GET.get("kind", "")
    found = [(k, r) for k, r in kinds if k.key == key]
    if not found:
        return render(request, "demand/request_kinds.html", {"kinds": kinds})
    kind, reqs = found[0]
    form = RequestForm(request.POST or None, user=request.user, reqs=reqs)
    if request.method == "POST":
        if form.is_valid():
            return _save_and_maybe_submit(request, kind=kind, form=form, draft=None, reqs=reqs)
        return _form_page(request, kind=kind, form=form, draft=None, reqs=reqs, status=422)
    return _form_page(request, kind=kind, form=form, draft=None, reqs=reqs)


@login_required
def request_edit(request: HttpRequest, pk: int) -> HttpResponse:
    permissions.require_member(request.user)
    draft = _get(request, pk)
    if not permissions.can_act_on_unit(request.user, draft.unit_id):
        raise PermissionDenied("You may only edit your own unit's requests.")
    if draft.status != Status.DRAFT:
        messages.error(request, "Only a draft can be edited; add a comment instead.")
        return redirect("demand:request", pk)
    reqs = services.current_requirements(draft.kind)
    form = RequestForm(request.POST or None, user=request.user, reqs=reqs, initial=_initial(draft))
    if request.method == "POST":
        if form.is_valid():
            return _save_and_maybe_submit(
                request, kind=draft.kind, form=form, draft=draft, reqs=reqs
            )
        return _form_page(request, kind=draft.kind, form=form, draft=draft, reqs=reqs, status=422)
    missing = list(services.missing_items(draft).values()) if "check" in request.GET else []
    return _form_page(
        request, kind=draft.kind, form=form, draft=draft, reqs=reqs,
        missing=[m for msgs in missing for m in msgs],
    )  # fmt: skip


# --- a request's page --------------------------------------------------------------------------


@login_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    permissions.require_member(request.user)
    r = _get(request, pk)
    reqs = None
    if r.requirement_version:
        reqs = r.kind.versions.filter(version=r.requirement_version).first()
    reqs = reqs or services.current_requirements(r.kind)
    answers = r.checklist or {}
    checklist = [(i["label"], answers.get(i["key"], "")) for i in (reqs.items if reqs else [])]
    can_act = permissions.can_act_on_unit(request.user, r.unit_id)
    can_decide = can_act and permissions.is_hub(request.user)
    return render(
        request,
        "demand/request_detail.html",
        {
            "r": r,
            "reqs": reqs,
            "checklist": checklist,
            "links": [ln for ln in r.links.splitlines() if ln],
            "events": r.events.select_related("actor"),
            "can_comment": can_act,
            "can_edit": can_act and r.status == Status.DRAFT,
            "can_decide": can_decide
            and r.status in (Status.SUBMITTED, Status.UNDER_REVIEW, Status.DEFERRED),
            "moves": _moves(r) if can_decide else [],
            "playbooks": _playbooks_for(r.kind) if can_decide else [],
            "today": timezone.localdate(),
        },
    )


def _playbooks_for(kind: RequestKind) -> list[Playbook]:
    """Every playbook, those linked from the request's kind first."""
    linked = set(kind.playbooks.values_list("pk", flat=True))
    return sorted(Playbook.objects.all(), key=lambda p: (p.pk not in linked, p.title))


def _moves(r: DemandRequest) -> list[tuple[str, str]]:
    labels = {
        Status.UNDER_REVIEW: "Start review",
        Status.IN_PROGRESS: "Start work",
        Status.DONE: "Mark done",
    }
    return [(to, labels[to]) for to, sources in services.MOVES.items() if r.status in sources]


@login_required
@require_POST
def request_submit(request: HttpRequest, pk: int) -> HttpResponse:
    permissions.require_member(request.user)
    r = _get(request, pk)
    try:
        services.request_submit(actor=request.user, request=r)
    except ValidationError:
        return redirect(f"{r.get_absolute_url()}edit/?check=1")
    messages.success(request, "Submitted to the hub.")
    return redirect("demand:request", pk)


@login_required
@require_POST
def request_comment(request: HttpRequest, pk: int) -> HttpResponse:
    permissions.require_member(request.user)
    r = _get(request, pk)
    try:
        services.request_comment(actor=request.user, request=r, text=request.POST.get("text", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("demand:request", pk)


def _post_date(request: HttpRequest, name: str) -> dt.date | None:
    raw = request.POST.get(name, "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationError({name: ["Enter a date as YYYY-MM-DD."]}) from None


@login_required
@require_POST
def request_decide(request: HttpRequest, pk: int) -> HttpResponse:
    permissions.require_member(request.user)
    r = _get(request, pk)
    try:
        playbook = None
        slug = request.POST.get("playbook", "")
        if slug:
            playbook = Playbook.objects.filter(slug=slug).first()
            if playbook is None:
                raise ValidationError({"playbook": ["No playbook has that name."]})
        with transaction.atomic():
            r = services.request_decide(
                actor=request.user,
                request=r,
                decision=request.POST.get("decision", ""),
                scheduled_for=_post_date(request, "scheduled_for"),
                deferred_until=_post_date(request, "deferred_until"),
                reason=request.POST.get("reason", ""),
                playbook=playbook,
            )
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            messages.error(request, f"{field.replace('_', ' ').capitalize()}: {' '.join(errors)}")
        return redirect("demand:request", pk)
    messages.success(request, f"Decision recorded: {r.get_status_display().lower()}.")
    return redirect("demand:request", pk)


@login_required
@require_POST
def request_move(request: HttpRequest, pk: int) -> HttpResponse:
    permissions.require_member(request.user)
    r = _get(request, pk)
    try:
        services.request_move(actor=request.user, request=r, to=request.POST.get("to", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("demand:request", pk)


# --- requirements ------------------------------------------------------------------------------


@login_required
def requirements(request: HttpRequest) -> HttpResponse:
    """The published requirements of every kind: every member of the program reads them."""
    permissions.require_member(request.user)
    kinds = [
        (k, r, render_markdown(r.intro) if r else "")
        for k, r in selectors.kinds_with_requirements()
    ]
    return render(
        request,
        "demand/requirements.html",
        {"kinds": kinds, "is_hub": permissions.is_hub(request.user)},
    )


class RequirementsForm(forms.Form):
    intro = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=20000,
        label="Introduction (Markdown)",
    )
    items = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        label="Checklist",
        help_text="One requirement a line: the label, then “ | ” and a hint if you like.",
    )


@login_required
def requirements_edit(request: HttpRequest, key: str) -> HttpResponse:
    permissions.require_member(request.user)
    _require_hub(request)
    selectors.kinds_with_requirements()
    kind = get_object_or_404(RequestKind, key=key)
    current = services.current_requirements(kind)
    initial = {
        "intro": current.intro if current else "",
        "items": "\n".join(
            f"{i['label']} | {i['help']}" if i.get("help") else i["label"]
            for i in (current.items if current else [])
        ),
    }
    form = RequirementsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        items = []
        for line in form.cleaned_data["items"].splitlines():
            label, _sep, help_ = line.partition("|")
            items.append({"label": label.strip(), "help": help_.strip()})
        try:
            published = services.requirements_publish(
                actor=request.user, kind=kind, intro=form.cleaned_data["intro"], items=items
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"Published version {published.version} of {kind.name}.")
            return redirect("demand:requirements")
    return render(
        request,
        "demand/requirements_edit.html",
        {"form": form, "kind": kind, "current": current},
        status=422 if request.method == "POST" else 200,
    )


# --- playbooks ---------------------------------------------------------------------------------


@login_required
def playbooks(request: HttpRequest) -> HttpResponse:
    permissions.require_member(request.user)
    return render(
        request,
        "demand/playbooks.html",
        {
            "playbooks": Playbook.objects.prefetch_related("kinds"),
            "is_hub": permissions.is_hub(request.user),
        },
    )


@login_required
def playbook(request: HttpRequest, slug: str) -> HttpResponse:
    permissions.require_member(request.user)
    p = get_object_or_404(Playbook.objects.prefetch_related("kinds"), slug=slug)
    return render(
        request,
        "demand/playbook.html",
        {"p": p, "body": render_markdown(p.body), "is_hub": permissions.is_hub(request.user)},
    )


class PlaybookForm(forms.Form):
    title = forms.CharField(max_length=200)
    summary = forms.CharField(max_length=300, required=False)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 14}), label="Playbook (Markdown)")
    kinds = forms.ModelMultipleChoiceField(
        queryset=RequestKind.objects.all(),
        required=False,
        to_field_name="key",
        widget=forms.CheckboxSelectMultiple,
        label="Linked from these kinds of request",
    )


@login_required
def playbook_edit(request: HttpRequest, slug: str = "") -> HttpResponse:
    permissions.require_member(request.user)
    _require_hub(request)
    selectors.kinds_with_requirements()
    existing = get_object_or_404(Playbook, slug=slug) if slug else None
    initial = {}
    if existing is not None:
        initial = {
            "title": existing.title,
            "summary": existing.summary,
            "body": existing.body,
            "kinds": list(existing.kinds.all()),
        }
    form = PlaybookForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            saved = services.playbook_save(
                actor=request.user,
                playbook=existing,
                title=d["title"],
                summary=d["summary"],
                body=d["body"],
                kinds=list(d["kinds"]),
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, "Playbook saved.")
            return redirect("demand:playbook", saved.slug)
    return render(
        request,
        "demand/playbook_edit.html",
        {"form": form, "existing": existing},
        status=422 if request.method == "POST" else 200,
    )


# --- capacity and risk -------------------------------------------------------------------------


def _scenario(request: HttpRequest) -> tuple[capacity.Scenario, dict[str, Any]]:
    def number(name: str, lo: float, hi: float) -> float:
        try:
            value = float(request.GET.get(name, 0) or 0)
        except ValueError:
            return 0.0
        return min(max(value, lo), hi) if value == value else 0.0

    add = int(number("add_people", -20, 20))
    share = number("redirect_pct", 0, 100) / 100
    units = frozenset(request.GET.getlist("self_service"))
    return (
        capacity.Scenario(add_people=add, redirect_share=share, self_service_units=units),
        {"add_people": add, "redirect_pct": round(share * 100), "self_service": units},
    )


@login_required
def risk(request: HttpRequest) -> HttpResponse:
    """Capacity and help-desk risk, with what-if scenarios: the hub, executives, spoke leads."""
    if not permissions.can_read_dashboards(request.user):
        raise PermissionDenied("The help-desk risk is for the hub, executives and spoke leads.")
    scenario, form_values = _scenario(request)
    context = risk_panel_context(scenario)
    context.update(
        {
            "scenario": form_values,
            "baseline": None if scenario.is_baseline else selectors.risk_assessment(),
            "units": Unit.objects.filter(archived=False, kind=UnitKind.SPOKE).order_by("name"),
            "people": selectors.hub_people(),
            "schedule": selectors.schedule_weeks(),
            "settings": services.settings_get(),
            "goals": ProgramGoal.objects.all(),
            "is_hub": permissions.is_hub(request.user),
        }
    )
    return render(request, "demand/risk.html", context)


class SettingsForm(forms.Form):
    planned_share = forms.DecimalField(
        min_value=0, max_value=0.95, decimal_places=2, label="Share of hub time for planned work"
    )
    overload_at = forms.DecimalField(
        min_value=0.1, max_value=1, decimal_places=2, label="Overload at (share of reactive time)"
    )
    default_request_hours = forms.DecimalField(min_value=0, decimal_places=1)
    hours_per_escalation = forms.DecimalField(min_value=0, decimal_places=2)


class GoalForm(forms.Form):
    title = forms.CharField(max_length=200, label="New program goal")
    weight = forms.TypedChoiceField(
        choices=[(3, "3 — core"), (2, "2 — matters"), (1, "1 — supports")], coerce=int
    )


@login_required
def settings_view(request: HttpRequest) -> HttpResponse:
    """The hub's program goals (for scoring) and capacity assumptions."""
    permissions.require_member(request.user)
    _require_hub(request)
    current = services.settings_get()
    settings_form = SettingsForm(
        request.POST if request.POST.get("form") == "settings" else None,
        initial={
            "planned_share": current.planned_share,
            "overload_at": current.overload_at,
            "default_request_hours": current.default_request_hours,
            "hours_per_escalation": current.hours_per_escalation,
        },
    )
    goal_form = GoalForm(request.POST if request.POST.get("form") == "goal" else None)
    if request.method == "POST":
        try:
            if request.POST.get("form") == "settings" and settings_form.is_valid():
                services.settings_update(actor=request.user, **settings_form.cleaned_data)
                messages.success(request, "Capacity settings saved.")
                return redirect("demand:settings")
            if request.POST.get("form") == "goal" and goal_form.is_valid():
                services.goal_save(actor=request.user, **goal_form.cleaned_data)
                messages.success(request, "Goal added.")
                return redirect("demand:settings")
            if request.POST.get("form") == "goal_toggle":
                goal = get_object_or_404(ProgramGoal, pk=request.POST.get("goal", 0) or 0)
                services.goal_save(
                    actor=request.user, goal=goal, title=goal.title, weight=goal.weight,
                    active=not goal.active,
                )  # fmt: skip
                return redirect("demand:settings")
        except ValidationError as exc:
            _apply_errors(goal_form if request.POST.get("form") == "goal" else settings_form, exc)
    return render(
        request,
        "demand/settings.html",
        {
            "settings_form": settings_form,
            "goal_form": goal_form,
            "goals": ProgramGoal.objects.all(),
        },
        status=422 if request.method == "POST" else 200,
    )


# --- plotly's own script, served from here (no CDN) --------------------------------------------
