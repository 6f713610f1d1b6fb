"""Governance pages. The hub changes; auditors and executives read; unit members see their
units' accounts. Views parse, authorize, call one service or selector, and render."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from escapevelocity.governance import selectors, services
from escapevelocity.governance.forms import (
    AccountForm,
    ApproveForm,
    CompletionForm,
    ConsolidationForm,
    DiscoveryForm,
    DismissForm,
    GrantForm,
    ModuleForm,
    PolicyForm,
    SettingsForm,
    StepForm,
    active_people,
)
from escapevelocity.governance.models import (
    Account,
    AccountGrant,
    AccountStatus,
    AuditEntry,
    Consolidation,
    ConsolidationStep,
    Network,
    TrainingModule,
)
from escapevelocity.org import permissions


def _require(check: Callable[[Any], bool], request: HttpRequest, message: str) -> None:
    if not check(request.user):
        raise PermissionDenied(message)


def _require_hub(request: HttpRequest) -> None:
    _require(selectors.can_manage, request, "Only the hub changes governance.")


def _require_reader(request: HttpRequest) -> None:
    _require(selectors.can_read_all, request, "The hub, auditors and executives read governance.")


def _errors_onto(form: forms.Form, exc: ValidationError) -> None:
    for name, errors in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, errors)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    _require(selectors.can_read_registry, request, "You do not work with any company accounts.")
    status = request.GET.get("status", "")
    if status not in AccountStatus.values:
        status = ""
    network = request.GET.get("network", "")
    if network not in Network.values:
        network = ""
    accounts = list(
        selectors.accounts_list(
            user=request.user, status=status, network=network, q=request.GET.get("q", "")[:100]
        )
    )
    read_all = selectors.can_read_all(request.user)
    counts = selectors.status_counts(user=request.user)
    context = {
        "accounts": accounts,
        "status_rows": [(v, label, counts.get(v, 0)) for v, label in AccountStatus.choices],
        "statuses": AccountStatus.choices,
        "networks": Network.choices,
        "status": status,
        "network": network,
        "q": request.GET.get("q", "")[:100],
        "read_all": read_all,
        "can_manage": selectors.can_manage(request.user),
        "bench": selectors.benchmarks() if read_all else None,
        "dormant_days": selectors.settings_get().dormant_after_days,
    }
    return render(request, "governance/index.html", context)


def _form_page(
    request: HttpRequest,
    *,
    form: forms.Form,
    title: str,
    action: Callable[[dict[str, Any]], Any],
    done: str,
    back: str,
    multipart: bool = False,
) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        try:
            result = action(form.cleaned_data)
        except ValidationError as exc:
            _errors_onto(form, exc)
        else:
            messages.success(request, done)
            return redirect(
                result.get_absolute_url() if hasattr(result, "get_absolute_url") else back
            )
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "governance/form.html",
        {"form": form, "title": title, "back": back, "multipart": multipart},
        status=status,
    )


@login_required
def account_new(request: HttpRequest) -> HttpResponse:
    _require_hub(request)
    form = AccountForm(request.POST or None)
    return _form_page(
        request,
        form=form,
        title="Register an account",
        action=lambda d: services.account_register(actor=request.user, **d),
        done="Account registered.",
        back="/governance/",
    )


def _account_or_404(request: HttpRequest, pk: int) -> Account:
    account = selectors.account_get(user=request.user, pk=pk)
    if account is None:
        raise Http404("No such account.")
    return account


def _account_page(
    request: HttpRequest,
    account: Account,
    *,
    approve: forms.Form | None = None,
    dismiss: forms.Form | None = None,
    grant: forms.Form | None = None,
    merge: forms.Form | None = None,
    status: int = 200,
) -> HttpResponse:
    can = selectors.can_manage(request.user)
    merge_form = merge or _merge_form(account)
    return render(
        request,
        "governance/account.html",
        {
            "account": account,
            "can_manage": can,
            "read_all": selectors.can_read_all(request.user),
            "approve_form": approve or ApproveForm(initial={"unit": account.unit}),
            "dismiss_form": dismiss or DismissForm(),
            "grant_form": grant or GrantForm(),
            "merge_form": merge_form,
            "grants": list(account.grants.select_related("user").order_by("user__username")),
            "history": AuditEntry.objects.filter(object_type="account", object_id=str(account.pk))
            if selectors.can_read_all(request.user)
            else [],
            "merges": Consolidation.objects.filter(source=account).prefetch_related("steps"),
        },
        status=status,
    )


def _merge_form(account: Account, data: Any = None) -> ConsolidationForm:
    form = ConsolidationForm(data)
    targets = Account.objects.filter(
        status__in=[AccountStatus.ACTIVE, AccountStatus.DORMANT], network=account.network
    ).exclude(pk=account.pk)
    into = form.fields["into"]
    assert isinstance(into, forms.ChoiceField)
    into.choices = [(str(a.pk), str(a)) for a in targets]
    return form


@login_required
def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _account_page(request, _account_or_404(request, pk))


@login_required
def account_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_hub(request)
    account = _account_or_404(request, pk)
    initial = {
        "network": account.network,
        "handle": account.handle,
        "url": account.url,
        "unit": account.unit,
        "region": account.region,
        "purpose": account.purpose,
        "audience": account.audience,
        "owner": account.owner,
        "backup": account.backup,
        "status": account.status,
        "created_on": account.created_on,
        "last_activity_at": account.last_activity_at,
        "follower_count": account.follower_count,
    }
    form = AccountForm(request.POST or None, initial=initial)
    form.fields.pop("network")
    form.fields.pop("handle")
    if account.status == AccountStatus.UNAPPROVED:
        form.fields.pop("status")
    return _form_page(
        request,
        form=form,
        title=f"Edit {account}",
        action=lambda d: services.account_update(actor=request.user, account=account, **d),
        done="Account saved.",
        back=account.get_absolute_url(),
    )


@login_required
@require_POST
def account_approve(request: HttpRequest, pk: int) -> HttpResponse:
    _require_hub(request)
    account = _account_or_404(request, pk)
    form = ApproveForm(request.POST)
    if form.is_valid():
        try:
            services.account_approve(actor=request.user, account=account, **form.cleaned_data)
        except ValidationError as exc:
            _errors_onto(form, exc)
        else:
            messages.success(request, f"{account} approved and owned by {account.owner}.")
            return redirect(account.get_absolute_url())
    return _account_page(request, account, approve=form, status=422)


@login_required
@require_POST
def account_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    _require_hub(request)
    account = _account_or_404(request, pk)
    form = DismissForm(request.POST)
    if form.is_valid():
        try:
            services.account_dismiss(
                actor=request.user, account=account, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            _errors_onto(form, exc)
        else:
            messages.success(request, f"{account} dismissed: discovery will not flag it again.")
            return redirect("governance:index")
    return _account_page(request, account, dismiss=form, status=422)


@login_required
@require_POST
def grant_add(request: HttpRequest, pk: int) -> HttpResponse:
    _require_hub(request)
    account = _account_or_404(request, pk)
    form = GrantForm(request.POST)
    if form.is_valid():
        try:
            services.grant_give(actor=request.user, account=account, **form.cleaned_data)
        except ValidationError as exc:
            _errors_onto(form, exc)
        else:
            messages.success(request, "Right given.")
            return redirect(account.get_absolute_url())
    return _account_page(request, account, grant=form, status=422)


@login_required
@require_POST
def grant_revoke(request: HttpRequest, pk: int, grant_id: int) -> HttpResponse:
    _require_hub(request)
    account = _account_or_404(request, pk)
    grant = get_object_or_404(AccountGrant, pk=grant_id, account=account)
    services.grant_revoke(actor=request.user, grant=grant)
    messages.success(request, "Right revoked.")
    return redirect(account.get_absolute_url())


@login_required
@require_POST
def consolidation_new(request: HttpRequest, pk: int) -> HttpResponse:
    _require_hub(request)
    account = _account_or_404(request, pk)
    form = _merge_form(account, request.POST)
    if form.is_valid():
        target = Account.objects.get(pk=int(form.cleaned_data["into"]))
        try:
            services.consolidation_start(
                actor=request.user,
                source=account,
                target=target,
                owner=form.cleaned_data["owner"],
                start=form.cleaned_data["start"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            _errors_onto(form, exc)
        else:
            messages.success(request, f"Merging {account} into {target}: four steps planned.")
            return redirect("governance:consolidations")
    return _account_page(request, account, merge=form, status=422)


@login_required
def consolidations(request: HttpRequest) -> HttpResponse:
    _require_reader(request)
    return render(
        request,
        "governance/consolidations.html",
        {
            "consolidations": selectors.consolidations_list(user=request.user),
            "can_manage": selectors.can_manage(request.user),
            "today": timezone.localdate(),
            "people": list(active_people()),
        },
    )


@login_required
@require_POST
def step_complete(request: HttpRequest, step_id: int) -> HttpResponse:
    _require_hub(request)
    step = get_object_or_404(ConsolidationStep, pk=step_id)
    try:
        services.consolidation_step_complete(actor=request.user, step=step)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"'{step.get_kind_display()}' done.")
    return redirect("governance:consolidations")


@login_required
@require_POST
def step_edit(request: HttpRequest, step_id: int) -> HttpResponse:
    _require_hub(request)
    step = get_object_or_404(ConsolidationStep, pk=step_id)
    form = StepForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose an owner and a due date (YYYY-MM-DD).")
        return redirect("governance:consolidations")
    try:
        services.consolidation_step_update(actor=request.user, step=step, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"'{step.get_kind_display()}' rescheduled.")
    return redirect("governance:consolidations")


@login_required
def discovery(request: HttpRequest) -> HttpResponse:
    _require_hub(request)
    form = DiscoveryForm(request.POST or None, request.FILES or None)
    result = None
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                result = services.discovery_import_csv(
                    actor=request.user, data=form.cleaned_data["file"].read()
                )
            except ValidationError as exc:
                _errors_onto(form, exc)
            else:
                status = 200
    return render(
        request,
        "governance/discovery.html",
        {
            "form": form,
            "result": result,
            "marks": selectors.company_marks(),
            "unapproved": selectors.accounts_list(
                user=request.user, status=AccountStatus.UNAPPROVED
            ),
        },
        status=status,
    )


@login_required
def training(request: HttpRequest) -> HttpResponse:
    if not permissions.is_member(request.user):
        raise PermissionDenied("You are not a member of this company's program.")
    read_all = selectors.can_read_all(request.user)
    can = selectors.can_manage(request.user)
    completion_form = module_form = policy_form = None
    status = 200
    if can:
        completion_form = _completion_form(request.POST if "record" in request.POST else None)
        module_form = ModuleForm(request.POST if "module" in request.POST else None)
        policy_form = PolicyForm(request.POST if "publish" in request.POST else None)
        if request.method == "POST":
            done = _training_post(request, completion_form, module_form, policy_form)
            if done:
                return redirect("governance:training")
            status = 422
    elif request.method == "POST":
        raise PermissionDenied("Only the hub records training.")
    from django.contrib.auth import get_user_model

    people = []
    if read_all:
        people = list(
            get_user_model()
            .objects.filter(is_active=True, memberships__isnull=False)
            .distinct()
            .order_by("username")
        )
    me: Any = request.user
    certs = selectors.certifications_for(users=[*people, me])
    policy = selectors.policy_current()
    return render(
        request,
        "governance/training.html",
        {
            "modules": TrainingModule.objects.all(),
            "people": [(p, certs[p.pk]) for p in people],
            "mine": certs[me.pk],
            "my_completions": me.training_completions.select_related("module"),
            "policy": policy,
            "accepted": policy is not None and policy.acceptances.filter(user_id=me.pk).exists(),
            "completion_form": completion_form,
            "module_form": module_form,
            "policy_form": policy_form,
            "can_manage": can,
            "read_all": read_all,
        },
        status=status,
    )


def _completion_form(data: Any) -> CompletionForm:
    form = CompletionForm(data)
    module = form.fields["module"]
    assert isinstance(module, forms.ChoiceField)
    module.choices = [(m.key, m.title) for m in TrainingModule.objects.all()]
    return form


def _training_post(
    request: HttpRequest, completion: forms.Form, module: forms.Form, policy: forms.Form
) -> bool:
    form: forms.Form
    if "record" in request.POST:
        form = completion
        if form.is_valid():
            d = form.cleaned_data
            action: Callable[[], Any] = lambda: services.training_record(  # noqa: E731
                actor=request.user,
                user=d["user"],
                module=TrainingModule.objects.get(key=d["module"]),
                completed_at=d["completed_at"],
            )
    elif "module" in request.POST:
        form = module
        if form.is_valid():
            d = form.cleaned_data
            action = lambda: services.training_module_save(actor=request.user, **d)  # noqa: E731
    elif "publish" in request.POST:
        form = policy
        if form.is_valid():
            d = form.cleaned_data
            action = lambda: services.policy_publish(actor=request.user, **d)  # noqa: E731
    else:
        return False
    if not form.is_valid():
        return False
    try:
        action()
    except ValidationError as exc:
        _errors_onto(form, exc)
        return False
    messages.success(request, "Saved.")
    return True


@login_required
@require_POST
def policy_accept(request: HttpRequest) -> HttpResponse:
    try:
        services.policy_accept(actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Policy accepted.")
    return redirect("governance:training")


@login_required
def audit(request: HttpRequest) -> HttpResponse:
    _require_reader(request)
    before = request.GET.get("before")
    before_id = int(before) if before and before.isdigit() else None
    entries = selectors.audit_entries(user=request.user, before_id=before_id, limit=100)
    rows = [(e, *_changed(e.before, e.after)) for e in entries]
    return render(
        request,
        "governance/audit.html",
        {"rows": rows, "next_before": entries[-1].pk if len(entries) == 100 else None},
    )


def _changed(before: Any, after: Any) -> tuple[str, str]:
    """Before and after as JSON text, showing only the fields that changed when both exist
    (the CSV export keeps every field)."""
    if isinstance(before, dict) and isinstance(after, dict):
        keys = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
        before = {k: before.get(k) for k in keys}
        after = {k: after.get(k) for k in keys}
    return (
        json.dumps(before, indent=1, sort_keys=True, ensure_ascii=False)
        if before is not None
        else "",
        json.dumps(after, indent=1, sort_keys=True, ensure_ascii=False)
        if after is not None
        else "",
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_cell(value: str) -> str:
    # A spreadsheet runs cells starting with these as formulas; hostile handles must stay text.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@login_required
def audit_csv(request: HttpRequest) -> StreamingHttpResponse:
    _require_reader(request)
    writer = csv.writer(_Echo())

    def rows() -> Any:
        yield writer.writerow(
            ["id", "at", "actor", "action", "object_type", "object_id", "object", "before", "after"]
        )
        for e in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    e.pk,
                    e.at.isoformat(),
                    _csv_cell(e.actor_name),
                    e.action,
                    e.object_type,
                    e.object_id,
                    _csv_cell(e.object_repr),
                    _csv_cell(json.dumps(e.before, sort_keys=True)),
                    _csv_cell(json.dumps(e.after, sort_keys=True)),
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="governance-audit-{stamp}.csv"'
    return response


@login_required
def settings_edit(request: HttpRequest) -> HttpResponse:
    _require_hub(request)
    conf = selectors.settings_get()
    form = SettingsForm(
        request.POST or None,
        initial={"marks": conf.marks, "dormant_after_days": conf.dormant_after_days},
    )
    return _form_page(
        request,
        form=form,
        title="Governance settings",
        action=lambda d: services.settings_update(actor=request.user, **d),
        done="Settings saved.",
        back="/governance/",
    )
