"""Who may see and act on whose work. Every app asks here; none decides on its own.

The rules, for one company:
- a hub role (strategist, hub member) sees and acts on its hub, the spokes it serves and every
  region; in a company with one hub (every model but multiple hub and spoke) that is every unit,
  while with several hubs each hub serves the spokes linked to it and those linked to none;
- a spoke lead or agent sees and acts on their own unit; in a region unit, on the spokes of that
  region too;
- an executive reads every unit's results and acts on none;
- an auditor reads governance only;
- a superuser may do everything (the installation's administrator).
The answer is computed once per user object and cached on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from escapevelocity.org.models import HUB_ROLES, Company, Membership, Role, Unit, UnitKind

AnyUser = AbstractBaseUser | AnonymousUser


@dataclass(frozen=True)
class Scope:
    view_unit_ids: frozenset[int]
    act_unit_ids: frozenset[int]
    roles: frozenset[str]
    is_superuser: bool

    @property
    def is_hub(self) -> bool:
        return self.is_superuser or bool(self.roles & HUB_ROLES)

    @property
    def is_strategist(self) -> bool:
        return self.is_superuser or Role.STRATEGIST in self.roles


_EMPTY = Scope(frozenset(), frozenset(), frozenset(), False)


def scope_for(user: AnyUser) -> Scope:
    """Return (and cache on the user) the units this person may see and act on."""
    if not user.is_authenticated or not user.is_active:
        return _EMPTY
    cached: Scope | None = getattr(user, "_ev_scope", None)
    if cached is not None:
        return cached
    scope = _compute_scope(user)
    user._ev_scope = scope  # type: ignore[attr-defined]
    return scope


def forget_scope(user: AnyUser) -> None:
    """Drop the cached scope after the person's memberships changed."""
    if hasattr(user, "_ev_scope"):
        del user._ev_scope


def system_actor() -> AbstractBaseUser:
    """The installation itself, acting from the console (`ev demo`, `ev createuser`): may do all."""
    from django.contrib.auth import get_user_model

    return get_user_model()(username="(system)", is_superuser=True, is_active=True)


def _compute_scope(user: Any) -> Scope:
    all_units = list(Unit.objects.values_list("id", "kind", "hub_id", "region_id"))
    all_ids = frozenset(u[0] for u in all_units)
    if user.pk is None:  # the system actor
        return Scope(all_ids, all_ids, frozenset(), bool(getattr(user, "is_superuser", False)))
    memberships = list(Membership.objects.filter(user=user).select_related("unit__company"))
    if getattr(user, "is_superuser", False):
        return Scope(all_ids, all_ids, frozenset(m.role for m in memberships), True)

    view: set[int] = set()
    act: set[int] = set()
    roles: set[str] = set()
    for m in memberships:
        roles.add(m.role)
        unit = m.unit
        if m.role in HUB_ROLES and unit.kind == UnitKind.HUB:
            served = _served_by_hub(unit, all_units)
            view |= served
            act |= served
        elif m.role in (Role.SPOKE_LEAD, Role.AGENT, Role.STRATEGIST, Role.HUB_MEMBER):
            own = {unit.id}
            if unit.kind == UnitKind.REGION:
                own |= {uid for uid, _kind, _hub, region in all_units if region == unit.id}
            view |= own
            act |= own
        elif m.role == Role.EXECUTIVE:
            view |= all_ids
    return Scope(frozenset(view), frozenset(act), frozenset(roles), False)


def _served_by_hub(
    hub: Unit, all_units: Sequence[tuple[int, str, int | None, int | None]]
) -> set[int]:
    company: Company = hub.company
    if not company.allows_several_hubs:
        return {u[0] for u in all_units}
    return {
        uid
        for uid, kind, hub_id, _region in all_units
        if uid == hub.id
        or kind == UnitKind.REGION
        or (kind != UnitKind.HUB and hub_id in (None, hub.id))
    }


def can_view_unit(user: AnyUser, unit: Unit | int) -> bool:
    """May this person see this unit's work (queues, requests, results)?"""
    unit_id = unit if isinstance(unit, int) else unit.pk
    return unit_id in scope_for(user).view_unit_ids


def can_act_on_unit(user: AnyUser, unit: Unit | int) -> bool:
    """May this person change this unit's work (assign, reply, decide)?"""
    unit_id = unit if isinstance(unit, int) else unit.pk
    return unit_id in scope_for(user).act_unit_ids


def units_visible_to(user: AnyUser) -> QuerySet[Unit]:
    return Unit.objects.filter(id__in=scope_for(user).view_unit_ids)


def units_actable_by(user: AnyUser) -> QuerySet[Unit]:
    return Unit.objects.filter(id__in=scope_for(user).act_unit_ids)


def is_hub(user: AnyUser) -> bool:
    """Strategists and hub members (and superusers): the center of excellence."""
    return scope_for(user).is_hub


def can_manage_org(user: AnyUser) -> bool:
    """Only the strategist (hub lead) and superusers change units and memberships."""
    return scope_for(user).is_strategist


def can_read_dashboards(user: AnyUser) -> bool:
    """Executives, the hub and spoke leads read outcome dashboards."""
    scope = scope_for(user)
    return scope.is_hub or bool(scope.roles & {Role.EXECUTIVE, Role.SPOKE_LEAD})


def can_read_governance(user: AnyUser) -> bool:
    """The hub and auditors read the governance registry and audit log."""
    scope = scope_for(user)
    return scope.is_hub or Role.AUDITOR in scope.roles


def has_role(user: AnyUser, *roles: str) -> bool:
    scope = scope_for(user)
    return scope.is_superuser or bool(scope.roles & set(roles))


def is_member(user: AnyUser) -> bool:
    """Has any membership at all (or is a superuser): may use the product."""
    scope = scope_for(user)
    return scope.is_superuser or bool(scope.roles)


def require_member(user: AnyUser) -> None:
    """Raise PermissionDenied unless this person belongs to the program (or is a superuser)."""
    if not is_member(user):
        raise PermissionDenied("You are not a member of this company's program.")


def unit_filter(user: AnyUser, field: str = "unit", *, act: bool = False) -> Q:
    """A Q object limiting a queryset on `field` (a Unit foreign key) to this person's units."""
    scope = scope_for(user)
    ids = scope.act_unit_ids if act else scope.view_unit_ids
    return Q(**{f"{field}__in": ids})
