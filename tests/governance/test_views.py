"""Governance pages: who sees what, who changes what, bad input named, lists in constant queries.

The cast: alice owns (hub strategist), bob is a teammate (agent in care), charlie an outsider
(agent in product), lena leads the care spoke, audrey audits, eddie is an executive, nobody
belongs to no unit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from escapevelocity.governance import services
from escapevelocity.governance.models import Account, AccountGrant, AccountStatus, AuditEntry
from escapevelocity.org import permissions
from tests.governance.conftest import Gov

ALL = ["alice", "audrey", "eddie", "lena", "bob", "charlie", "nobody"]


def _user(gov: Gov, name: str) -> Any:
    return {
        "alice": gov.org.alice,
        "bob": gov.org.bob,
        "charlie": gov.org.charlie,
        "nobody": gov.org.nobody,
        "lena": gov.lead,
        "audrey": gov.auditor,
        "eddie": gov.executive,
    }[name]


def _client(gov: Gov, name: str) -> Client:
    return gov.org.client(_user(gov, name))


def _statuses(gov: Gov, url: str) -> dict[str, int]:
    return {name: _client(gov, name).get(url).status_code for name in ALL}


def test_it_shows_the_registry_to_each_reader_as_far_as_they_may_see(gov: Gov) -> None:
    assert _statuses(gov, "/governance/") == {
        "alice": 200, "audrey": 200, "eddie": 200, "lena": 200, "bob": 200, "charlie": 200,
        "nobody": 403,
    }  # fmt: skip
    seen = {
        name: _client(gov, name).get("/governance/").content.decode()
        for name in ("alice", "audrey", "lena", "bob", "charlie")
    }
    for name in ("alice", "audrey"):
        assert "TestCoHelp" in seen[name]
        assert "TestCoProduct" in seen[name]
        assert "testco_support_uk" in seen[name]
        assert "average large enterprise: 178" in seen[name].lower()
    for name in ("lena", "bob"):
        assert "TestCoHelp" in seen[name]
        assert "TestCoProduct" not in seen[name]
        assert "testco_support_uk" not in seen[name]
        assert "178" not in seen[name]
    assert "TestCoProduct" in seen["charlie"]
    assert "TestCoHelp" not in seen["charlie"]
    assert "Register an account" in seen["alice"]
    assert "Register an account" not in seen["audrey"]
    assert "reach, not an outcome" in seen["alice"]


def test_it_sends_anonymous_visitors_to_log_in(gov: Gov) -> None:
    for url in ("/governance/", "/governance/audit/", "/governance/training/"):
        response = Client().get(url)
        assert response.status_code == 302
        assert "/login/" in response["Location"]


def test_it_shows_the_benchmarks_beside_the_company_figures(gov: Gov) -> None:
    page = _client(gov, "eddie").get("/governance/").content.decode()
    assert "3</span> accounts known" in page  # two registered, one found
    assert "67%</span> inventoried" in page  # two of three have a unit and an owner
    assert "49%" in page
    assert "26%" in page
    assert "Yes</span> education offered (3 modules" in page


def test_it_shows_an_account_only_to_those_who_may_see_it(gov: Gov) -> None:
    url = f"/governance/accounts/{gov.care_account.pk}/"
    assert _statuses(gov, url) == {
        "alice": 200, "audrey": 200, "eddie": 200, "lena": 200, "bob": 200, "charlie": 404,
        "nobody": 404,
    }  # fmt: skip
    found = f"/governance/accounts/{gov.found.pk}/"
    assert _statuses(gov, found)["bob"] == 404
    page = _client(gov, "alice").get(found).content.decode()
    assert "It is ours: approve it" in page
    assert "It is ours" not in _client(gov, "audrey").get(found).content.decode()


@pytest.mark.parametrize(
    "path",
    ["/governance/accounts/new/", "/governance/discovery/", "/governance/settings/", "EDIT"],
)
def test_it_keeps_the_hub_pages_for_the_hub(gov: Gov, path: str) -> None:
    url = f"/governance/accounts/{gov.care_account.pk}/edit/" if path == "EDIT" else path
    statuses = _statuses(gov, url)
    assert statuses.pop("alice") == 200
    if path == "EDIT":
        assert statuses.pop("charlie") in (403, 404)
        assert statuses.pop("nobody") in (403, 404)
    assert set(statuses.values()) == {403}


@pytest.mark.parametrize("path", ["/governance/audit/", "/governance/consolidations/"])
def test_it_lets_the_hub_auditors_and_executives_read_the_log_and_merges(
    gov: Gov, path: str
) -> None:
    assert _statuses(gov, path) == {
        "alice": 200, "audrey": 200, "eddie": 200, "lena": 403, "bob": 403, "charlie": 403,
        "nobody": 403,
    }  # fmt: skip


def test_it_shows_training_to_every_member(gov: Gov) -> None:
    statuses = _statuses(gov, "/governance/training/")
    assert statuses.pop("nobody") == 403
    assert set(statuses.values()) == {200}
    assert (
        "Record a completion" in _client(gov, "alice").get("/governance/training/").content.decode()
    )
    page = _client(gov, "bob").get("/governance/training/").content.decode()
    assert "Record a completion" not in page
    assert "lena" not in page  # people's certifications are for readers of governance


def _post_everything(gov: Gov, client: Client) -> list[int]:
    """Every changing page, posted with valid input, by one client."""
    care = gov.care_account
    system = permissions.system_actor()
    target = services.account_register(
        actor=system, network="x", handle="TestCo", unit=gov.org.hub, owner=gov.org.alice
    )
    gov.certify(gov.org.bob)
    grant = services.grant_give(actor=system, account=care, user=gov.org.bob, right="reply")
    merge = services.consolidation_start(
        actor=system, source=gov.product_account, target=target, owner=gov.org.alice
    )
    step = merge.steps.order_by("position").first()
    assert step is not None
    other_found = services.discover_from_handles(
        actor=system, handles=[("instagram", "testco.fr", "a reseller")]
    ).flagged[0]
    csv_file = SimpleUploadedFile("found.csv", b"network,handle\nx,TestCoDeals\n", "text/csv")
    return [
        client.post(
            "/governance/accounts/new/",
            {
                "network": "x",
                "handle": "TestCoNew",
                "unit": "hub",
                "owner": "alice",
                "status": "active",
            },
        ).status_code,
        client.post(
            f"/governance/accounts/{care.pk}/edit/",
            {"unit": "care", "owner": "lena", "status": "active", "purpose": "Changed"},
        ).status_code,
        client.post(
            f"/governance/accounts/{gov.found.pk}/approve/", {"unit": "care", "owner": "lena"}
        ).status_code,
        client.post(
            f"/governance/accounts/{other_found.pk}/dismiss/", {"reason": "A reseller"}
        ).status_code,
        client.post(
            f"/governance/accounts/{care.pk}/grants/", {"user": "bob", "right": "publish"}
        ).status_code,
        client.post(f"/governance/accounts/{care.pk}/grants/{grant.pk}/revoke/").status_code,
        client.post(
            f"/governance/accounts/{care.pk}/merge/", {"into": str(target.pk), "owner": "alice"}
        ).status_code,
        client.post(f"/governance/steps/{step.pk}/done/").status_code,
        client.post("/governance/discovery/", {"file": csv_file}).status_code,
        client.post(
            "/governance/training/", {"record": "1", "user": "bob", "module": "policy"}
        ).status_code,
        client.post(
            "/governance/settings/", {"marks": "TestCo", "dormant_after_days": "60"}
        ).status_code,
    ]


def test_it_lets_the_hub_change_everything(gov: Gov) -> None:
    before = AuditEntry.objects.count()
    codes = _post_everything(gov, _client(gov, "alice"))
    assert codes == [302, 302, 302, 302, 302, 302, 302, 302, 200, 302, 302]
    gov.found.refresh_from_db()
    assert gov.found.status == AccountStatus.ACTIVE
    assert Account.objects.filter(handle="TestCoDeals", status="unapproved").exists()
    assert not Account.objects.filter(handle="testco.fr").exists()
    actors = set(AuditEntry.objects.filter(id__gt=before).values_list("actor_name", flat=True))
    assert "alice" in actors


@pytest.mark.parametrize("name", ["audrey", "eddie", "lena", "bob", "charlie", "nobody"])
def test_it_refuses_every_change_to_everyone_else(gov: Gov, name: str) -> None:
    codes = _post_everything(gov, _client(gov, name))
    assert set(codes) <= {403, 404}
    gov.found.refresh_from_db()
    assert gov.found.status == AccountStatus.UNAPPROVED
    assert not Account.objects.filter(handle__in=["TestCoNew", "TestCoDeals"]).exists()
    assert Account.objects.filter(handle="testco.fr", status=AccountStatus.UNAPPROVED).exists()
    assert AccountGrant.objects.count() == 1


def test_it_names_the_bad_fields_when_approving_and_changes_nothing(gov: Gov) -> None:
    client = _client(gov, "alice")
    response = client.post(f"/governance/accounts/{gov.found.pk}/approve/", {"unit": "care"})
    assert response.status_code == 422
    assert "This field is required" in response.content.decode()
    response = client.post(
        f"/governance/accounts/{gov.found.pk}/approve/", {"unit": "care", "owner": "nobody"}
    )
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    gov.found.refresh_from_db()
    assert gov.found.status == AccountStatus.UNAPPROVED


def test_it_refuses_a_right_to_someone_without_certification(gov: Gov) -> None:
    response = _client(gov, "alice").post(
        f"/governance/accounts/{gov.care_account.pk}/grants/", {"user": "bob", "right": "reply"}
    )
    assert response.status_code == 422
    assert "no current certification" in response.content.decode()
    assert not AccountGrant.objects.exists()


def test_it_reports_bad_csv_lines_on_the_discovery_page(gov: Gov) -> None:
    data = b"network,handle,url,evidence\nx,TestCoJobs,,\nmyspace,TestCoOld,,\n"
    response = _client(gov, "alice").post(
        "/governance/discovery/", {"file": SimpleUploadedFile("f.csv", data, "text/csv")}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Line 3: network &#x27;myspace&#x27; is not a known network" in page
    assert "TestCoJobs" in page
    response = _client(gov, "alice").post(
        "/governance/discovery/", {"file": SimpleUploadedFile("f.csv", b"a,b\n1,2\n")}
    )
    assert response.status_code == 422
    assert "missing: network, handle" in response.content.decode()


def test_it_escapes_hostile_text_from_found_accounts(gov: Gov) -> None:
    services.discover_from_handles(
        actor=gov.org.alice, handles=[("x", "TestCoEvil", "<script>alert(1)</script>")]
    )
    evil = Account.objects.get(handle="TestCoEvil")
    page = _client(gov, "alice").get(f"/governance/accounts/{evil.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_it_lets_a_member_accept_the_policy(gov: Gov) -> None:
    services.policy_publish(actor=gov.org.alice, title="Policy", body="Be kind.")
    assert _client(gov, "bob").post("/governance/policy/accept/").status_code == 302
    assert AuditEntry.objects.filter(action="policy.accept", actor_name="bob").exists()
    assert _client(gov, "nobody").post("/governance/policy/accept/").status_code == 403


def test_it_lists_accounts_and_the_log_in_constant_queries(
    gov: Gov, django_assert_max_num_queries: Any
) -> None:
    system = permissions.system_actor()
    for i in range(40):
        services.account_register(
            actor=system,
            network="facebook",
            handle=f"TestCo{i}",
            unit=gov.org.care,
            owner=gov.lead,
            backup=gov.org.bob,
            region=gov.org.region,
            last_activity_at=timezone.now() - dt.timedelta(days=i),
        )
    target = services.account_register(
        actor=system, network="x", handle="TestCo", unit=gov.org.hub, owner=gov.org.alice
    )
    for source in (gov.product_account, gov.care_account):
        services.consolidation_start(actor=system, source=source, target=target, owner=gov.lead)
    alice, bob = _client(gov, "alice"), _client(gov, "bob")
    for client, url, most in [
        (alice, "/governance/", 14),
        (bob, "/governance/", 7),
        (alice, "/governance/audit/", 5),
        (alice, "/governance/training/", 13),
        (alice, "/governance/consolidations/", 8),
        (alice, "/governance/discovery/", 7),
        (alice, "/api/governance/accounts", 5),
        (bob, "/api/governance/accounts", 5),
        (alice, "/api/governance/audit", 5),
    ]:
        with django_assert_max_num_queries(most):
            assert client.get(url).status_code == 200


def test_it_lets_the_hub_reschedule_a_step_from_the_page(gov: Gov) -> None:
    system = permissions.system_actor()
    target = services.account_register(
        actor=system, network="x", handle="TestCo", unit=gov.org.hub, owner=gov.org.alice
    )
    merge = services.consolidation_start(
        actor=system, source=gov.care_account, target=target, owner=gov.lead
    )
    step = merge.steps.order_by("position").first()
    assert step is not None
    page = _client(gov, "alice").get("/governance/consolidations/").content.decode()
    assert "Change owner or due date" in page
    assert (
        "Change owner or due date"
        not in _client(gov, "audrey").get("/governance/consolidations/").content.decode()
    )
    url = f"/governance/steps/{step.pk}/edit/"
    body = {"owner": "bob", "due": "2027-02-01"}
    for name in ("audrey", "eddie", "lena", "bob", "charlie", "nobody"):
        assert _client(gov, name).post(url, body).status_code == 403
    assert _client(gov, "alice").post(url, body).status_code == 302
    step.refresh_from_db()
    assert (step.owner, step.due) == (gov.org.bob, dt.date(2027, 2, 1))
    response = _client(gov, "alice").post(url, {"owner": "bob", "due": "soon"}, follow=True)
    assert "Choose an owner and a due date" in response.content.decode()
