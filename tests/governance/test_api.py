"""The governance API: the same rules as the pages, JSON errors that name the field."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from escapevelocity.governance import services
from escapevelocity.governance.models import Account, AccountStatus, AuditEntry
from escapevelocity.org import permissions
from tests.governance.conftest import Gov
from tests.governance.test_views import ALL, _user

API = "/api/governance"


def _as(gov: Gov, name: str) -> Client:
    return gov.org.client(_user(gov, name))


def _json(client: Client, method: str, url: str, body: Any = None) -> Any:
    return getattr(client, method)(
        url, data=json.dumps(body) if body is not None else None, content_type="application/json"
    )


def test_it_lists_accounts_by_what_each_person_may_see(gov: Gov) -> None:
    handles = {}
    for name in ALL:
        response = _as(gov, name).get(f"{API}/accounts")
        handles[name] = (
            response.status_code,
            sorted(a["handle"] for a in response.json()) if response.status_code == 200 else None,
        )
    everything = (200, ["TestCoHelp", "TestCoProduct", "testco_support_uk"])
    assert handles == {
        "alice": everything,
        "audrey": everything,
        "eddie": everything,
        "lena": (200, ["TestCoHelp"]),
        "bob": (200, ["TestCoHelp"]),
        "charlie": (200, ["TestCoProduct"]),
        "nobody": (403, None),
    }
    assert Client().get(f"{API}/accounts").status_code == 401
    one = _as(gov, "alice").get(f"{API}/accounts?status=unapproved").json()
    assert [a["handle"] for a in one] == ["testco_support_uk"]
    assert _as(gov, "alice").get(f"{API}/accounts?status=zzz").status_code == 422


def test_it_reads_one_account_or_hides_it(gov: Gov) -> None:
    url = f"{API}/accounts/{gov.care_account.pk}"
    codes = {name: _as(gov, name).get(url).status_code for name in ALL}
    assert codes == {
        "alice": 200, "audrey": 200, "eddie": 200, "lena": 200, "bob": 200, "charlie": 404,
        "nobody": 403,
    }  # fmt: skip
    body = _as(gov, "bob").get(url).json()
    assert body["owner"] == "lena"
    assert body["follower_count"] == 1200
    assert "password" not in json.dumps(body).lower()


def test_it_registers_and_changes_accounts_for_the_hub_only(gov: Gov) -> None:
    payload = {"network": "x", "handle": "TestCoAPI", "unit": "hub", "owner": "alice"}
    for name in ("audrey", "eddie", "lena", "bob", "charlie", "nobody"):
        assert _json(_as(gov, name), "post", f"{API}/accounts", payload).status_code == 403
        patch = _json(_as(gov, name), "patch", f"{API}/accounts/{gov.care_account.pk}", {})
        assert patch.status_code == 403
    response = _json(_as(gov, "alice"), "post", f"{API}/accounts", payload)
    assert response.status_code == 201
    new_id = response.json()["id"]
    response = _json(
        _as(gov, "alice"), "patch", f"{API}/accounts/{new_id}", {"purpose": "API", "backup": "bob"}
    )
    assert response.status_code == 200
    assert response.json()["backup"] == "bob"
    assert AuditEntry.objects.filter(action="account.update", object_id=str(new_id)).exists()


def test_it_names_bad_fields_and_writes_nothing(gov: Gov) -> None:
    alice = _as(gov, "alice")
    count = Account.objects.count()
    response = _json(
        alice,
        "post",
        f"{API}/accounts",
        {"network": "x", "handle": "TestCoBad", "unit": "nowhere", "owner": "alice"},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "unit"]
    response = _json(
        alice,
        "post",
        f"{API}/accounts",
        {"network": "x", "handle": "TestCoBad", "unit": "hub", "owner": "ghost"},
    )
    assert response.json()["detail"][0]["loc"] == ["body", "owner"]
    response = _json(
        alice,
        "post",
        f"{API}/accounts",
        {"network": "x", "handle": "TestCoBad", "unit": "hub", "owner": "alice", "password": "x"},
    )
    assert response.status_code == 422  # no secrets in the registry, not even by accident
    response = _json(alice, "patch", f"{API}/accounts/{gov.care_account.pk}", {"owner": None})
    assert response.status_code == 422
    assert Account.objects.count() == count


def test_it_approves_and_dismisses_found_accounts(gov: Gov) -> None:
    url = f"{API}/accounts/{gov.found.pk}"
    body = {"unit": "care", "owner": "lena"}
    assert _json(_as(gov, "audrey"), "post", f"{url}/approve", body).status_code == 403
    assert _json(_as(gov, "bob"), "post", f"{url}/approve", body).status_code == 403
    response = _json(_as(gov, "alice"), "post", f"{url}/approve", body)
    assert response.status_code == 200
    assert response.json()["status"] == "active"
    other = services.discover_from_handles(
        actor=permissions.system_actor(), handles=[("x", "TestCoNews", "")]
    ).flagged[0]
    durl = f"{API}/accounts/{other.pk}/dismiss"
    assert _json(_as(gov, "bob"), "post", durl, {"reason": "fake"}).status_code == 403
    assert _json(_as(gov, "alice"), "post", durl, {"reason": ""}).status_code == 422
    assert _json(_as(gov, "alice"), "post", durl, {"reason": "fake"}).status_code == 204
    assert not Account.objects.filter(pk=other.pk).exists()


def test_it_runs_discovery_from_a_file_and_from_handles(gov: Gov) -> None:
    data = b"network,handle,url,evidence\nx,TestCoJobs,,\nfoo,TestCoX,,\n"
    response = _as(gov, "alice").post(
        f"{API}/discovery/csv", {"file": SimpleUploadedFile("f.csv", data, "text/csv")}
    )
    assert response.status_code == 200
    body = response.json()
    assert [a["handle"] for a in body["flagged"]] == ["TestCoJobs"]
    assert body["errors"] == [{"line": 3, "reason": "network 'foo' is not a known network"}]
    handles = [{"network": "x", "handle": "TestCoCares", "evidence": "addressed as the company"}]
    for name in ("audrey", "bob", "charlie", "nobody"):
        assert _json(_as(gov, name), "post", f"{API}/discovery/handles", handles).status_code == 403
        response = _as(gov, name).post(
            f"{API}/discovery/csv", {"file": SimpleUploadedFile("f.csv", data, "text/csv")}
        )
        assert response.status_code == 403
    response = _json(_as(gov, "alice"), "post", f"{API}/discovery/handles", handles)
    assert [a["handle"] for a in response.json()["flagged"]] == ["TestCoCares"]
    response = _as(gov, "alice").post(
        f"{API}/discovery/csv", {"file": SimpleUploadedFile("f.csv", b"\xff\xfe", "text/csv")}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "file"]


def test_it_gives_rights_records_training_and_answers_may_speak(gov: Gov) -> None:
    alice, bob = _as(gov, "alice"), _as(gov, "bob")
    grants = f"{API}/accounts/{gov.care_account.pk}/grants"
    response = _json(alice, "post", grants, {"username": "bob", "right": "reply"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "user"]
    for module in ("policy", "crisis", "basics"):
        body = {"username": "bob", "module": module}
        assert _json(bob, "post", f"{API}/training/completions", body).status_code == 403
        response = _json(alice, "post", f"{API}/training/completions", body)
        assert response.status_code == 201
    assert response.json()["current"] is True
    assert bob.get(f"{API}/training/me").json()["current"] is True
    speak = f"{API}/may-speak?network=x&handle=TestCoHelp"
    assert bob.get(speak).json()["may_speak"] is False
    assert _json(bob, "post", grants, {"username": "bob", "right": "reply"}).status_code == 403
    response = _json(alice, "post", grants, {"username": "bob", "right": "reply"})
    assert response.status_code == 201
    assert bob.get(speak).json()["may_speak"] is True
    assert _as(gov, "charlie").get(speak).json()["may_speak"] is False
    grant_id = response.json()["id"]
    assert bob.delete(f"{API}/grants/{grant_id}").status_code == 403
    assert alice.delete(f"{API}/grants/{grant_id}").status_code == 204
    assert bob.get(speak).json()["may_speak"] is False


def test_it_lets_each_member_accept_the_policy_through_the_api(gov: Gov) -> None:
    services.policy_publish(actor=gov.org.alice, title="Policy", body="Be kind.")
    assert _as(gov, "bob").post(f"{API}/policy/accept").status_code == 204
    assert _as(gov, "nobody").post(f"{API}/policy/accept").status_code == 403


@pytest.mark.parametrize("path", ["/audit", "/consolidations", "/benchmarks"])
def test_it_lets_the_hub_auditors_and_executives_read(gov: Gov, path: str) -> None:
    codes = {name: _as(gov, name).get(f"{API}{path}").status_code for name in ALL}
    assert codes == {
        "alice": 200, "audrey": 200, "eddie": 200, "lena": 403, "bob": 403, "charlie": 403,
        "nobody": 403,
    }  # fmt: skip


def test_it_pages_the_audit_log_newest_first(gov: Gov) -> None:
    entries = _as(gov, "audrey").get(f"{API}/audit").json()
    assert entries[0]["id"] > entries[-1]["id"]
    older = _as(gov, "audrey").get(f"{API}/audit?before={entries[0]['id']}").json()
    assert [e["id"] for e in older] == [e["id"] for e in entries[1:]]


def test_it_runs_a_consolidation_through_the_api(gov: Gov) -> None:
    target = services.account_register(
        actor=permissions.system_actor(),
        network="x",
        handle="TestCo",
        unit=gov.org.hub,
        owner=gov.org.alice,
    )
    body = {"source": gov.care_account.pk, "target": target.pk, "owner": "lena"}
    assert _json(_as(gov, "bob"), "post", f"{API}/consolidations", body).status_code == 403
    response = _json(_as(gov, "alice"), "post", f"{API}/consolidations", body)
    assert response.status_code == 201
    steps = response.json()["steps"]
    assert [s["kind"] for s in steps] == ["announce", "redirect", "archive", "retire"]
    assert _as(gov, "bob").post(f"{API}/steps/{steps[0]['id']}/done").status_code == 403
    response = _as(gov, "alice").post(f"{API}/steps/{steps[1]['id']}/done")
    assert response.status_code == 422
    for step in steps:
        assert _as(gov, "alice").post(f"{API}/steps/{step['id']}/done").status_code == 200
    gov.care_account.refresh_from_db()
    assert gov.care_account.status == AccountStatus.RETIRED
    body = {"source": 999999, "target": target.pk, "owner": "lena"}
    response = _json(_as(gov, "alice"), "post", f"{API}/consolidations", body)
    assert response.json()["detail"][0]["loc"] == ["body", "source"]


def test_it_reschedules_steps_and_records_activity_for_the_hub_only(gov: Gov) -> None:
    system = permissions.system_actor()
    target = services.account_register(
        actor=system, network="x", handle="TestCo", unit=gov.org.hub, owner=gov.org.alice
    )
    merge = services.consolidation_start(
        actor=system, source=gov.care_account, target=target, owner=gov.lead
    )
    step = merge.steps.order_by("position").first()
    assert step is not None
    body = {"owner": "bob", "due": "2027-01-15"}
    assert _json(_as(gov, "lena"), "patch", f"{API}/steps/{step.pk}", body).status_code == 403
    response = _json(_as(gov, "alice"), "patch", f"{API}/steps/{step.pk}", body)
    assert response.status_code == 200
    assert response.json()["owner"] == "bob"
    assert response.json()["due"] == "2027-01-15"
    response = _json(
        _as(gov, "alice"),
        "patch",
        f"{API}/steps/{step.pk}",
        {"owner": "ghost", "due": "2027-01-15"},
    )
    assert response.json()["detail"][0]["loc"] == ["body", "owner"]
    url = f"{API}/accounts/{target.pk}/activity"
    at = {"at": "2026-01-01T10:00:00Z"}
    assert _json(_as(gov, "bob"), "post", url, at).status_code == 403
    response = _json(_as(gov, "alice"), "post", url, at)
    assert response.status_code == 200
    assert response.json()["last_activity_at"].startswith("2026-01-01T10:00")
    future = {"at": "2999-01-01T00:00:00Z"}
    response = _json(_as(gov, "alice"), "post", url, future)
    assert response.json()["detail"][0]["loc"] == ["body", "at"]


def test_it_reads_one_audit_entry_only_for_readers(gov: Gov) -> None:
    entry = AuditEntry.objects.order_by("id").first()
    assert entry is not None
    codes = {name: _as(gov, name).get(f"{API}/audit/{entry.pk}").status_code for name in ALL}
    assert codes == {
        "alice": 200, "audrey": 200, "eddie": 200, "lena": 403, "bob": 403, "charlie": 403,
        "nobody": 403,
    }  # fmt: skip


def test_it_answers_each_person_about_themselves_only(gov: Gov) -> None:
    nobody = _as(gov, "nobody")
    assert nobody.get(f"{API}/training/me").json()["current"] is False
    speak = nobody.get(f"{API}/may-speak?network=x&handle=TestCoHelp")
    assert speak.json()["may_speak"] is False
    assert Client().get(f"{API}/may-speak?network=x&handle=TestCoHelp").status_code == 401
