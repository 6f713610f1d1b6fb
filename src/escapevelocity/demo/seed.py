"""The demo company: Lumen Telecom, a hub-and-spoke program of realistic size.

Each feature adds its demo data through a function in SEEDERS, run in order after the
organization exists. Every seeder must be idempotent: `ev demo` run twice reuses what exists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from escapevelocity.org import permissions, services
from escapevelocity.org.models import OrgModel, Role, Unit, UnitFunction, UnitKind

DEMO_PASSWORD = "escape-velocity-demo"  # noqa: S105 -- printed for the local demo on purpose


@dataclass(frozen=True)
class DemoPerson:
    username: str
    first_name: str
    last_name: str
    unit: str
    role: str
    hours: int = 40


UNITS: list[tuple[str, str, str, str, str]] = [
    # key, name, kind, function, region
    ("social-hub", "Social Center of Excellence", UnitKind.HUB, "", ""),
    ("north-america", "North America", UnitKind.REGION, "", ""),
    ("europe", "Europe", UnitKind.REGION, "", ""),
    (
        "care-na",
        "Customer Care North America",
        UnitKind.SPOKE,
        UnitFunction.CUSTOMER_CARE,
        "north-america",
    ),
    ("care-eu", "Customer Care Europe", UnitKind.SPOKE, UnitFunction.CUSTOMER_CARE, "europe"),
    ("product", "Product Management", UnitKind.SPOKE, UnitFunction.PRODUCT, ""),
    ("sales", "Sales", UnitKind.SPOKE, UnitFunction.SALES, "north-america"),
    ("marketing", "Brand Marketing", UnitKind.SPOKE, UnitFunction.MARKETING, ""),
    ("comms", "Corporate Communications", UnitKind.SPOKE, UnitFunction.COMMUNICATIONS, ""),
    ("legal", "Legal", UnitKind.SPOKE, UnitFunction.LEGAL, ""),
    ("hr", "People & Recruiting", UnitKind.SPOKE, UnitFunction.HR, "europe"),
]

PEOPLE: list[DemoPerson] = [
    DemoPerson("sam", "Sam", "Okafor", "social-hub", Role.STRATEGIST),
    DemoPerson("hana", "Hana", "Kim", "social-hub", Role.HUB_MEMBER),
    DemoPerson("ivan", "Ivan", "Petrov", "social-hub", Role.HUB_MEMBER, 32),
    DemoPerson("carla", "Carla", "Mendes", "care-na", Role.SPOKE_LEAD),
    DemoPerson("ali", "Ali", "Haddad", "care-na", Role.AGENT),
    DemoPerson("bea", "Beatriz", "Santos", "care-eu", Role.AGENT),
    DemoPerson("jonas", "Jonas", "Weber", "care-eu", Role.SPOKE_LEAD),
    DemoPerson("priya", "Priya", "Nair", "product", Role.SPOKE_LEAD),
    DemoPerson("diego", "Diego", "Alvarez", "sales", Role.SPOKE_LEAD),
    DemoPerson("maya", "Maya", "Cohen", "marketing", Role.SPOKE_LEAD),
    DemoPerson("ruth", "Ruth", "Adeyemi", "comms", Role.SPOKE_LEAD),
    DemoPerson("leo", "Leo", "Fischer", "legal", Role.SPOKE_LEAD, 8),
    DemoPerson("erin", "Erin", "Walsh", "social-hub", Role.EXECUTIVE, 2),
    DemoPerson("otto", "Otto", "Lindqvist", "social-hub", Role.AUDITOR, 4),
]

Seeder = Callable[[], str | None]


def _seeders() -> list[tuple[str, Seeder]]:
    """Each feature's demo data, in dependency order: each app's demo_data.seed()."""
    from escapevelocity.care import demo_data as care
    from escapevelocity.demand import demo_data as demand
    from escapevelocity.governance import demo_data as governance
    from escapevelocity.maturity import demo_data as maturity
    from escapevelocity.outcomes import demo_data as outcomes

    return [
        ("care", care.seed),
        ("demand", demand.seed),
        ("governance", governance.seed),
        ("outcomes", outcomes.seed),
        ("maturity", maturity.seed),
    ]


def demo_exists() -> bool:
    return get_user_model().objects.filter(username="sam").exists()


@transaction.atomic
def seed_org() -> None:
    installer = permissions.system_actor()
    services.company_get()
    services.company_update(actor=installer, name="Lumen Telecom", org_model=OrgModel.HUB_AND_SPOKE)
    for key, name, kind, function, region in UNITS:
        if Unit.objects.filter(key=key).exists():
            continue
        services.unit_create(
            actor=installer,
            key=key,
            name=name,
            kind=kind,
            function=function,
            region=Unit.objects.get(key=region) if region else None,
        )
    user_model = get_user_model()
    for p in PEOPLE:
        user = user_model.objects.filter(username=p.username).first()
        if user is None:
            user = user_model.objects.create_user(
                username=p.username,
                first_name=p.first_name,
                last_name=p.last_name,
                email=f"{p.username}@lumen.example",
                password=DEMO_PASSWORD,
            )
        services.membership_set(
            actor=installer,
            user=user,
            unit=Unit.objects.get(key=p.unit),
            role=p.role,
            weekly_hours=p.hours,
        )


def seed_all(*, log: Callable[[str], None] = lambda _msg: None) -> None:
    seed_org()
    log("organization: 11 units, 14 people")
    for name, seeder in _seeders():
        summary = seeder()
        if summary:
            log(f"{name}: {summary}")
