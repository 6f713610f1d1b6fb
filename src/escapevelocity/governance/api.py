"""Governance endpoints: the registry, discovery, rights, training, consolidation and the audit
log (read-only: there is no endpoint that changes or deletes an entry)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import ConfigDict

from escapevelocity.governance import selectors, services
from escapevelocity.governance.models import (
    Account,
    AccountGrant,
    AccountStatus,
    AuditEntry,
    ConsolidationStep,
    Network,
    Right,
    TrainingModule,
)
from escapevelocity.org.models import Unit

router = Router()


class StrictIn(Schema):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AccountOut(Schema):
    id: int
    network: str
    handle: str
    url: str
    unit: str | None
    region: str | None
    purpose: str
    audience: str
    owner: str | None
    backup: str | None
    status: str
    created_on: dt.date | None
    last_activity_at: dt.datetime | None
    follower_count: int | None = Field(description="Reach, not an outcome")
    discovered_via: str
    evidence: str
    match_reason: str


class AccountIn(StrictIn):
    network: Network
    handle: str = Field(min_length=1, max_length=120)
    url: str = Field("", max_length=500)
    unit: str
    region: str | None = None
    purpose: str = Field("", max_length=300)
    audience: str = Field("", max_length=300)
    owner: str
    backup: str | None = None
    status: AccountStatus = AccountStatus.ACTIVE
    created_on: dt.date | None = None
    last_activity_at: dt.datetime | None = None
    follower_count: int | None = Field(None, ge=0)


class AccountPatch(StrictIn):
    url: str | None = Field(None, max_length=500)
    unit: str | None = None
    region: str | None = None
    purpose: str | None = Field(None, max_length=300)
    audience: str | None = Field(None, max_length=300)
    owner: str | None = None
    backup: str | None = None
    status: AccountStatus | None = None
    created_on: dt.date | None = None
    last_activity_at: dt.datetime | None = None
    follower_count: int | None = Field(None, ge=0)


class ApproveIn(StrictIn):
    unit: str
    owner: str
    backup: str | None = None
    purpose: str = Field("", max_length=300)


class DismissIn(StrictIn):
    reason: str = Field(min_length=1, max_length=300)


class HandleIn(StrictIn):
    network: str = Field(max_length=32)
    handle: str = Field(max_length=200)
    evidence: str = Field("", max_length=2000)


class DiscoveryOut(Schema):
    flagged: list[AccountOut]
    known: int
    ignored: int
    not_ours: list[dict[str, str]]
    errors: list[dict[str, Any]]


class GrantIn(StrictIn):
    username: str
    right: Right


class GrantOut(Schema):
    id: int
    account: int
    username: str
    right: str


class CompletionIn(StrictIn):
    username: str
    module: str
    completed_at: dt.datetime | None = None


class CertificationOut(Schema):
    username: str
    current: bool
    missing: list[str]
    expires_at: dt.datetime | None


class MaySpeakOut(Schema):
    network: str
    handle: str
    may_speak: bool


class AuditOut(Schema):
    id: int
    at: dt.datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    object: str
    before: Any
    after: Any


class ConsolidationIn(StrictIn):
    source: int
    target: int
    owner: str
    start: dt.date | None = None
    note: str = Field("", max_length=2000)


class StepPatch(StrictIn):
    owner: str
    due: dt.date


class ActivityIn(StrictIn):
    at: dt.datetime


class StepOut(Schema):
    id: int
    kind: str
    owner: str | None
    due: dt.date
    done_at: dt.datetime | None


class ConsolidationOut(Schema):
    id: int
    source: int
    target: int
    status: str
    steps: list[StepOut]


class BenchmarksOut(Schema):
    accounts: int
    accounts_average: int
    inventoried_share: float | None
    inventoried_average: float
    modules: int
    trained_share: float | None
    education_average: float
    source: str


def _account_out(a: Account) -> dict[str, Any]:
    return {
        "id": a.pk,
        "network": a.network,
        "handle": a.handle,
        "url": a.url,
        "unit": a.unit.key if a.unit else None,
        "region": a.region.key if a.region else None,
        "purpose": a.purpose,
        "audience": a.audience,
        "owner": a.owner.get_username() if a.owner else None,
        "backup": a.backup.get_username() if a.backup else None,
        "status": a.status,
        "created_on": a.created_on,
        "last_activity_at": a.last_activity_at,
        "follower_count": a.follower_count,
        "discovered_via": a.discovered_via,
        "evidence": a.evidence,
        "match_reason": a.match_reason,
    }


def _unit(key: str | None, field: str) -> Unit | None:
    if not key:
        return None
    unit = Unit.objects.filter(key=key).first()
    if unit is None:
        raise ValidationError({field: [f"No unit with key '{key}'."]})
    return unit


def _require_hub(request: HttpRequest) -> None:
    if not selectors.can_manage(request.user):
        raise PermissionDenied("Only the hub changes governance.")


def _require_reader(request: HttpRequest) -> None:
    if not selectors.can_read_all(request.user):
        raise PermissionDenied("The hub, auditors and executives read governance.")


def _visible_account(request: HttpRequest, account_id: int) -> Account:
    if not selectors.can_read_registry(request.user):
        raise PermissionDenied("You do not work with any company accounts.")
    account = selectors.account_get(user=request.user, pk=account_id)
    if account is None:
        raise Http404("No such account.")  # the same answer as for one that does not exist
    return account


@router.get("/accounts", response=list[AccountOut])
def accounts_read(
    request: HttpRequest, status: str = "", network: str = "", unit: str = "", q: str = ""
) -> list[dict[str, Any]]:
    if not selectors.can_read_registry(request.user):
        raise PermissionDenied("You do not work with any company accounts.")
    if status and status not in AccountStatus.values:
        raise ValidationError({"status": [f"One of: {', '.join(AccountStatus.values)}."]})
    qs = selectors.accounts_list(
        user=request.user, status=status, network=network, unit_key=unit, q=q[:100]
    )
    return [_account_out(a) for a in qs]


@router.post("/accounts", response={201: AccountOut})
def accounts_create(request: HttpRequest, payload: AccountIn) -> Status[dict[str, Any]]:
    _require_hub(request)
    account = services.account_register(
        actor=request.user,
        network=payload.network,
        handle=payload.handle,
        url=payload.url,
        unit=_unit(payload.unit, "unit"),
        region=_unit(payload.region, "region"),
        purpose=payload.purpose,
        audience=payload.audience,
        owner=services.user_by_username(payload.owner, "owner"),
        backup=services.user_by_username(payload.backup or "", "backup"),
        status=payload.status,
        created_on=payload.created_on,
        last_activity_at=payload.last_activity_at,
        follower_count=payload.follower_count,
    )
    return Status(201, _account_out(account))


@router.get("/accounts/{account_id}", response=AccountOut)
def account_read(request: HttpRequest, account_id: int) -> dict[str, Any]:
    return _account_out(_visible_account(request, account_id))


@router.patch("/accounts/{account_id}", response=AccountOut)
def account_write(request: HttpRequest, account_id: int, payload: AccountPatch) -> dict[str, Any]:
    _require_hub(request)
    account = _visible_account(request, account_id)
    changes: dict[str, Any] = {}
    for name in payload.model_fields_set:
        value = getattr(payload, name)
        if name in ("unit", "region"):
            value = _unit(value, name)
        elif name in ("owner", "backup"):
            value = services.user_by_username(value or "", name)
        elif name in ("url", "purpose", "audience") and value is None:
            value = ""
        changes[name] = value
    account = services.account_update(actor=request.user, account=account, **changes)
    return _account_out(account)


@router.post("/accounts/{account_id}/approve", response=AccountOut)
def account_approve(request: HttpRequest, account_id: int, payload: ApproveIn) -> dict[str, Any]:
    _require_hub(request)
    account = services.account_approve(
        actor=request.user,
        account=_visible_account(request, account_id),
        unit=_unit(payload.unit, "unit"),
        owner=services.user_by_username(payload.owner, "owner"),
        backup=services.user_by_username(payload.backup or "", "backup"),
        purpose=payload.purpose,
    )
    return _account_out(account)


@router.post("/accounts/{account_id}/dismiss", response={204: None})
def account_dismiss(request: HttpRequest, account_id: int, payload: DismissIn) -> Status[None]:
    _require_hub(request)
    services.account_dismiss(
        actor=request.user, account=_visible_account(request, account_id), reason=payload.reason
    )
    return Status(204, None)


def _discovery_out(result: services.DiscoveryResult) -> dict[str, Any]:
    return {
        "flagged": [_account_out(a) for a in result.flagged],
        "known": result.known,
        "ignored": result.ignored,
        "not_ours": [{"network": n, "handle": h, "reason": r} for n, h, r in result.not_ours],
        "errors": [{"line": line, "reason": reason} for line, reason in result.errors],
    }


@router.post("/discovery/csv", response=DiscoveryOut)
def discovery_csv(request: HttpRequest, file: File[UploadedFile]) -> dict[str, Any]:
    _require_hub(request)
    if file.size is not None and file.size > services.MAX_CSV_BYTES:
        raise ValidationError({"file": ["The file is larger than 5 MB."]})
    return _discovery_out(services.discovery_import_csv(actor=request.user, data=file.read()))


@router.post("/discovery/handles", response=DiscoveryOut)
def discovery_handles(request: HttpRequest, payload: list[HandleIn]) -> dict[str, Any]:
    _require_hub(request)
    if len(payload) > services.MAX_CSV_ROWS:
        raise ValidationError({"body": [f"At most {services.MAX_CSV_ROWS} handles at once."]})
    result = services.discover_from_handles(
        actor=request.user, handles=[(h.network, h.handle, h.evidence) for h in payload]
    )
    return _discovery_out(result)


@router.post("/accounts/{account_id}/grants", response={201: GrantOut})
def grant_create(request: HttpRequest, account_id: int, payload: GrantIn) -> Status[Any]:
    _require_hub(request)
    grant = services.grant_give(
        actor=request.user,
        account=_visible_account(request, account_id),
        user=services.user_by_username(payload.username, "username"),
        right=payload.right,
    )
    return Status(
        201,
        {
            "id": grant.pk,
            "account": grant.account_id,
            "username": grant.user.get_username(),
            "right": grant.right,
        },
    )


@router.delete("/grants/{grant_id}", response={204: None})
def grant_delete(request: HttpRequest, grant_id: int) -> Status[None]:
    _require_hub(request)
    services.grant_revoke(actor=request.user, grant=get_object_or_404(AccountGrant, pk=grant_id))
    return Status(204, None)


@router.post("/training/completions", response={201: CertificationOut})
def completion_create(request: HttpRequest, payload: CompletionIn) -> Status[Any]:
    _require_hub(request)
    module = TrainingModule.objects.filter(key=payload.module).first()
    if module is None:
        raise ValidationError({"module": [f"No training module '{payload.module}'."]})
    user = services.user_by_username(payload.username, "username")
    services.training_record(
        actor=request.user, user=user, module=module, completed_at=payload.completed_at
    )
    cert = selectors.certification_for(user=user)
    return Status(201, {"username": user.get_username(), **cert.__dict__})


@router.get("/training/me", response=CertificationOut)
def certification_mine(request: HttpRequest) -> dict[str, Any]:
    cert = selectors.certification_for(user=request.user)
    return {"username": request.user.get_username(), **cert.__dict__}


@router.post("/policy/accept", response={204: None})
def policy_accept(request: HttpRequest) -> Status[None]:
    services.policy_accept(actor=request.user)
    return Status(204, None)


@router.get("/may-speak", response=MaySpeakOut)
def may_speak(request: HttpRequest, network: str, handle: str, right: str = "") -> dict[str, Any]:
    """Whether *you* may speak on this account now (Care and connectors ask before sending)."""
    allowed = selectors.may_speak_for(
        user=request.user, account_or_network_handle=(network, handle), right=right or None
    )
    return {"network": network, "handle": handle, "may_speak": allowed}


@router.get("/audit", response=list[AuditOut])
def audit_read(request: HttpRequest, before: int | None = None) -> list[dict[str, Any]]:
    _require_reader(request)
    return [_audit_out(e) for e in selectors.audit_entries(user=request.user, before_id=before)]


@router.get("/audit/{entry_id}", response=AuditOut)
def audit_entry(request: HttpRequest, entry_id: int) -> dict[str, Any]:
    _require_reader(request)
    return _audit_out(get_object_or_404(AuditEntry, pk=entry_id))


def _audit_out(e: AuditEntry) -> dict[str, Any]:
    return {
        "id": e.pk,
        "at": e.at,
        "actor": e.actor_name,
        "action": e.action,
        "object_type": e.object_type,
        "object_id": e.object_id,
        "object": e.object_repr,
        "before": e.before,
        "after": e.after,
    }


def _consolidation_out(c: Any) -> dict[str, Any]:
    return {
        "id": c.pk,
        "source": c.source_id,
        "target": c.target_id,
        "status": c.status,
        "steps": [
            {
                "id": s.pk,
                "kind": s.kind,
                "owner": s.owner.get_username() if s.owner else None,
                "due": s.due,
                "done_at": s.done_at,
            }
            for s in c.steps.all()
        ],
    }


@router.get("/consolidations", response=list[ConsolidationOut])
def consolidations_read(request: HttpRequest) -> list[dict[str, Any]]:
    _require_reader(request)
    return [_consolidation_out(c) for c in selectors.consolidations_list(user=request.user)]


@router.post("/consolidations", response={201: ConsolidationOut})
def consolidation_create(request: HttpRequest, payload: ConsolidationIn) -> Status[Any]:
    _require_hub(request)
    source = Account.objects.filter(pk=payload.source).first()
    target = Account.objects.filter(pk=payload.target).first()
    if source is None or target is None:
        raise ValidationError({("source" if source is None else "target"): ["No such account."]})
    c = services.consolidation_start(
        actor=request.user,
        source=source,
        target=target,
        owner=services.user_by_username(payload.owner, "owner"),
        start=payload.start,
        note=payload.note,
    )
    return Status(201, _consolidation_out(c))


@router.post("/steps/{step_id}/done", response=StepOut)
def step_done(request: HttpRequest, step_id: int) -> dict[str, Any]:
    _require_hub(request)
    step = services.consolidation_step_complete(
        actor=request.user, step=get_object_or_404(ConsolidationStep, pk=step_id)
    )
    return _step_out(step)


def _step_out(step: ConsolidationStep) -> dict[str, Any]:
    return {
        "id": step.pk,
        "kind": step.kind,
        "owner": step.owner.get_username() if step.owner else None,
        "due": step.due,
        "done_at": step.done_at,
    }


@router.patch("/steps/{step_id}", response=StepOut)
def step_write(request: HttpRequest, step_id: int, payload: StepPatch) -> dict[str, Any]:
    _require_hub(request)
    step = services.consolidation_step_update(
        actor=request.user,
        step=get_object_or_404(ConsolidationStep, pk=step_id),
        owner=services.user_by_username(payload.owner, "owner"),
        due=payload.due,
    )
    return _step_out(step)


@router.post("/accounts/{account_id}/activity", response=AccountOut)
def account_activity(request: HttpRequest, account_id: int, payload: ActivityIn) -> dict[str, Any]:
    """Record that the account posted (a connector or Care reports it); wakes a dormant one."""
    _require_hub(request)
    account = services.account_record_activity(
        actor=request.user, account=_visible_account(request, account_id), at=payload.at
    )
    return _account_out(account)


@router.get("/benchmarks", response=BenchmarksOut)
def benchmarks(request: HttpRequest) -> dict[str, Any]:
    _require_reader(request)
    return selectors.benchmarks().__dict__
