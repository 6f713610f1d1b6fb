"""Every governance write: one function per business action, keyword-only arguments.

Each checks permission and input before writing, raises ValidationError({field: [message]}) on
bad input and PermissionDenied when the actor may not act, writes in one transaction, and
records an AuditEntry with the state before and after. Only the hub changes governance; any
member accepts the policy for themselves.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from escapevelocity.governance import matching, selectors
from escapevelocity.governance.models import (
    STEP_ORDER,
    Account,
    AccountGrant,
    AccountStatus,
    AuditEntry,
    Consolidation,
    ConsolidationStatus,
    ConsolidationStep,
    DiscoverySource,
    GovernanceSettings,
    IgnoredHandle,
    ModuleKind,
    Network,
    Policy,
    PolicyAcceptance,
    Right,
    TrainingCompletion,
    TrainingModule,
    clean_network,
)
from escapevelocity.org import permissions
from escapevelocity.org.models import Unit, UnitKind

MAX_CSV_BYTES = 5 * 1024 * 1024
MAX_CSV_ROWS = 20_000
# Default due dates of a consolidation's steps, in days from its start.
STEP_DUE_DAYS = {"announce": 7, "redirect": 14, "archive": 28, "retire": 42}


def _require_hub(actor: Any) -> None:
    if not permissions.is_hub(actor):
        raise PermissionDenied("Only the hub (strategist and hub members) changes governance.")


def _name(user: Any) -> str:
    return user.get_username() if user is not None else ""


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Model):
        return getattr(value, "key", None) or getattr(value, "username", None) or str(value.pk)
    return value


def snapshot(obj: Any) -> dict[str, Any]:
    """The audit-worthy state of a governance object, as JSON-safe values."""
    if isinstance(obj, Account):
        keys = [
            "network", "handle", "url", "unit", "region", "purpose", "audience", "owner",
            "backup", "status", "created_on", "last_activity_at", "follower_count",
            "discovered_via", "evidence", "match_reason",
        ]  # fmt: skip
    elif isinstance(obj, AccountGrant):
        return {"account": str(obj.account), "user": _name(obj.user), "right": obj.right}
    elif isinstance(obj, TrainingCompletion):
        return {
            "user": _name(obj.user),
            "module": obj.module.key,
            "completed_at": obj.completed_at.isoformat(),
            "expires_at": obj.expires_at.isoformat(),
        }
    elif isinstance(obj, ConsolidationStep):
        keys = ["kind", "owner", "due", "done_at", "done_by"]
    elif isinstance(obj, Consolidation):
        return {
            "source": str(obj.source),
            "target": str(obj.target),
            "status": obj.status,
            "note": obj.note,
        }
    elif isinstance(obj, TrainingModule):
        keys = ["key", "title", "kind", "description", "valid_days", "required"]
    elif isinstance(obj, GovernanceSettings):
        keys = ["marks", "dormant_after_days"]
    elif isinstance(obj, Policy):
        keys = ["version", "title", "body"]
    elif isinstance(obj, PolicyAcceptance):
        return {"user": _name(obj.user), "policy": obj.policy.version}
    elif isinstance(obj, IgnoredHandle):
        keys = ["network", "handle_key", "reason"]
    else:  # pragma: no cover - a programming error, not input
        raise TypeError(f"No audit snapshot for {type(obj).__name__}")
    return {k: _jsonable(getattr(obj, k)) for k in keys}


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: Any,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> AuditEntry:
    """Append one entry to the audit log. Called by the services below, never by views."""
    return AuditEntry.objects.create(
        at=timezone.now(),
        actor_id=getattr(actor, "pk", None),
        actor_name=_name(actor) or "(unknown)",
        action=action,
        object_type=type(obj)._meta.model_name or type(obj).__name__,
        object_id=str(obj.pk or ""),
        object_repr=str(obj)[:300],
        before=before,
        after=after,
    )


# Settings ---------------------------------------------------------------------------------


@transaction.atomic
def settings_update(*, actor: Any, marks: str, dormant_after_days: int) -> GovernanceSettings:
    _require_hub(actor)
    errors: dict[str, list[str]] = {}
    lines = [line.strip() for line in marks.splitlines() if line.strip()]
    short = [line for line in lines if len(matching.squash(line)) < 3]
    if short:
        errors["marks"] = [f"'{short[0]}' is too short to match on: use at least 3 letters."]
    if not 7 <= dormant_after_days <= 3650:
        errors["dormant_after_days"] = ["Between 7 and 3650 days."]
    if errors:
        raise ValidationError(errors)
    current = selectors.settings_get()
    before = snapshot(current)
    current.marks = "\n".join(lines)
    current.dormant_after_days = dormant_after_days
    current.save()
    audit_record(
        actor=actor, action="settings.update", obj=current, before=before, after=snapshot(current)
    )
    return current


# Registry ---------------------------------------------------------------------------------


def _clean_network(value: str) -> str:
    return clean_network(value)


def _validate_account_fields(
    errors: dict[str, list[str]],
    *,
    network: str,
    handle: str,
    url: str,
    unit: Unit | None,
    region: Unit | None,
    owner: Any,
    backup: Any,
    follower_count: int | None,
    exclude_id: int | None = None,
) -> None:
    if network not in Network.values:
        errors["network"] = [f"'{network}' is not one of: {', '.join(Network.values)}."]
    clean = matching.normalize_handle(handle)
    if not clean:
        errors["handle"] = ["A handle is required."]
    elif len(clean) > 100:
        errors["handle"] = ["At most 100 characters."]
    elif network in Network.values:
        clash = Account.objects.filter(network=network, handle_key=clean.lower())
        if exclude_id is not None:
            clash = clash.exclude(pk=exclude_id)
        if clash.exists():
            errors["handle"] = [f"@{clean} on {network} is in the registry already."]
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            errors["url"] = ["Give a full http(s) address."]
    if unit is not None and unit.archived:
        errors["unit"] = [f"'{unit.key}' is archived."]
    if region is not None and region.kind != UnitKind.REGION:
        errors["region"] = [f"'{region.key}' is not a region."]
    for name, person in (("owner", owner), ("backup", backup)):
        if person is not None and (not person.is_active or not permissions.is_member(person)):
            errors[name] = [f"'{person.get_username()}' is not an active member of the program."]
    if owner is not None and backup is not None and owner.pk == backup.pk:
        errors["backup"] = ["The backup must be someone other than the owner."]
    if follower_count is not None and follower_count < 0:
        errors["follower_count"] = ["Cannot be negative."]


@transaction.atomic
def account_register(
    *,
    actor: Any,
    network: str,
    handle: str,
    unit: Unit | None,
    owner: Any,
    url: str = "",
    region: Unit | None = None,
    purpose: str = "",
    audience: str = "",
    backup: Any = None,
    status: str = AccountStatus.ACTIVE,
    created_on: dt.date | None = None,
    last_activity_at: dt.datetime | None = None,
    follower_count: int | None = None,
) -> Account:
    """Register an account the hub knows about. It needs an owning unit and an owner."""
    _require_hub(actor)
    network = _clean_network(network)
    errors: dict[str, list[str]] = {}
    _validate_account_fields(
        errors,
        network=network,
        handle=handle,
        url=url,
        unit=unit,
        region=region,
        owner=owner,
        backup=backup,
        follower_count=follower_count,
    )
    if unit is None:
        errors.setdefault("unit", []).append("A registered account needs an owning unit.")
    if owner is None:
        errors.setdefault("owner", []).append("A registered account needs an owner.")
    if status not in AccountStatus.values or status == AccountStatus.UNAPPROVED:
        errors["status"] = ["Register as active, dormant, retiring or retired."]
    if errors:
        raise ValidationError(errors)
    clean = matching.normalize_handle(handle)
    account = Account.objects.create(
        network=network,
        handle=clean,
        handle_key=clean.lower(),
        url=url,
        unit=unit,
        region=region,
        purpose=purpose.strip()[:300],
        audience=audience.strip()[:300],
        owner=owner,
        backup=backup,
        status=status,
        created_on=created_on,
        last_activity_at=last_activity_at,
        follower_count=follower_count,
    )
    audit_record(
        actor=actor, action="account.register", obj=account, before=None, after=snapshot(account)
    )
    return account


EDITABLE = {
    "url", "unit", "region", "purpose", "audience", "owner", "backup", "status",
    "created_on", "last_activity_at", "follower_count",
}  # fmt: skip


@transaction.atomic
def account_update(*, actor: Any, account: Account, **changes: Any) -> Account:
    """Change registry fields of an account (see EDITABLE); records before and after."""
    _require_hub(actor)
    unknown = set(changes) - EDITABLE
    if unknown:
        raise ValidationError({name: ["This field cannot be changed here."] for name in unknown})
    account = Account.objects.select_for_update().get(pk=account.pk)
    merged = {k: getattr(account, k) for k in EDITABLE} | changes
    errors: dict[str, list[str]] = {}
    _validate_account_fields(
        errors,
        network=account.network,
        handle=account.handle,
        url=merged["url"] or "",
        unit=merged["unit"],
        region=merged["region"],
        owner=merged["owner"],
        backup=merged["backup"],
        follower_count=merged["follower_count"],
        exclude_id=account.pk,
    )
    status = merged["status"]
    if status not in AccountStatus.values:
        errors["status"] = [f"'{status}' is not one of: {', '.join(AccountStatus.values)}."]
    elif status != AccountStatus.UNAPPROVED:
        if merged["unit"] is None:
            errors.setdefault("unit", []).append("An approved account needs an owning unit.")
        if merged["owner"] is None:
            errors.setdefault("owner", []).append("An approved account needs an owner.")
    elif account.status != AccountStatus.UNAPPROVED:
        errors["status"] = ["Only found accounts are unapproved; use retiring or retired."]
    if errors:
        raise ValidationError(errors)
    before = snapshot(account)
    for key, value in changes.items():
        setattr(account, key, value)
    account.save()
    after = snapshot(account)
    if after != before:
        audit_record(actor=actor, action="account.update", obj=account, before=before, after=after)
    return account


@transaction.atomic
def account_approve(
    *,
    actor: Any,
    account: Account,
    unit: Unit | None,
    owner: Any,
    backup: Any = None,
    purpose: str = "",
    audience: str = "",
) -> Account:
    """Accept a found account as the company's: give it an owning unit and an owner."""
    _require_hub(actor)
    if account.status != AccountStatus.UNAPPROVED:
        raise ValidationError({"status": ["Only an unapproved account can be approved."]})
    changes: dict[str, Any] = {
        "unit": unit,
        "owner": owner,
        "backup": backup,
        "status": AccountStatus.ACTIVE,
    }
    if purpose.strip():
        changes["purpose"] = purpose.strip()[:300]
    if audience.strip():
        changes["audience"] = audience.strip()[:300]
    errors: dict[str, list[str]] = {}
    if unit is None:
        errors["unit"] = ["Choose the unit that will own this account."]
    if owner is None:
        errors["owner"] = ["Choose the person who will own this account."]
    if errors:
        raise ValidationError(errors)
    before = snapshot(account)
    account = _apply_quietly(actor=actor, account=account, changes=changes)
    audit_record(
        actor=actor, action="account.approve", obj=account, before=before, after=snapshot(account)
    )
    return account


def _apply_quietly(*, actor: Any, account: Account, changes: dict[str, Any]) -> Account:
    """Validate and apply changes without an audit entry of its own (the caller writes one)."""
    errors: dict[str, list[str]] = {}
    merged = {k: getattr(account, k) for k in EDITABLE} | changes
    _validate_account_fields(
        errors,
        network=account.network,
        handle=account.handle,
        url=merged["url"] or "",
        unit=merged["unit"],
        region=merged["region"],
        owner=merged["owner"],
        backup=merged["backup"],
        follower_count=merged["follower_count"],
        exclude_id=account.pk,
    )
    if errors:
        raise ValidationError(errors)
    for key, value in changes.items():
        setattr(account, key, value)
    account.save()
    return account


@transaction.atomic
def account_dismiss(*, actor: Any, account: Account, reason: str) -> IgnoredHandle:
    """A found account is not the company's: drop it from the registry and stop flagging it."""
    _require_hub(actor)
    if account.status != AccountStatus.UNAPPROVED:
        raise ValidationError({"status": ["Only an unapproved (found) account can be dismissed."]})
    if not reason.strip():
        raise ValidationError({"reason": ["Say why this account is not the company's."]})
    before = snapshot(account)
    ignored, _created = IgnoredHandle.objects.update_or_create(
        network=account.network,
        handle_key=account.handle_key,
        defaults={"reason": reason.strip()[:300], "decided_by": _name(actor)},
    )
    audit_record(actor=actor, action="account.dismiss", obj=account, before=before, after=None)
    account.delete()
    return ignored


@transaction.atomic
def account_record_activity(*, actor: Any, account: Account, at: dt.datetime) -> Account:
    """Note that the account posted at `at`; a dormant account becomes active again."""
    _require_hub(actor)
    if at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"at": ["Activity cannot be in the future."]})
    account = Account.objects.select_for_update().get(pk=account.pk)
    if account.last_activity_at is not None and account.last_activity_at >= at:
        return account
    before = snapshot(account)
    account.last_activity_at = at
    if account.status == AccountStatus.DORMANT:
        account.status = AccountStatus.ACTIVE
    account.save(update_fields=["last_activity_at", "status", "updated_at"])
    audit_record(
        actor=actor, action="account.activity", obj=account, before=before, after=snapshot(account)
    )
    return account


@transaction.atomic
def dormancy_sweep(*, actor: Any, now: dt.datetime | None = None) -> list[Account]:
    """Flag active accounts with no activity for the configured days as dormant; return them."""
    _require_hub(actor)
    now = now or timezone.now()
    flagged = []
    for account in selectors.dormancy_candidates(now=now).select_for_update():
        before = snapshot(account)
        account.status = AccountStatus.DORMANT
        account.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action="account.dormant",
            obj=account,
            before=before,
            after=snapshot(account),
        )
        flagged.append(account)
    return flagged


# Discovery --------------------------------------------------------------------------------


@dataclass
class DiscoveryResult:
    flagged: list[Account] = field(default_factory=list)
    known: int = 0
    not_ours: list[tuple[str, str, str]] = field(default_factory=list)  # network, handle, why
    ignored: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # line, reason

    def summary(self) -> str:
        parts = [
            f"{len(self.flagged)} flagged unapproved",
            f"{self.known} already registered",
            f"{len(self.not_ours)} not using the company's names",
            f"{self.ignored} dismissed before",
        ]
        if self.errors:
            parts.append(f"{len(self.errors)} rows refused")
        return ", ".join(parts)


def _discover(
    *,
    actor: Any,
    rows: Iterable[tuple[str, str, str, str]],
    source: str,
    result: DiscoveryResult,
) -> DiscoveryResult:
    marks = selectors.company_marks()
    now = timezone.now()
    wanted = [(net, matching.normalize_handle(h), url, ev) for net, h, url, ev in rows]
    keys = {(net, h.lower()) for net, h, _u, _e in wanted}
    nets = {k[0] for k in keys}
    handles = {k[1] for k in keys}
    existing = {
        (a.network, a.handle_key): a
        for a in Account.objects.filter(network__in=nets, handle_key__in=handles)
    }
    ignored = set(
        IgnoredHandle.objects.filter(network__in=nets, handle_key__in=handles).values_list(
            "network", "handle_key"
        )
    )
    for network, handle, url, evidence in wanted:
        key = (network, handle.lower())
        if key in existing:
            result.known += 1
            continue
        if key in ignored:
            result.ignored += 1
            continue
        verdict = matching.match_handle(handle, marks)
        if not verdict.matched:
            result.not_ours.append((network, handle, verdict.reason))
            continue
        account = Account.objects.create(
            network=network,
            handle=handle,
            handle_key=handle.lower(),
            url=url,
            status=AccountStatus.UNAPPROVED,
            discovered_via=source,
            evidence=evidence[:2000],
            match_reason=verdict.reason[:300],
            discovered_at=now,
        )
        existing[key] = account
        audit_record(
            actor=actor,
            action="account.discover",
            obj=account,
            before=None,
            after=snapshot(account),
        )
        result.flagged.append(account)
    return result


@transaction.atomic
def discover_from_handles(
    *, actor: Any, handles: Iterable[tuple[str, str, str]], source: str = DiscoverySource.POSTS
) -> DiscoveryResult:
    """Reconcile (network, handle, evidence) triples seen elsewhere (Care's ingested posts, a
    connector) with the registry: unknown handles that use the company's names or marks are
    flagged unapproved. Handles on unknown networks are counted as errors, not guessed."""
    _require_hub(actor)
    result = DiscoveryResult()
    rows: list[tuple[str, str, str, str]] = []
    for i, (network, handle, evidence) in enumerate(handles, start=1):
        net = _clean_network(network)
        clean = matching.normalize_handle(handle)
        if net not in Network.values:
            result.errors.append((i, f"network '{network}' is not one of the known networks"))
        elif not clean or len(clean) > 100:
            result.errors.append((i, "handle is empty or longer than 100 characters"))
        else:
            rows.append((net, clean, "", evidence))
    return _discover(actor=actor, rows=rows, source=source, result=result)


@transaction.atomic
def discovery_import_csv(*, actor: Any, data: bytes | str) -> DiscoveryResult:
    """Import a list of found accounts (CSV with network, handle, url, evidence columns).

    A file that cannot be read at all is refused whole (ValidationError on `file`). Otherwise
    each bad row is reported with its line number and reason, and every good row is applied:
    the result lists both, so nothing is dropped silently."""
    _require_hub(actor)
    if isinstance(data, bytes):
        if len(data) > MAX_CSV_BYTES:
            raise ValidationError({"file": ["The file is larger than 5 MB."]})
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValidationError({"file": ["The file is not UTF-8 text."]}) from exc
    else:
        text = data
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in ("network", "handle") if c not in header]
    if missing:
        raise ValidationError(
            {
                "file": [
                    f"The header must name the columns network, handle, url, evidence; "
                    f"missing: {', '.join(missing)}."
                ]
            }
        )
    reader.fieldnames = header
    result = DiscoveryResult()
    rows: list[tuple[str, str, str, str]] = []
    seen: set[tuple[str, str]] = set()
    url_ok = URLValidator(schemes=["http", "https"])
    try:
        for record in reader:
            line = reader.line_num
            if len(rows) + len(result.errors) >= MAX_CSV_ROWS:
                raise ValidationError({"file": [f"At most {MAX_CSV_ROWS} rows per file."]})
            if None in record:
                result.errors.append((line, "more values than columns"))
                continue
            network = _clean_network(record.get("network") or "")
            handle = matching.normalize_handle(record.get("handle") or "")
            url = (record.get("url") or "").strip()
            evidence = (record.get("evidence") or "").strip()
            if not network and not handle and not url:
                continue  # a blank line
            if network not in Network.values:
                result.errors.append(
                    (line, f"network '{record.get('network') or ''}' is not a known network")
                )
                continue
            if not handle:
                result.errors.append((line, "handle is empty"))
                continue
            if len(handle) > 100:
                result.errors.append((line, "handle is longer than 100 characters"))
                continue
            if url:
                try:
                    url_ok(url)
                except ValidationError:
                    result.errors.append((line, f"url '{url[:80]}' is not an http(s) address"))
                    continue
            if (network, handle.lower()) in seen:
                result.errors.append((line, f"@{handle} on {network} appears earlier in the file"))
                continue
            seen.add((network, handle.lower()))
            rows.append((network, handle, url, evidence))
    except csv.Error as exc:
        raise ValidationError({"file": [f"Line {reader.line_num}: {exc}"]}) from exc
    return _discover(actor=actor, rows=rows, source=DiscoverySource.CSV, result=result)


def discover_from_care(*, actor: Any, since: dt.datetime | None = None) -> DiscoveryResult:
    """Run discovery over handles seen in Care's ingested posts, when Care is installed."""
    return discover_from_handles(
        actor=actor, handles=selectors.care_post_handles(since=since), source=DiscoverySource.POSTS
    )


# Spokespeople and training ----------------------------------------------------------------


@transaction.atomic
def training_module_save(
    *,
    actor: Any,
    key: str,
    title: str,
    kind: str,
    description: str = "",
    valid_days: int = 365,
    required: bool = True,
) -> TrainingModule:
    """Create a training module, or change the one with this key."""
    _require_hub(actor)
    errors: dict[str, list[str]] = {}
    if not key.strip() or not key.replace("-", "").replace("_", "").isalnum():
        errors["key"] = ["Use letters, numbers, hyphens or underscores."]
    if not title.strip():
        errors["title"] = ["The module needs a title."]
    if kind not in ModuleKind.values:
        errors["kind"] = [f"'{kind}' is not one of: {', '.join(ModuleKind.values)}."]
    if not 1 <= valid_days <= 3650:
        errors["valid_days"] = ["Between 1 and 3650 days."]
    if errors:
        raise ValidationError(errors)
    module = TrainingModule.objects.filter(key=key).first()
    before = snapshot(module) if module else None
    if module is None:
        module = TrainingModule(key=key)
    module.title = title.strip()
    module.kind = kind
    module.description = description
    module.valid_days = valid_days
    module.required = required
    module.save()
    audit_record(
        actor=actor,
        action="training.module" if before is None else "training.module_update",
        obj=module,
        before=before,
        after=snapshot(module),
    )
    return module


@transaction.atomic
def training_record(
    *, actor: Any, user: Any, module: TrainingModule, completed_at: dt.datetime | None = None
) -> TrainingCompletion:
    """Record that a person completed a module; it expires after the module's valid days."""
    _require_hub(actor)
    now = timezone.now()
    completed_at = completed_at or now
    errors: dict[str, list[str]] = {}
    if completed_at > now + dt.timedelta(minutes=5):
        errors["completed_at"] = ["A completion cannot be in the future."]
    if user is None or not user.is_active or not permissions.is_member(user):
        errors["user"] = ["Training is recorded for active members of the program."]
    if errors:
        raise ValidationError(errors)
    completion = TrainingCompletion.objects.create(
        user=user,
        module=module,
        completed_at=completed_at,
        expires_at=completed_at + dt.timedelta(days=module.valid_days),
        recorded_by=_name(actor),
    )
    audit_record(
        actor=actor,
        action="training.complete",
        obj=completion,
        before=None,
        after=snapshot(completion),
    )
    return completion


@transaction.atomic
def policy_publish(*, actor: Any, title: str, body: str) -> Policy:
    """Publish a new version of the policy; everyone must accept it again to stay certified."""
    _require_hub(actor)
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = ["The policy needs a title."]
    if not body.strip():
        errors["body"] = ["The policy needs its text."]
    if errors:
        raise ValidationError(errors)
    latest = Policy.objects.order_by("-version").first()
    policy = Policy.objects.create(
        version=(latest.version + 1) if latest else 1,
        title=title.strip()[:200],
        body=body,
        published_by=_name(actor),
    )
    audit_record(
        actor=actor, action="policy.publish", obj=policy, before=None, after=snapshot(policy)
    )
    return policy


@transaction.atomic
def policy_accept(*, actor: Any, policy: Policy | None = None) -> PolicyAcceptance:
    """The actor accepts the policy in force (each person accepts for themselves)."""
    if not permissions.is_member(actor) or getattr(actor, "pk", None) is None:
        raise PermissionDenied("Only members of the program accept the policy.")
    current = selectors.policy_current()
    if current is None:
        raise ValidationError({"policy": ["No policy has been published yet."]})
    if policy is not None and policy.pk != current.pk:
        raise ValidationError({"policy": [f"Version {current.version} is the one in force."]})
    existing = PolicyAcceptance.objects.filter(user=actor, policy=current).first()
    if existing is not None:
        return existing
    acceptance = PolicyAcceptance.objects.create(
        user=actor, policy=current, accepted_at=timezone.now()
    )
    audit_record(
        actor=actor,
        action="policy.accept",
        obj=acceptance,
        before=None,
        after=snapshot(acceptance),
    )
    return acceptance


@transaction.atomic
def grant_give(*, actor: Any, account: Account, user: Any, right: str) -> AccountGrant:
    """Let a person reply on or publish to an account. Needs a current certification."""
    _require_hub(actor)
    errors: dict[str, list[str]] = {}
    if right not in Right.values:
        errors["right"] = [f"'{right}' is not one of: {', '.join(Right.values)}."]
    if account.status in (AccountStatus.UNAPPROVED, AccountStatus.RETIRED):
        errors["account"] = [f"Nobody speaks on a {account.get_status_display().lower()} account."]
    if user is None or not user.is_active or not permissions.is_member(user):
        errors["user"] = ["Rights go to active members of the program."]
    else:
        cert = selectors.certification_for(user=user)
        if not cert.current:
            errors["user"] = [
                f"{user.get_username()} has no current certification ({'; '.join(cert.missing)})."
            ]
    if errors:
        raise ValidationError(errors)
    grant = AccountGrant.objects.filter(account=account, user=user, right=right).first()
    if grant is not None:
        return grant
    grant = AccountGrant.objects.create(
        account=account, user=user, right=right, granted_by=_name(actor)
    )
    audit_record(actor=actor, action="grant.give", obj=grant, before=None, after=snapshot(grant))
    return grant


@transaction.atomic
def grant_revoke(*, actor: Any, grant: AccountGrant) -> None:
    _require_hub(actor)
    before = snapshot(grant)
    audit_record(actor=actor, action="grant.revoke", obj=grant, before=before, after=None)
    grant.delete()


# Consolidation ----------------------------------------------------------------------------


@transaction.atomic
def consolidation_start(
    *,
    actor: Any,
    source: Account,
    target: Account,
    owner: Any,
    start: dt.date | None = None,
    note: str = "",
) -> Consolidation:
    """Merge `source` into `target`: four steps (announce, redirect, archive, retire), each
    owned by `owner` with a default due date; the source account becomes retiring."""
    _require_hub(actor)
    errors: dict[str, list[str]] = {}
    if source.pk == target.pk:
        errors["target"] = ["An account cannot be merged into itself."]
    if source.status in (AccountStatus.RETIRED, AccountStatus.UNAPPROVED):
        errors["source"] = [f"A {source.get_status_display().lower()} account cannot be merged."]
    elif Consolidation.objects.filter(source=source, status=ConsolidationStatus.OPEN).exists():
        errors["source"] = ["This account is being merged already."]
    if target.status not in (AccountStatus.ACTIVE, AccountStatus.DORMANT):
        errors["target"] = ["Merge into an active account."]
    if owner is None or not owner.is_active or not permissions.is_member(owner):
        errors["owner"] = ["The steps need an owner who is an active member."]
    if errors:
        raise ValidationError(errors)
    start = start or timezone.localdate()
    consolidation = Consolidation.objects.create(
        source=source, target=target, note=note, started_by=_name(actor)
    )
    for position, kind in enumerate(STEP_ORDER):
        ConsolidationStep.objects.create(
            consolidation=consolidation,
            kind=kind,
            position=position,
            owner=owner,
            due=start + dt.timedelta(days=STEP_DUE_DAYS[kind]),
        )
    audit_record(
        actor=actor,
        action="consolidation.start",
        obj=consolidation,
        before=None,
        after=snapshot(consolidation) | {"steps": [snapshot(s) for s in consolidation.steps.all()]},
    )
    if source.status != AccountStatus.RETIRING:
        before = snapshot(source)
        source.status = AccountStatus.RETIRING
        source.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action="account.retiring",
            obj=source,
            before=before,
            after=snapshot(source),
        )
    return consolidation


@transaction.atomic
def consolidation_step_update(
    *, actor: Any, step: ConsolidationStep, owner: Any, due: dt.date
) -> ConsolidationStep:
    _require_hub(actor)
    if step.consolidation.status != ConsolidationStatus.OPEN:
        raise ValidationError({"step": ["This consolidation is closed."]})
    if owner is None or not owner.is_active or not permissions.is_member(owner):
        raise ValidationError({"owner": ["The step needs an owner who is an active member."]})
    before = snapshot(step)
    step.owner = owner
    step.due = due
    step.save(update_fields=["owner", "due"])
    audit_record(
        actor=actor,
        action="consolidation.step_update",
        obj=step,
        before=before,
        after=snapshot(step),
    )
    return step


@transaction.atomic
def consolidation_step_complete(*, actor: Any, step: ConsolidationStep) -> ConsolidationStep:
    """Mark a step done, in order. Completing `retire` retires the source and closes the merge."""
    _require_hub(actor)
    consolidation = Consolidation.objects.select_for_update().get(pk=step.consolidation_id)
    if consolidation.status != ConsolidationStatus.OPEN:
        raise ValidationError({"step": ["This consolidation is closed."]})
    step = ConsolidationStep.objects.get(pk=step.pk)
    if step.done_at is not None:
        raise ValidationError({"step": ["This step is done already."]})
    earlier = consolidation.steps.filter(position__lt=step.position, done_at__isnull=True)
    if earlier.exists():
        first = earlier.order_by("position").first()
        assert first is not None
        raise ValidationError({"step": [f"Finish '{first.get_kind_display()}' first."]})
    before = snapshot(step)
    step.done_at = timezone.now()
    step.done_by = _name(actor)
    step.save(update_fields=["done_at", "done_by"])
    audit_record(
        actor=actor, action="consolidation.step_done", obj=step, before=before, after=snapshot(step)
    )
    if not consolidation.steps.filter(done_at__isnull=True).exists():
        before_c = snapshot(consolidation)
        consolidation.status = ConsolidationStatus.DONE
        consolidation.finished_at = timezone.now()
        consolidation.save(update_fields=["status", "finished_at"])
        audit_record(
            actor=actor,
            action="consolidation.done",
            obj=consolidation,
            before=before_c,
            after=snapshot(consolidation),
        )
        source = consolidation.source
        before_s = snapshot(source)
        source.status = AccountStatus.RETIRED
        source.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action="account.retire",
            obj=source,
            before=before_s,
            after=snapshot(source),
        )
    return step


# Digest -----------------------------------------------------------------------------------


@dataclass
class Digest:
    subject: str
    body: str
    recipients: list[str]
    unapproved: list[Account]
    dormant: list[Account]


def digest_build(*, actor: Any, now: dt.datetime | None = None) -> Digest:
    """Sweep for dormancy, then list unapproved accounts found since the last digest (or in the
    last week) and every dormant account, addressed to the hub."""
    now = now or timezone.now()
    dormancy_sweep(actor=actor, now=now)
    conf = selectors.settings_get()
    since = conf.last_digest_at or (now - dt.timedelta(days=7))
    unapproved = list(selectors.new_unapproved(since=since))
    dormant = list(selectors.dormant_accounts())
    lines = [f"Governance digest for the week to {now:%Y-%m-%d}.", ""]
    lines.append(f"New unapproved accounts since {since:%Y-%m-%d}: {len(unapproved)}")
    for a in unapproved:
        lines.append(f"  - {a} — {a.match_reason or 'found'}; evidence: {a.evidence[:120]}")
    lines += [
        "",
        f"Dormant accounts (no activity for {conf.dormant_after_days} days): {len(dormant)}",
    ]
    for a in dormant:
        last = f"{a.last_activity_at:%Y-%m-%d}" if a.last_activity_at else "never"
        owner = a.owner.get_username() if a.owner else "no owner"
        lines.append(f"  - {a} — last active {last}; owner {owner}")
    lines += ["", f"Review them at {settings.SITE_URL}/governance/"]
    return Digest(
        subject=f"Governance digest: {len(unapproved)} new unapproved, {len(dormant)} dormant",
        body="\n".join(lines),
        recipients=selectors.digest_recipients(),
        unapproved=unapproved,
        dormant=dormant,
    )


@transaction.atomic
def digest_send(
    *, actor: Any, now: dt.datetime | None = None, force: bool = False
) -> tuple[bool, Digest | None, str]:
    """Send the weekly digest by email to the hub. Refuses a second one within six days unless
    forced, so a scheduler that fires twice does not mail twice."""
    _require_hub(actor)
    now = now or timezone.now()
    conf = GovernanceSettings.objects.select_for_update().get(pk=selectors.settings_get().pk)
    if not force and conf.last_digest_at and now - conf.last_digest_at < dt.timedelta(days=6):
        return False, None, f"A digest went out at {conf.last_digest_at:%Y-%m-%d %H:%M}."
    digest = digest_build(actor=actor, now=now)
    if not digest.recipients:
        return False, digest, "Nobody in the hub has an email address."
    send_mail(digest.subject, digest.body, None, digest.recipients)
    GovernanceSettings.objects.filter(pk=conf.pk).update(last_digest_at=now)
    return True, digest, f"Sent to {len(digest.recipients)} people."


def user_by_username(username: str, field_name: str) -> Any:
    """The active person with this username, or a ValidationError naming the field."""
    if not username:
        return None
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ValidationError({field_name: [f"No active person with username '{username}'."]})
    return user
