import json
from typing import Any

import pytest
from django.test import Client

from escapevelocity.org.models import Membership, Unit
from tests.conftest import Org

JSON = "application/json"


def bearer(org: Org, user: Any) -> Client:
    return Client(headers={"Authorization": f"Bearer {org.token(user)}"})


def post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, data=json.dumps(body), content_type=JSON)


def fields_of(response: Any) -> set[str]:
    return {d["loc"][-1] for d in response.json()["detail"]}


READS = [
    "/api/org/company",
    "/api/org/units",
    "/api/org/units/care",
    "/api/org/people",
    "/api/org/memberships",
]


@pytest.mark.parametrize("path", READS)
def test_it_lets_members_read_and_refuses_others(org: Org, path: str) -> None:
    assert bearer(org, org.alice).get(path).status_code == 200
    assert bearer(org, org.bob).get(path).status_code == 200
    assert bearer(org, org.charlie).get(path).status_code == 200
    assert bearer(org, org.nobody).get(path).status_code == 403
    assert Client().get(path).status_code == 401


def test_it_refuses_a_bad_or_revoked_token(org: Org) -> None:
    assert Client(headers={"Authorization": "Bearer ev_nope"}).get(READS[0]).status_code == 401
    from escapevelocity.org import services
    from escapevelocity.org.models import ApiToken

    raw = org.token(org.alice)
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    assert client.get(READS[0]).status_code == 200
    token = ApiToken.objects.get(digest=ApiToken.digest_of(raw))
    services.token_revoke(user=org.alice, token=token)
    assert client.get(READS[0]).status_code == 401


def test_it_stores_only_the_digest_of_a_token(org: Org) -> None:
    from escapevelocity.org.models import ApiToken

    raw = org.token(org.alice)
    assert not ApiToken.objects.filter(digest=raw).exists()
    assert ApiToken.objects.filter(digest=ApiToken.digest_of(raw)).exists()


def test_it_lets_the_strategist_create_a_unit(org: Org) -> None:
    r = post(
        bearer(org, org.alice),
        "/api/org/units",
        {"key": "sales", "name": "Sales", "kind": "spoke", "function": "sales", "region": "emea"},
    )
    assert r.status_code == 201, r.content
    assert r.json()["region"] == "emea"
    assert r.json()["hub"] == "hub"


@pytest.mark.parametrize("user", ["bob", "charlie", "nobody"])
def test_it_refuses_unit_changes_from_anyone_but_the_strategist(org: Org, user: str) -> None:
    client = bearer(org, getattr(org, user))
    r = post(client, "/api/org/units", {"key": "x", "name": "X", "kind": "spoke", "function": "it"})
    assert r.status_code == 403
    r = client.patch("/api/org/units/care", data=json.dumps({"name": "Hacked"}), content_type=JSON)
    assert r.status_code == 403
    assert not Unit.objects.filter(key="x").exists()
    assert Unit.objects.get(key="care").name == "Care"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"key": "bad key!", "name": "X", "kind": "spoke", "function": "it"}, "key"),
        ({"key": "care", "name": "X", "kind": "spoke", "function": "it"}, "key"),
        ({"key": "x", "name": "", "kind": "spoke", "function": "it"}, "name"),
        ({"key": "x", "name": "X", "kind": "planet", "function": "it"}, "kind"),
        ({"key": "x", "name": "X", "kind": "spoke"}, "function"),
        ({"key": "x", "name": "X", "kind": "spoke", "function": "astrology"}, "function"),
        ({"key": "x", "name": "X", "kind": "region", "function": "it"}, "function"),
        ({"key": "x", "name": "X", "kind": "spoke", "function": "it", "region": "care"}, "region"),
        ({"key": "x", "name": "X", "kind": "spoke", "function": "it", "region": "mars"}, "region"),
        ({"key": "x", "name": "X", "kind": "spoke", "function": "it", "hub": "care"}, "hub"),
        ({"key": "x", "name": "X", "kind": "spoke", "function": "it", "colour": "red"}, "colour"),
        ({"name": "X", "kind": "spoke", "function": "it"}, "key"),
    ],
)
def test_it_names_the_field_of_bad_unit_input(org: Org, body: dict[str, Any], field: str) -> None:
    before = Unit.objects.count()
    r = post(bearer(org, org.alice), "/api/org/units", body)
    assert r.status_code == 422, r.content
    assert field in fields_of(r)
    assert Unit.objects.count() == before


def test_it_updates_only_the_fields_given(org: Org) -> None:
    r = bearer(org, org.alice).patch(
        "/api/org/units/care", data=json.dumps({"name": "Customer Care"}), content_type=JSON
    )
    assert r.status_code == 200
    care = Unit.objects.get(key="care")
    assert care.name == "Customer Care"
    assert care.region == org.region


def test_it_rejects_malformed_json_with_a_4xx(org: Org) -> None:
    r = bearer(org, org.alice).post("/api/org/units", data="{not json", content_type=JSON)
    assert 400 <= r.status_code < 500


def test_it_creates_people_and_memberships(org: Org) -> None:
    client = bearer(org, org.alice)
    r = post(
        client,
        "/api/org/people",
        {"username": "dora", "email": "dora@example.com", "password": "a-long-enough-passphrase"},
    )
    assert r.status_code == 201, r.content
    r = post(
        client,
        "/api/org/memberships",
        {"username": "dora", "unit": "care", "role": "spoke_lead", "weekly_hours": 30},
    )
    assert r.status_code == 201, r.content
    assert Membership.objects.get(user__username="dora").role == "spoke_lead"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "alice"}, "username"),
        ({"username": "dora", "email": "not-an-email"}, "email"),
        ({"username": "dora", "password": "123"}, "password"),
        ({"username": ""}, "username"),
    ],
)
def test_it_names_the_field_of_bad_person_input(org: Org, body: dict[str, Any], field: str) -> None:
    from django.contrib.auth import get_user_model

    before = get_user_model().objects.count()
    r = post(bearer(org, org.alice), "/api/org/people", body)
    assert r.status_code == 422, r.content
    assert field in fields_of(r)
    assert get_user_model().objects.count() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "ghost", "unit": "care", "role": "agent"}, "username"),
        ({"username": "charlie", "unit": "nowhere", "role": "agent"}, "unit"),
        ({"username": "charlie", "unit": "care", "role": "king"}, "role"),
        ({"username": "charlie", "unit": "care", "role": "strategist"}, "role"),
        ({"username": "charlie", "unit": "hub", "role": "agent"}, "role"),
        (
            {"username": "charlie", "unit": "care", "role": "agent", "weekly_hours": 200},
            "weekly_hours",
        ),
    ],
)
def test_it_names_the_field_of_bad_membership_input(
    org: Org, body: dict[str, Any], field: str
) -> None:
    before = Membership.objects.count()
    r = post(bearer(org, org.alice), "/api/org/memberships", body)
    assert r.status_code == 422, r.content
    assert field in fields_of(r)
    assert Membership.objects.count() == before


@pytest.mark.parametrize("user", ["bob", "charlie", "nobody"])
def test_it_refuses_people_and_membership_changes_from_others(org: Org, user: str) -> None:
    client = bearer(org, getattr(org, user))
    assert post(client, "/api/org/people", {"username": "eve"}).status_code == 403
    r = post(
        client, "/api/org/memberships", {"username": user, "unit": "hub", "role": "strategist"}
    )
    assert r.status_code == 403
    membership = Membership.objects.get(user=org.bob)
    assert client.delete(f"/api/org/memberships/{membership.pk}").status_code == 403
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_it_removes_a_membership_for_the_strategist(org: Org) -> None:
    membership = Membership.objects.get(user=org.bob)
    r = bearer(org, org.alice).delete(f"/api/org/memberships/{membership.pk}")
    assert r.status_code == 204
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_it_changes_the_company_model_and_refuses_bad_values(org: Org) -> None:
    client = bearer(org, org.alice)
    r = client.put(
        "/api/org/company", data=json.dumps({"name": "X", "org_model": "chaos"}), content_type=JSON
    )
    assert r.status_code == 422
    assert "org_model" in fields_of(r)
    r = client.put(
        "/api/org/company",
        data=json.dumps({"name": "New Co", "org_model": "centralized"}),
        content_type=JSON,
    )
    assert r.status_code == 200
    assert r.json()["org_model"] == "centralized"
    r = bearer(org, org.bob).put(
        "/api/org/company",
        data=json.dumps({"name": "Mine", "org_model": "organic"}),
        content_type=JSON,
    )
    assert r.status_code == 403


def test_it_answers_me_with_the_persons_scope(org: Org) -> None:
    me = bearer(org, org.bob).get("/api/org/me").json()
    assert me["actable_units"] == ["care"]
    assert me["is_hub"] is False
    assert bearer(org, org.alice).get("/api/org/me").json()["can_manage_org"] is True


def test_it_needs_csrf_for_session_writes(org: Org) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.alice)
    r = post(client, "/api/org/units", {"key": "x", "name": "X", "kind": "spoke", "function": "it"})
    assert r.status_code == 403
    assert not Unit.objects.filter(key="x").exists()


def test_it_lists_people_in_a_constant_number_of_queries(
    org: Org, django_assert_max_num_queries: Any
) -> None:
    from escapevelocity.org import services
    from tests.conftest import make_user

    for i in range(15):
        services.membership_set(
            actor=org.alice, user=make_user(f"p{i}"), unit=org.care, role="agent"
        )
    client = Client()
    client.force_login(org.alice)
    with django_assert_max_num_queries(8):
        assert client.get("/api/org/people").status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get("/api/org/memberships").status_code == 200


def test_it_serves_the_openapi_docs(org: Org) -> None:
    client = Client()
    assert client.get("/api/openapi.json").status_code == 200
