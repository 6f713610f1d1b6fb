from __future__ import annotations

import json
import time
from typing import Any

import pytest
from django.test import Client, override_settings

from escapevelocity.care import services
from escapevelocity.care.models import Conversation, Correction, Note, Post, Reply, Status
from escapevelocity.signing import signature as sign
from tests.care.conftest import FakeTriager, post

SECRET = "test-webhook-secret"


@pytest.fixture
def convs(org: Any, fake_triage: FakeTriager) -> dict[str, Conversation]:
    services.ingest_posts(
        [post(1, "My modem is broken", author="ann"), post(2, "A feature idea", author="ben")]
    )
    return {
        "care": Conversation.objects.get(unit=org.care),
        "product": Conversation.objects.get(unit=org.product),
    }


def bearer(org: Any, user: Any) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {org.token(user)}")


def post_json(client: Client, url: str, data: Any) -> Any:
    return client.post(url, json.dumps(data), content_type="application/json")


def test_it_lists_only_the_conversations_of_the_persons_units(org: Any, convs: Any) -> None:
    owner = bearer(org, org.alice).get("/api/care/conversations").json()
    teammate = bearer(org, org.bob).get("/api/care/conversations").json()
    outsider = bearer(org, org.charlie).get("/api/care/conversations").json()
    assert {c["unit"] for c in owner["items"]} == {"care", "product"}
    assert [c["unit"] for c in teammate["items"]] == ["care"]
    assert [c["unit"] for c in outsider["items"]] == ["product"]
    assert bearer(org, org.nobody).get("/api/care/conversations").status_code == 403
    assert Client().get("/api/care/conversations").status_code == 401


def test_it_hides_another_units_conversation_as_not_found(org: Any, convs: Any) -> None:
    url = f"/api/care/conversations/{convs['care'].pk}"
    assert bearer(org, org.alice).get(url).status_code == 200
    detail = bearer(org, org.bob).get(url).json()
    assert detail["posts"][0]["text"] == "My modem is broken"
    assert detail["posts"][0]["decision"]["reasons"]["route"] == ["complaint goes to customer_care"]
    assert bearer(org, org.charlie).get(url).status_code == 404
    for action, body in [
        ("assign", {"assignee": "charlie"}),
        ("status", {"status": "resolved"}),
        ("notes", {"text": "x"}),
        ("replies", {"text": "x"}),
        ("reroute", {"unit": "product"}),
    ]:
        assert post_json(bearer(org, org.charlie), f"{url}/{action}", body).status_code == 404
    assert (Note.objects.count(), Reply.objects.count(), Correction.objects.count()) == (0, 0, 0)


def test_it_works_a_conversation_through_the_api(org: Any, convs: Any) -> None:
    bob = bearer(org, org.bob)
    url = f"/api/care/conversations/{convs['care'].pk}"
    assert post_json(bob, f"{url}/assign", {"assignee": "bob"}).json()["assignee"] == "bob"
    assert post_json(bob, f"{url}/notes", {"text": "<b>call</b> them"}).status_code == 201
    reply = post_json(bob, f"{url}/replies", {"text": "Sorry, DM us"})
    assert reply.status_code == 201
    assert reply.json()["sent"] is False
    assert post_json(bob, f"{url}/intent", {"intent": "question"}).json()["intent"] == "question"
    assert post_json(bob, f"{url}/status", {"status": "resolved"}).json()["status"] == "resolved"
    detail = bob.get(url).json()
    assert detail["notes"][0]["text"] == "<b>call</b> them"
    assert detail["corrections"][0]["new_value"] == "question"
    moved = post_json(bob, f"{url}/reroute", {"unit": "product", "reason": "bug"})
    assert moved.json()["unit"] == "product"
    assert bob.get(url).status_code == 404  # now outside bob's unit


def test_it_answers_bad_input_naming_the_field(org: Any, convs: Any) -> None:
    bob = bearer(org, org.bob)
    url = f"/api/care/conversations/{convs['care'].pk}"
    bad = post_json(bob, f"{url}/status", {"status": "done"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"][-1] == "status"
    bad = post_json(bob, f"{url}/assign", {"assignee": "charlie"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "assignee"]
    bad = post_json(bob, f"{url}/reroute", {"unit": "nowhere"})
    assert bad.json()["detail"][0]["loc"] == ["body", "unit"]
    assert bob.get("/api/care/conversations?intent=rant").status_code == 422
    assert bob.get("/api/care/conversations?cursor=garbage").json()["detail"][0]["loc"] == [
        "body",
        "cursor",
    ]
    convs["care"].refresh_from_db()
    assert convs["care"].assignee is None


def test_it_pages_by_cursor_without_repeats(org: Any, fake_triage: FakeTriager) -> None:
    services.ingest_posts([post(i, f"Is {i} late?", author=f"p{i}") for i in range(7)])
    alice = bearer(org, org.alice)
    seen: list[int] = []
    cursor = ""
    for _ in range(10):
        page = alice.get(f"/api/care/conversations?limit=3&cursor={cursor}").json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(Conversation.objects.values_list("id", flat=True))
    assert len(seen) == 7


@pytest.mark.parametrize("sort", ["due", "newest", "priority"])
def test_it_lists_in_a_constant_number_of_queries(
    org: Any, fake_triage: FakeTriager, django_assert_max_num_queries: Any, sort: str
) -> None:
    alice = bearer(org, org.alice)
    services.ingest_posts([post(i, f"Is {i} late?", author=f"p{i}") for i in range(3)])
    with django_assert_max_num_queries(8):
        assert len(alice.get(f"/api/care/conversations?sort={sort}").json()["items"]) == 3
    services.ingest_posts([post(i, "free money", author=f"q{i}") for i in range(10, 40)])
    with django_assert_max_num_queries(8):
        assert (
            len(alice.get(f"/api/care/conversations?sort={sort}&status=all").json()["items"]) == 33
        )


def test_it_lists_queues_with_counts(
    org: Any, convs: Any, django_assert_max_num_queries: Any
) -> None:
    bob = bearer(org, org.bob)
    with django_assert_max_num_queries(8):
        queues = {q["unit"]: q for q in bob.get("/api/care/queues").json()}
    assert set(queues) == {"care"}
    assert queues["care"]["open"] == 1
    assert queues["care"]["can_act"] is True


def test_it_applies_bulk_actions_only_within_reach(org: Any, convs: Any) -> None:
    ids = [convs["care"].pk, convs["product"].pk]
    bob = bearer(org, org.bob)
    refused = post_json(
        bob, "/api/care/bulk", {"ids": ids, "action": "status", "status": "resolved"}
    )
    assert refused.status_code == 422  # the product conversation is not his to see
    assert not Conversation.objects.filter(status=Status.RESOLVED).exists()
    done = post_json(
        bearer(org, org.alice),
        "/api/care/bulk",
        {"ids": ids, "action": "status", "status": "resolved"},
    )
    assert done.json() == {"changed": 2}


def test_it_lets_the_hub_ingest_posts_by_token(org: Any, fake_triage: FakeTriager) -> None:
    body = {"posts": [post(1, "Is it down?"), {"external_id": "2"}]}
    assert post_json(bearer(org, org.bob), "/api/care/posts", body).status_code == 403
    answer = post_json(bearer(org, org.alice), "/api/care/posts", body).json()
    assert answer["new"] == 1
    assert answer["rejected"] == [{"index": 1, "reason": "text: is required"}]
    again = post_json(bearer(org, org.alice), "/api/care/posts", body).json()
    assert (again["new"], again["duplicate"]) == (0, 1)


def test_it_imports_an_uploaded_file(org: Any, fake_triage: FakeTriager, tmp_path: Any) -> None:
    path = tmp_path / "p.csv"
    path.write_text("external_id,text,author\n1,Is it down?,ann\n2,,ben\n")
    with path.open("rb") as fh:
        answer = bearer(org, org.alice).post("/api/care/import", {"file": fh})
    assert answer.status_code == 200
    assert answer.json()["errors"] == [{"line": 3, "reason": "text: is required"}]
    with path.open("rb") as fh:
        assert bearer(org, org.bob).post("/api/care/import", {"file": fh}).status_code == 403
    with path.open("rb") as fh:
        bad = bearer(org, org.alice).post("/api/care/import", {"file": fh, "map": "body=text"})
    assert bad.json()["detail"][0]["loc"] == ["body", "map"]


def signed(body: bytes, *, ts: int | None = None, secret: str = SECRET) -> dict[str, str]:
    stamp = str(ts if ts is not None else int(time.time()))
    return {"HTTP_X_EV_TIMESTAMP": stamp, "HTTP_X_EV_SIGNATURE": sign(secret, stamp, body)}


@override_settings(CARE_WEBHOOK_SECRET=SECRET)
def test_it_accepts_a_signed_webhook_once(org: Any, fake_triage: FakeTriager) -> None:
    body = json.dumps({"posts": [post("w1", "Is it down?")]}).encode()
    headers = signed(body)
    first = Client().post("/api/care/webhook", body, content_type="application/json", **headers)
    assert first.status_code == 200
    assert first.json()["new"] == 1
    replay = Client().post("/api/care/webhook", body, content_type="application/json", **headers)
    assert replay.status_code == 401
    assert "replay" in replay.json()["detail"]
    assert Post.objects.count() == 1


@override_settings(CARE_WEBHOOK_SECRET=SECRET)
def test_it_refuses_a_bad_or_stale_webhook_signature(org: Any, fake_triage: FakeTriager) -> None:
    body = json.dumps({"posts": [post("w1", "Is it down?")]}).encode()
    for headers in (
        signed(body, secret="wrong"),
        signed(body, ts=int(time.time()) - 3600),
        signed(body + b" "),
        {},
    ):
        answer = Client().post(
            "/api/care/webhook", body, content_type="application/json", **headers
        )
        assert answer.status_code == 401
    assert Post.objects.count() == 0


def test_it_answers_503_when_the_webhook_has_no_secret(org: Any, monkeypatch: Any) -> None:
    monkeypatch.delenv("EV_CARE_WEBHOOK_SECRET", raising=False)
    answer = Client().post("/api/care/webhook", b"{}", content_type="application/json")
    assert answer.status_code == 503


def test_it_lets_the_hub_set_how_a_queue_works_and_nobody_else(org: Any, convs: Any) -> None:
    body = {"auto_assign": True, "business_hours": False}
    url = "/api/care/queues/care"
    assert (
        bearer(org, org.bob).put(url, json.dumps(body), content_type="application/json").status_code
        == 403
    )
    assert (
        bearer(org, org.charlie)
        .put(url, json.dumps(body), content_type="application/json")
        .status_code
        == 404
    )
    answer = bearer(org, org.alice).put(url, json.dumps(body), content_type="application/json")
    assert answer.status_code == 200
    assert answer.json()["auto_assign"] is True
    bad = bearer(org, org.alice).put(
        url, json.dumps({"auto_assign": "yes please"}), content_type="application/json"
    )
    assert bad.status_code == 422


def test_it_assigns_a_backlog_round_robin_respecting_availability(org: Any, convs: Any) -> None:
    away = bearer(org, org.bob).put(
        "/api/care/availability/bob",
        json.dumps({"available": False}),
        content_type="application/json",
    )
    assert away.json() == {"username": "bob", "available": False, "capacity": 15}
    assert post_json(bearer(org, org.alice), "/api/care/queues/care/auto-assign", {}).json() == {
        "assigned": 0
    }
    bearer(org, org.bob).put(
        "/api/care/availability/bob",
        json.dumps({"available": True, "capacity": 5}),
        content_type="application/json",
    )
    assert post_json(bearer(org, org.bob), "/api/care/queues/care/auto-assign", {}).json() == {
        "assigned": 1
    }
    assert (
        post_json(bearer(org, org.charlie), "/api/care/queues/care/auto-assign", {}).status_code
        == 404
    )
    # Only the person themself, or a lead of their unit, sets their availability.
    other = bearer(org, org.charlie).put(
        "/api/care/availability/bob",
        json.dumps({"available": False}),
        content_type="application/json",
    )
    assert other.status_code == 403
    convs["care"].refresh_from_db()
    assert convs["care"].assignee == org.bob
