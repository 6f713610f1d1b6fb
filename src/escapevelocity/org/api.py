"""Organization endpoints: the company, units, people and memberships."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from escapevelocity.org import permissions, selectors, services
from escapevelocity.org.models import Membership, OrgModel, Role, Unit, UnitKind

router = Router()


class StrictIn(Schema):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CompanyOut(Schema):
    name: str
    org_model: str
    allows_several_hubs: bool
    any_trained_employee_may_act: bool


class CompanyIn(StrictIn):
    name: str = Field(min_length=1, max_length=200)
    org_model: OrgModel


class UnitOut(Schema):
    key: str
    name: str
    kind: str
    function: str
    region: str | None
    hub: str | None
    description: str
    archived: bool


class UnitCreateIn(StrictIn):
    key: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    kind: UnitKind
    function: str = Field("", max_length=32)
    region: str | None = None
    hub: str | None = None
    description: str = Field("", max_length=5000)


class UnitUpdateIn(StrictIn):
    name: str | None = Field(None, min_length=1, max_length=200)
    function: str | None = Field(None, max_length=32)
    region: str | None = None
    hub: str | None = None
    description: str | None = Field(None, max_length=5000)
    archived: bool | None = None


class MembershipOut(Schema):
    id: int
    username: str
    unit: str
    role: str
    weekly_hours: float


class PersonOut(Schema):
    username: str
    email: str
    first_name: str
    last_name: str
    memberships: list[MembershipOut]


class PersonIn(StrictIn):
    username: str = Field(min_length=1, max_length=150)
    email: str = Field("", max_length=254)
    first_name: str = Field("", max_length=150)
    last_name: str = Field("", max_length=150)
    password: str | None = Field(None, min_length=1, max_length=256)


class MembershipIn(StrictIn):
    username: str
    unit: str
    role: Role
    weekly_hours: Decimal = Field(Decimal(40), ge=0, le=80)


class MeOut(Schema):
    username: str
    roles: list[str]
    is_hub: bool
    can_manage_org: bool
    visible_units: list[str]
    actable_units: list[str]


def _unit_out(unit: Unit) -> dict[str, Any]:
    return {
        "key": unit.key,
        "name": unit.name,
        "kind": unit.kind,
        "function": unit.function,
        "region": unit.region.key if unit.region else None,
        "hub": unit.hub.key if unit.hub else None,
        "description": unit.description,
        "archived": unit.archived,
    }


def _membership_out(m: Membership) -> dict[str, Any]:
    return {
        "id": m.pk,
        "username": m.user.username,
        "unit": m.unit.key,
        "role": m.role,
        "weekly_hours": float(m.weekly_hours),
    }


def _unit_by_key(key: str | None, field: str) -> Unit | None:
    if key is None or key == "":
        return None
    unit = Unit.objects.filter(key=key).first()
    if unit is None:
        raise ValidationError({field: [f"No unit with key '{key}'."]})
    return unit


def _company_out() -> dict[str, Any]:
    company = services.company_get()
    return {
        "name": company.name,
        "org_model": company.org_model,
        "allows_several_hubs": company.allows_several_hubs,
        "any_trained_employee_may_act": company.any_trained_employee_may_act,
    }


@router.get("/me", response=MeOut)
def me(request: HttpRequest) -> dict[str, Any]:
    scope = permissions.scope_for(request.user)
    keys = dict(Unit.objects.values_list("id", "key"))
    return {
        "username": request.user.get_username(),
        "roles": sorted(scope.roles),
        "is_hub": scope.is_hub,
        "can_manage_org": scope.is_strategist,
        "visible_units": sorted(keys[i] for i in scope.view_unit_ids if i in keys),
        "actable_units": sorted(keys[i] for i in scope.act_unit_ids if i in keys),
    }


@router.get("/company", response=CompanyOut)
def company_read(request: HttpRequest) -> dict[str, Any]:
    permissions.require_member(request.user)
    return _company_out()


@router.put("/company", response=CompanyOut)
def company_write(request: HttpRequest, payload: CompanyIn) -> dict[str, Any]:
    services.company_update(actor=request.user, name=payload.name, org_model=payload.org_model)
    return _company_out()


@router.get("/units", response=list[UnitOut])
def units_read(request: HttpRequest, include_archived: bool = False) -> list[dict[str, Any]]:
    permissions.require_member(request.user)
    return [_unit_out(u) for u in selectors.units_list(include_archived=include_archived)]


@router.post("/units", response={201: UnitOut})
def units_create(request: HttpRequest, payload: UnitCreateIn) -> Status[dict[str, Any]]:
    if not permissions.can_manage_org(request.user):
        raise PermissionDenied("Only the strategist (hub lead) may change the organization.")
    unit = services.unit_create(
        actor=request.user,
        key=payload.key,
        name=payload.name,
        kind=payload.kind,
        function=payload.function,
        region=_unit_by_key(payload.region, "region"),
        hub=_unit_by_key(payload.hub, "hub"),
        description=payload.description,
    )
    return Status(201, _unit_out(unit))


@router.get("/units/{key}", response=UnitOut)
def unit_read(request: HttpRequest, key: str) -> dict[str, Any]:
    permissions.require_member(request.user)
    return _unit_out(get_object_or_404(selectors.units_list(include_archived=True), key=key))


@router.patch("/units/{key}", response=UnitOut)
def unit_write(request: HttpRequest, key: str, payload: UnitUpdateIn) -> dict[str, Any]:
    if not permissions.can_manage_org(request.user):
        raise PermissionDenied("Only the strategist (hub lead) may change the organization.")
    unit = get_object_or_404(Unit, key=key)
    given = payload.model_fields_set
    unit = services.unit_update(
        actor=request.user,
        unit=unit,
        name=payload.name if payload.name is not None else unit.name,
        function=payload.function if payload.function is not None else unit.function,
        region=_unit_by_key(payload.region, "region") if "region" in given else unit.region,
        hub=_unit_by_key(payload.hub, "hub") if "hub" in given else unit.hub,
        description=payload.description if payload.description is not None else unit.description,
        archived=payload.archived if payload.archived is not None else unit.archived,
    )
    return _unit_out(unit)


@router.get("/people", response=list[PersonOut])
def people_read(request: HttpRequest) -> list[dict[str, Any]]:
    permissions.require_member(request.user)
    return [
        {
            "username": p.username,
            "email": p.email,
            "first_name": p.first_name,
            "last_name": p.last_name,
            "memberships": [_membership_out(m) for m in p.memberships.all()],
        }
        for p in selectors.people_list()
    ]


@router.post("/people", response={201: PersonOut})
def people_create(request: HttpRequest, payload: PersonIn) -> Status[dict[str, Any]]:
    user = services.person_create(
        actor=request.user,
        username=payload.username,
        email=payload.email,
        first_name=payload.first_name,
        last_name=payload.last_name,
        password=payload.password,
    )
    return Status(
        201,
        {
            "username": user.username,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "memberships": [],
        },
    )


@router.get("/memberships", response=list[MembershipOut])
def memberships_read(request: HttpRequest) -> list[dict[str, Any]]:
    permissions.require_member(request.user)
    qs = Membership.objects.select_related("user", "unit").order_by("unit__name", "user__username")
    return [_membership_out(m) for m in qs]


@router.post("/memberships", response={201: MembershipOut})
def memberships_create(request: HttpRequest, payload: MembershipIn) -> Status[dict[str, Any]]:
    if not permissions.can_manage_org(request.user):
        raise PermissionDenied("Only the strategist (hub lead) may change the organization.")
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=payload.username).first()
    if user is None:
        raise ValidationError({"username": [f"No person with username '{payload.username}'."]})
    unit = _unit_by_key(payload.unit, "unit")
    assert unit is not None
    membership = services.membership_set(
        actor=request.user,
        user=user,
        unit=unit,
        role=payload.role,
        weekly_hours=payload.weekly_hours,
    )
    return Status(201, _membership_out(membership))


@router.delete("/memberships/{membership_id}", response={204: None})
def memberships_delete(request: HttpRequest, membership_id: int) -> Status[None]:
    if not permissions.can_manage_org(request.user):
        raise PermissionDenied("Only the strategist (hub lead) may change the organization.")
    membership = get_object_or_404(Membership, pk=membership_id)
    services.membership_remove(actor=request.user, membership=membership)
    return Status(204, None)
