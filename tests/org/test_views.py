from typing import Any

import pytest
from django.test import Client

from escapevelocity.org.models import Membership, Unit
from tests.conftest import Org

EDIT_PAGES = [
    "/org/company/",
    "/org/units/new/",
    "/org/units/care/",
    "/org/people/new/",
    "/org/memberships/new/",
]


def test_it_shows_the_organization_to_every_member(org: Org) -> None:
    for user in (org.alice, org.bob, org.charlie):
        r = org.client(user).get("/org/")
        assert r.status_code == 200
        assert b"Care" in r.content
    assert b"New unit" in org.client(org.alice).get("/org/").content
    assert b"New unit" not in org.client(org.bob).get("/org/").content


def test_it_refuses_the_organization_to_non_members_and_strangers(org: Org) -> None:
    assert org.client(org.nobody).get("/org/").status_code == 403
    r = Client().get("/org/")
    assert r.status_code == 302
    assert r["Location"].startswith("/login/")


@pytest.mark.parametrize("path", EDIT_PAGES)
def test_it_guards_every_edit_page(org: Org, path: str) -> None:
    assert org.client(org.alice).get(path).status_code == 200
    for user in (org.bob, org.charlie, org.nobody):
        assert org.client(user).get(path).status_code == 403
        assert org.client(user).post(path, {"name": "Hacked"}).status_code == 403
    assert Unit.objects.get(key="care").name == "Care"


def test_it_creates_a_unit_from_the_form(org: Org) -> None:
    r = org.client(org.alice).post(
        "/org/units/new/",
        {"key": "sales", "name": "Sales", "kind": "spoke", "function": "sales", "region": "emea"},
    )
    assert r.status_code == 302
    assert Unit.objects.get(key="sales").region == org.region


def test_it_shows_field_errors_and_writes_nothing(org: Org) -> None:
    r = org.client(org.alice).post(
        "/org/units/new/", {"key": "sales", "name": "Sales", "kind": "spoke", "function": ""}
    )
    assert r.status_code == 422
    assert b"A spoke needs a function." in r.content
    assert not Unit.objects.filter(key="sales").exists()


def test_it_edits_and_archives_a_unit(org: Org) -> None:
    r = org.client(org.alice).post(
        "/org/units/care/",
        {
            "name": "Customer Care",
            "function": "customer_care",
            "region": "emea",
            "hub": "hub",
            "description": "",
            "archived": "on",
        },
    )
    assert r.status_code == 302
    care = Unit.objects.get(key="care")
    assert care.name == "Customer Care"
    assert care.archived


def test_it_adds_a_person_and_gives_them_a_role(org: Org) -> None:
    client = org.client(org.alice)
    r = client.post("/org/people/new/", {"username": "dora", "password": "a-long-passphrase-ok"})
    assert r.status_code == 302
    r = client.post(
        "/org/memberships/new/",
        {"username": "dora", "unit": "care", "role": "agent", "weekly_hours": "20"},
    )
    assert r.status_code == 302
    assert Membership.objects.get(user__username="dora").weekly_hours == 20


def test_it_names_an_unknown_person(org: Org) -> None:
    r = org.client(org.alice).post(
        "/org/memberships/new/",
        {"username": "ghost", "unit": "care", "role": "agent", "weekly_hours": "20"},
    )
    assert r.status_code == 422
    assert b"No person with username" in r.content


def test_it_removes_a_role_only_for_the_strategist(org: Org) -> None:
    membership = Membership.objects.get(user=org.bob)
    path = f"/org/memberships/{membership.pk}/remove/"
    assert org.client(org.charlie).post(path).status_code == 403
    assert org.client(org.bob).post(path).status_code == 403
    assert org.client(org.alice).post(path).status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_it_escapes_names_people_typed(org: Org) -> None:
    Unit.objects.filter(key="care").update(name="<script>alert(1)</script>")
    r = org.client(org.alice).get("/org/")
    assert b"<script>alert(1)</script>" not in r.content
    assert b"&lt;script&gt;" in r.content


def test_it_renders_the_org_page_in_a_constant_number_of_queries(
    org: Org, django_assert_max_num_queries: Any
) -> None:
    from escapevelocity.org import services
    from tests.conftest import make_user

    for i in range(20):
        services.membership_set(
            actor=org.alice, user=make_user(f"p{i}"), unit=org.care, role="agent"
        )
    client = org.client(org.alice)
    with django_assert_max_num_queries(12):
        assert client.get("/org/").status_code == 200
