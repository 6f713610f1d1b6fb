"""Shared fixtures. The permission cast, as in every test of who may do what:

- alice: the owner — strategist of the hub (may do everything in the program);
- bob: a teammate — an agent in the customer-care spoke;
- charlie: an outsider — an agent in another spoke (product), who must not see care's work;
- nobody: logged in, but a member of no unit.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from escapevelocity.org import permissions, services
from escapevelocity.org.models import OrgModel, Role, Unit, UnitFunction, UnitKind

PASSWORD = "correct-horse-battery-staple"

os.environ.setdefault("EV_DEV_SECRET", "1")


@dataclass
class Org:
    hub: Unit
    care: Unit
    product: Unit
    region: Unit
    alice: Any
    bob: Any
    charlie: Any
    nobody: Any

    def client(self, user: Any) -> Client:
        c = Client()
        c.force_login(user)
        return c

    def token(self, user: Any) -> str:
        _token, raw = services.token_create(user=user, name="tests")
        return raw


def make_user(username: str) -> Any:
    return get_user_model().objects.create_user(
        username=username, email=f"{username}@example.com", password=PASSWORD
    )


@pytest.fixture(autouse=True)
def _no_frozen_heap() -> Iterator[None]:
    # `ev import` freezes the collector's view of its process (care.services.warm_up); in the
    # test process that would outlive the test.
    yield
    if gc.get_freeze_count():
        gc.unfreeze()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # PBKDF2's deliberate slowness is for production; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def org(db: Any) -> Org:
    system = permissions.system_actor()
    services.company_update(actor=system, name="Test Co", org_model=OrgModel.HUB_AND_SPOKE)
    hub = services.unit_create(actor=system, key="hub", name="Hub", kind=UnitKind.HUB)
    region = services.unit_create(actor=system, key="emea", name="EMEA", kind=UnitKind.REGION)
    care = services.unit_create(
        actor=system,
        key="care",
        name="Care",
        kind=UnitKind.SPOKE,
        function=UnitFunction.CUSTOMER_CARE,
        region=region,
    )
    product = services.unit_create(
        actor=system,
        key="product",
        name="Product",
        kind=UnitKind.SPOKE,
        function=UnitFunction.PRODUCT,
    )
    alice, bob, charlie, nobody = (make_user(n) for n in ("alice", "bob", "charlie", "nobody"))
    services.membership_set(actor=system, user=alice, unit=hub, role=Role.STRATEGIST)
    services.membership_set(actor=system, user=bob, unit=care, role=Role.AGENT)
    services.membership_set(actor=system, user=charlie, unit=product, role=Role.AGENT)
    return Org(hub, care, product, region, alice, bob, charlie, nobody)
