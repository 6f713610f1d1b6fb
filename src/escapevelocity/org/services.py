"""Every write to the organization: one function per business action, keyword-only arguments.

Each checks permission and validity before it writes, raises django.core.exceptions.
ValidationError with a {field: [message]} dict on bad input or PermissionDenied when the actor
may not act, and writes inside one transaction, so nothing is ever half-written.
"""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email, validate_slug
from django.db import transaction
from django.utils import timezone

from escapevelocity.org import permissions
from escapevelocity.org.models import (
    ApiToken,
    Company,
    Membership,
    OrgModel,
    Role,
    Unit,
    UnitFunction,
    UnitKind,
)

TOKEN_PREFIX = "ev_"  # noqa: S105 -- a marker, not a secret


def _require_manager(actor: Any) -> None:
    if not permissions.can_manage_org(actor):
        raise PermissionDenied("Only the strategist (hub lead) may change the organization.")


def _check_choice(errors: dict[str, list[str]], field: str, value: str, choices: Any) -> None:
    if value not in choices.values:
        allowed = ", ".join(choices.values)
        errors.setdefault(field, []).append(f"'{value}' is not one of: {allowed}.")


def company_get() -> Company:
    """The company this installation runs. Created empty on first use."""
    company = Company.objects.order_by("id").first()
    if company is None:
        company = Company.objects.create(name="Our company")
    return company


@transaction.atomic
def company_update(*, actor: Any, name: str, org_model: str) -> Company:
    _require_manager(actor)
    company = company_get()
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = ["The company needs a name."]
    _check_choice(errors, "org_model", org_model, OrgModel)
    if not errors and org_model != OrgModel.MULTIPLE_HUB_AND_SPOKE:
        hubs = company.units.filter(kind=UnitKind.HUB, archived=False).count()
        if hubs > 1:
            errors["org_model"] = [
                f"The company has {hubs} hubs; only multiple hub and spoke allows more than one. "
                "Archive the extra hubs first."
            ]
    if errors:
        raise ValidationError(errors)
    company.name = name.strip()
    company.org_model = org_model
    company.save()
    return company


def _validate_unit(
    errors: dict[str, list[str]],
    *,
    company: Company,
    kind: str,
    function: str,
    region: Unit | None,
    hub: Unit | None,
    exclude_id: int | None,
) -> None:
    _check_choice(errors, "kind", kind, UnitKind)
    if kind == UnitKind.SPOKE:
        if not function:
            errors.setdefault("function", []).append("A spoke needs a function.")
        else:
            _check_choice(errors, "function", function, UnitFunction)
    elif function:
        errors.setdefault("function", []).append("Only spokes have a function.")
    if region is not None and region.kind != UnitKind.REGION:
        errors.setdefault("region", []).append(f"'{region.key}' is not a region.")
    if hub is not None and hub.kind != UnitKind.HUB:
        errors.setdefault("hub", []).append(f"'{hub.key}' is not a hub.")
    if kind == UnitKind.HUB and not company.allows_several_hubs:
        others = company.units.filter(kind=UnitKind.HUB, archived=False)
        if exclude_id is not None:
            others = others.exclude(id=exclude_id)
        if others.exists():
            errors.setdefault("kind", []).append(
                f"A {company.get_org_model_display()} company has one hub; "
                "switch to multiple hub and spoke to add another."
            )


@transaction.atomic
def unit_create(
    *,
    actor: Any,
    key: str,
    name: str,
    kind: str,
    function: str = "",
    region: Unit | None = None,
    hub: Unit | None = None,
    description: str = "",
) -> Unit:
    _require_manager(actor)
    company = company_get()
    errors: dict[str, list[str]] = {}
    try:
        validate_slug(key)
    except ValidationError:
        errors["key"] = ["Use letters, numbers, hyphens or underscores."]
    if not errors and company.units.filter(key=key).exists():
        errors["key"] = [f"A unit with key '{key}' exists already."]
    if not name.strip():
        errors["name"] = ["The unit needs a name."]
    _validate_unit(
        errors,
        company=company,
        kind=kind,
        function=function,
        region=region,
        hub=hub,
        exclude_id=None,
    )
    if errors:
        raise ValidationError(errors)
    if hub is None and kind == UnitKind.SPOKE and not company.allows_several_hubs:
        hub = company.units.filter(kind=UnitKind.HUB, archived=False).first()
    unit = Unit.objects.create(
        company=company,
        key=key,
        name=name.strip(),
        kind=kind,
        function=function,
        region=region,
        hub=hub,
        description=description,
    )
    permissions.forget_scope(actor)
    return unit


@transaction.atomic
def unit_update(
    *,
    actor: Any,
    unit: Unit,
    name: str,
    function: str,
    region: Unit | None,
    hub: Unit | None,
    description: str,
    archived: bool = False,
) -> Unit:
    _require_manager(actor)
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = ["The unit needs a name."]
    if region is not None and region.pk == unit.pk:
        errors["region"] = ["A unit cannot be its own region."]
    _validate_unit(
        errors,
        company=unit.company,
        kind=unit.kind,
        function=function,
        region=region,
        hub=hub,
        exclude_id=unit.pk,
    )
    if errors:
        raise ValidationError(errors)
    unit.name = name.strip()
    unit.function = function
    unit.region = region
    unit.hub = hub
    unit.description = description
    unit.archived = archived
    unit.save()
    return unit


@transaction.atomic
def person_create(
    *,
    actor: Any,
    username: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    password: str | None = None,
) -> AbstractUser:
    """Create a person. Without a password they cannot log in until one is set."""
    _require_manager(actor)
    user_model = get_user_model()
    errors: dict[str, list[str]] = {}
    username = username.strip()
    if not username:
        errors["username"] = ["A username is required."]
    elif len(username) > 150:
        errors["username"] = ["At most 150 characters."]
    elif user_model.objects.filter(username__iexact=username).exists():
        errors["username"] = [f"'{username}' is taken."]
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = [f"'{email}' is not an email address."]
    if password is not None:
        candidate = user_model(username=username, email=email)
        try:
            validate_password(password, candidate)
        except ValidationError as exc:
            errors["password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    user = user_model.objects.create_user(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        password=password,
    )
    return user


@transaction.atomic
def membership_set(
    *, actor: Any, user: Any, unit: Unit, role: str, weekly_hours: Decimal | float = 40
) -> Membership:
    """Give a person a role in a unit (or change the role they have there)."""
    _require_manager(actor)
    errors: dict[str, list[str]] = {}
    _check_choice(errors, "role", role, Role)
    hub_roles = {Role.STRATEGIST, Role.HUB_MEMBER}
    if role in hub_roles and unit.kind != UnitKind.HUB:
        errors.setdefault("role", []).append("Strategists and hub members belong to a hub.")
    if role in {Role.SPOKE_LEAD, Role.AGENT} and unit.kind == UnitKind.HUB:
        errors.setdefault("role", []).append("Spoke leads and agents belong to a spoke or region.")
    hours = Decimal(str(weekly_hours))
    if hours < 0 or hours > 80:
        errors["weekly_hours"] = ["Between 0 and 80 hours a week."]
    if errors:
        raise ValidationError(errors)
    membership, _created = Membership.objects.update_or_create(
        user=user, unit=unit, defaults={"role": role, "weekly_hours": hours}
    )
    permissions.forget_scope(user)
    return membership


@transaction.atomic
def membership_remove(*, actor: Any, membership: Membership) -> None:
    _require_manager(actor)
    if membership.user_id == getattr(actor, "pk", None) and membership.role == Role.STRATEGIST:
        strategists = Membership.objects.filter(role=Role.STRATEGIST).count()
        if strategists <= 1:
            raise ValidationError({"role": ["You are the last strategist; name another first."]})
    membership.delete()
    permissions.forget_scope(membership.user)


def token_create(*, user: Any, name: str) -> tuple[ApiToken, str]:
    """Create an API token; return it and the secret, which is never stored or shown again."""
    if not name.strip():
        raise ValidationError({"name": ["Name the token after where it will be used."]})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name.strip()[:100], prefix=raw[:10], digest=ApiToken.digest_of(raw)
    )
    return token, raw


def token_revoke(*, user: Any, token: ApiToken) -> None:
    if token.user_id != user.pk:
        raise PermissionDenied("That token is not yours.")
    ApiToken.objects.filter(pk=token.pk, revoked__isnull=True).update(revoked=timezone.now())


def token_authenticate(raw: str) -> Any | None:
    """Return the active user owning this token, or None. Records when it was last used."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=ApiToken.digest_of(raw), revoked__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used is None or (now - token.last_used).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used=now)
    return token.user
