"""Governance reads that have rules.

Who reads what: the hub manages everything; auditors and executives read everything; spoke
leads and agents read the accounts of the units they work in (and nothing else of governance);
everyone in the program reads their own training and the policy in force.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from escapevelocity.governance import matching
from escapevelocity.governance.models import (
    Account,
    AccountGrant,
    AccountStatus,
    AuditEntry,
    Consolidation,
    GovernanceSettings,
    Network,
    Policy,
    PolicyAcceptance,
    TrainingCompletion,
    TrainingModule,
    clean_network,
)
from escapevelocity.org import permissions
from escapevelocity.org.models import HUB_ROLES, Company, Membership, Role

# Published figures (Altimeter, 2011–2012; see docs and DOMAIN.md) shown beside the company's own.
BENCH_ACCOUNTS = 178
BENCH_INVENTORIED = 0.49
BENCH_EDUCATION = 0.26
BENCH_SOURCE = (
    "Altimeter Group, 2011–2012: the average large enterprise owns 178 corporate social accounts; "
    "49% have inventoried them; 26% offer social media education."
)


def can_manage(user: Any) -> bool:
    """The hub changes governance."""
    return permissions.is_hub(user)


def can_read_all(user: Any) -> bool:
    """The hub, auditors and executives read the whole registry, the audit log and training."""
    return permissions.can_read_governance(user) or permissions.has_role(user, Role.EXECUTIVE)


def can_read_registry(user: Any) -> bool:
    """Anyone who may see at least some accounts: all readers, plus people working in a unit."""
    return can_read_all(user) or permissions.has_role(user, Role.SPOKE_LEAD, Role.AGENT)


def settings_get() -> GovernanceSettings:
    conf = GovernanceSettings.objects.order_by("pk").first()
    if conf is None:
        conf = GovernanceSettings.objects.create()
    return conf


def company_marks() -> list[str]:
    """The names and marks discovery looks for: configured, or derived from the company name."""
    conf = settings_get()
    configured = [line for line in conf.marks.splitlines() if line.strip()]
    if configured:
        return matching.clean_marks(configured)
    company = Company.objects.order_by("id").first()
    return matching.clean_marks(matching.marks_from_name(company.name if company else ""))


def accounts_visible_to(user: Any) -> QuerySet[Account]:
    """Accounts this person may read, with their unit, region and people in the same query."""
    qs = Account.objects.select_related("unit", "region", "owner", "backup")
    if can_read_all(user):
        return qs
    if permissions.has_role(user, Role.SPOKE_LEAD, Role.AGENT):
        return qs.filter(permissions.unit_filter(user, "unit"))
    return qs.none()


def accounts_list(
    *, user: Any, status: str = "", unit_key: str = "", network: str = "", q: str = ""
) -> QuerySet[Account]:
    qs = accounts_visible_to(user)
    if status:
        qs = qs.filter(status=status)
    if unit_key:
        qs = qs.filter(unit__key=unit_key)
    if network:
        qs = qs.filter(network=network)
    if q:
        qs = qs.filter(Q(handle_key__contains=q.lower()) | Q(purpose__icontains=q))
    return qs.order_by("network", "handle_key")


def account_get(*, user: Any, pk: int) -> Account | None:
    return accounts_visible_to(user).filter(pk=pk).first()


def account_by_handle(network: str, handle: str) -> Account | None:
    key = matching.normalize_handle(handle).lower()
    return Account.objects.filter(network=clean_network(network), handle_key=key).first()


def dormancy_candidates(*, now: dt.datetime) -> QuerySet[Account]:
    """Active accounts with no activity (or, never active, registered) before the cutoff."""
    cutoff = now - dt.timedelta(days=settings_get().dormant_after_days)
    return Account.objects.filter(status=AccountStatus.ACTIVE).filter(
        Q(last_activity_at__lt=cutoff) | Q(last_activity_at__isnull=True, registered_at__lt=cutoff)
    )


def dormant_accounts() -> QuerySet[Account]:
    return Account.objects.filter(status=AccountStatus.DORMANT).select_related("owner", "unit")


def new_unapproved(*, since: dt.datetime) -> QuerySet[Account]:
    return Account.objects.filter(
        status=AccountStatus.UNAPPROVED, discovered_at__gte=since
    ).order_by("discovered_at")


def digest_recipients() -> list[str]:
    emails = (
        Membership.objects.filter(role__in=HUB_ROLES, user__is_active=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
        .distinct()
    )
    return sorted(set(emails))


def audit_entries(*, user: Any, before_id: int | None = None, limit: int = 100) -> list[AuditEntry]:
    """Newest first, keyset-paginated on id."""
    if not can_read_all(user):
        return []
    qs = AuditEntry.objects.order_by("-id")
    if before_id is not None:
        qs = qs.filter(id__lt=before_id)
    return list(qs[:limit])


def policy_current() -> Policy | None:
    return Policy.objects.order_by("-version").first()


@dataclass
class Certification:
    current: bool
    missing: list[str] = field(default_factory=list)
    expires_at: dt.datetime | None = None


def certifications_for(
    *, users: Sequence[Any], now: dt.datetime | None = None
) -> dict[int, Certification]:
    """Certification of many people in three queries: every required module completed and not
    expired, and the policy in force accepted (when one is published)."""
    now = now or timezone.now()
    ids = [u.pk for u in users if u.pk is not None]
    modules = list(TrainingModule.objects.filter(required=True).order_by("kind", "title"))
    best: dict[tuple[int, int], dt.datetime] = {}
    for user_id, module_id, expires in TrainingCompletion.objects.filter(
        user_id__in=ids, expires_at__gt=now, module__required=True
    ).values_list("user_id", "module_id", "expires_at"):
        key = (user_id, module_id)
        if key not in best or best[key] < expires:
            best[key] = expires
    policy = policy_current()
    accepted: set[int] = set()
    if policy is not None:
        accepted = set(
            PolicyAcceptance.objects.filter(policy=policy, user_id__in=ids).values_list(
                "user_id", flat=True
            )
        )
    out: dict[int, Certification] = {}
    for uid in ids:
        missing: list[str] = []
        if not modules:
            missing.append("no required training modules exist yet")
        expiries = []
        for m in modules:
            if (uid, m.pk) in best:
                expiries.append(best[(uid, m.pk)])
            else:
                missing.append(f"'{m.title}' not completed or expired")
        if policy is not None and uid not in accepted:
            missing.append(f"policy v{policy.version} not accepted")
        out[uid] = Certification(
            current=not missing, missing=missing, expires_at=min(expiries) if expiries else None
        )
    return out


def certification_for(*, user: Any, now: dt.datetime | None = None) -> Certification:
    if user is None or user.pk is None:
        return Certification(False, ["not a person"])
    return certifications_for(users=[user], now=now)[user.pk]


def may_speak_for(
    *, user: Any, account_or_network_handle: Account | tuple[str, str], right: str | None = None
) -> bool:
    """May this person reply (or publish) on this account now?

    Yes when the account is the company's (not unapproved or retired), the person is an active
    member with a current certification, and either holds a right on the account (the given
    one, or any) or the company is holistic, where any trained employee may act."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if isinstance(account_or_network_handle, Account):
        account: Account | None = account_or_network_handle
    else:
        network, handle = account_or_network_handle
        account = account_by_handle(network, handle)
    if account is None or account.status in (AccountStatus.UNAPPROVED, AccountStatus.RETIRED):
        return False
    if not permissions.is_member(user) or not certification_for(user=user).current:
        return False
    company = Company.objects.order_by("id").first()
    if company is not None and company.any_trained_employee_may_act:
        return True
    grants = AccountGrant.objects.filter(account=account, user=user)
    if right:
        grants = grants.filter(right=right)
    return grants.exists()


@dataclass
class Benchmarks:
    accounts: int
    accounts_average: int
    inventoried_share: float | None
    inventoried_average: float
    modules: int
    trained_share: float | None
    education_average: float
    source: str


def benchmarks(*, now: dt.datetime | None = None) -> Benchmarks:
    """The company's figures beside the published averages.

    Accounts: every account known and not retired (found ones included: they are out there).
    Inventoried: the share of those with an owning unit and an owner (approved). Education:
    whether training is offered, and the share of working members currently certified."""
    counts = dict(
        Account.objects.exclude(status=AccountStatus.RETIRED)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    total = sum(counts.values())
    owned = (
        Account.objects.exclude(status__in=[AccountStatus.RETIRED, AccountStatus.UNAPPROVED])
        .filter(unit__isnull=False, owner__isnull=False)
        .count()
    )
    modules = TrainingModule.objects.count()
    from django.contrib.auth import get_user_model

    people = list(
        get_user_model()
        .objects.filter(
            is_active=True, memberships__role__in=[Role.SPOKE_LEAD, Role.AGENT, *HUB_ROLES]
        )
        .distinct()
    )
    certs = certifications_for(users=people, now=now)
    trained = sum(1 for c in certs.values() if c.current)
    return Benchmarks(
        accounts=total,
        accounts_average=BENCH_ACCOUNTS,
        inventoried_share=(owned / total) if total else None,
        inventoried_average=BENCH_INVENTORIED,
        modules=modules,
        trained_share=(trained / len(people)) if people else None,
        education_average=BENCH_EDUCATION,
        source=BENCH_SOURCE,
    )


def status_counts(*, user: Any) -> dict[str, int]:
    rows = accounts_visible_to(user).values_list("status").annotate(n=Count("id"))
    return dict(rows.values_list("status", "n"))


def consolidations_list(*, user: Any) -> QuerySet[Consolidation]:
    if not can_read_all(user):
        return Consolidation.objects.none()
    return Consolidation.objects.select_related("source", "target").prefetch_related("steps__owner")


_MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_][A-Za-z0-9_.]{0,98}[A-Za-z0-9_])")
CARE_SCAN_LIMIT = 50_000


def care_post_handles(*, since: dt.datetime | None = None) -> list[tuple[str, str, str]]:
    """Handles seen in Care's ingested posts, read defensively: (network, handle, evidence).

    Three kinds of evidence: authors of posts sent from the company side ("posts as the
    company"), handles customers @-mention in their posts, and the company account a post was
    addressed to. Returns nothing when Care is not installed or its models lack those fields:
    governance works without Care, and reads at most CARE_SCAN_LIMIT recent posts."""
    try:
        post_model = apps.get_model("care", "Post")
    except LookupError:
        return []
    names = {f.name for f in post_model._meta.get_fields()}
    if not {"channel", "author", "direction"} <= names:
        return []
    try:
        channel_model = post_model._meta.get_field("channel").related_model
        author_model = post_model._meta.get_field("author").related_model
    except FieldDoesNotExist:
        return []
    channel_fields = {f.name for f in channel_model._meta.get_fields()}
    if "handle" not in {f.name for f in author_model._meta.get_fields()}:
        return []
    network_field = next(
        (n for n in ("network", "key", "kind", "platform", "name") if n in channel_fields), None
    )
    time_field = next((n for n in ("created_at", "created") if n in names), None)
    qs = post_model.objects.all()
    if since is not None and time_field:
        qs = qs.filter(**{f"{time_field}__gte": since})
    if time_field:
        qs = qs.order_by(f"-{time_field}")
    columns = [
        f"channel__{network_field}" if network_field else "channel_id",
        "direction",
        "author__handle",
        "account" if "account" in names else "direction",
        "text" if "text" in names else "direction",
    ]
    posting: dict[tuple[str, str], int] = {}
    addressed: dict[tuple[str, str], int] = {}
    for network, direction, author, account, text in qs.values_list(*columns)[:CARE_SCAN_LIMIT]:
        net = _network_of(str(network or ""))
        if author and str(direction).lower() in ("out", "outbound"):
            key = (net, str(author))
            posting[key] = posting.get(key, 0) + 1
            continue
        if "account" in names and account:
            key = (net, str(account))
            addressed[key] = addressed.get(key, 0) + 1
        if "text" in names and text:
            for handle in set(_MENTION.findall(str(text))):
                key = (net, handle)
                addressed[key] = addressed.get(key, 0) + 1
    out = [(n, h, f"posts as the company ({c} posts in Care)") for (n, h), c in posting.items()]
    out += [
        (n, h, f"customers address it as the company ({c} posts in Care)")
        for (n, h), c in addressed.items()
        if (n, h) not in posting
    ]
    return out


def _network_of(value: str) -> str:
    v = value.strip().lower()
    for choice in Network.values:
        if v == choice or v.startswith((f"{choice}-", f"{choice}_", f"{choice}.")):
            return choice
    if "twitter" in v:
        return Network.X
    return Network.OTHER


def grants_for_accounts(accounts: Iterable[Account]) -> dict[int, list[AccountGrant]]:
    out: dict[int, list[AccountGrant]] = {}
    ids = [a.pk for a in accounts]
    for g in AccountGrant.objects.filter(account_id__in=ids).select_related("user"):
        out.setdefault(g.account_id, []).append(g)
    return out
