"""Governance fixtures on top of the shared `org` cast (alice owner, bob teammate, charlie
outsider, nobody): a spoke lead in care, an auditor, an executive, and a small registry."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from escapevelocity.governance import services
from escapevelocity.governance.models import Account, ModuleKind, TrainingModule
from escapevelocity.org import permissions
from escapevelocity.org import services as org_services
from escapevelocity.org.models import Role
from tests.conftest import Org, make_user


@dataclass
class Gov:
    org: Org
    lead: Any
    auditor: Any
    executive: Any
    care_account: Account
    product_account: Account
    found: Account
    modules: list[TrainingModule]

    def certify(self, user: Any, *, days_ago: int = 1) -> None:
        system = permissions.system_actor()
        when = timezone.now() - dt.timedelta(days=days_ago)
        for m in self.modules:
            services.training_record(actor=system, user=user, module=m, completed_at=when)


@pytest.fixture
def gov(org: Org) -> Gov:
    system = permissions.system_actor()
    lead, auditor, executive = (make_user(n) for n in ("lena", "audrey", "eddie"))
    org_services.membership_set(actor=system, user=lead, unit=org.care, role=Role.SPOKE_LEAD)
    org_services.membership_set(actor=system, user=auditor, unit=org.hub, role=Role.AUDITOR)
    org_services.membership_set(actor=system, user=executive, unit=org.hub, role=Role.EXECUTIVE)
    care_account = services.account_register(
        actor=system,
        network="x",
        handle="TestCoHelp",
        unit=org.care,
        region=org.region,
        owner=lead,
        backup=org.bob,
        purpose="Support",
        last_activity_at=timezone.now(),
        follower_count=1200,
    )
    product_account = services.account_register(
        actor=system,
        network="x",
        handle="TestCoProduct",
        unit=org.product,
        owner=org.charlie,
        last_activity_at=timezone.now(),
    )
    result = services.discover_from_handles(
        actor=system, handles=[("x", "testco_support_uk", "customers tag it")]
    )
    modules = [
        services.training_module_save(actor=system, key=k, title=t, kind=kind, valid_days=365)
        for k, t, kind in [
            ("policy", "Hub policy", ModuleKind.POLICY),
            ("crisis", "Crisis procedure", ModuleKind.CRISIS),
            ("basics", "Platform basics", ModuleKind.PLATFORM),
        ]
    ]
    return Gov(
        org, lead, auditor, executive, care_account, product_account, result.flagged[0], modules
    )
