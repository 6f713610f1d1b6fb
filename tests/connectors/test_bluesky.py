"""Bluesky against a local Jetstream (JSON events over WebSocket) and a local PDS (XRPC)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from escapevelocity.connectors import Batch, PermanentError, TransientError, listen
from escapevelocity.connectors.base import Backoff
from escapevelocity.connectors.bluesky import (
    BlueskyClient,
    JetstreamMentions,
    parse_at_uri,
    tid,
)
from tests.connectors.servers import (
    COMPANY_DID,
    COMPANY_HANDLE,
    FakeJetstream,
    FakePDS,
    http_server,
    jetstream_post,
    jetstream_server,
    mention_facet,
)

T0 = 1_763_600_000_000_000
CUSTOMER = "did:plc:customer00000000000000001"


def mentions_in(events: list[Any]) -> list[str]:
    return [e["commit"]["record"]["text"] for e in events if isinstance(e, dict) and "@" in str(e)]


def stream(url: str, **options: Any) -> JetstreamMentions:
    defaults: dict[str, Any] = {
        "accounts": {COMPANY_DID: COMPANY_HANDLE},
        "url": url,
        "recv_timeout": 0.02,
        "flush_seconds": 0.05,
        "open_timeout": 2.0,
    }
    return JetstreamMentions(**(defaults | options))


def company_mention(n: int) -> dict[str, Any]:
    text = f"@{COMPANY_HANDLE} parcel {n} is late"
    return jetstream_post(T0 + n * 1000, text, facets=mention_facet(text))


def noise(n: int) -> dict[str, Any]:
    return jetstream_post(T0 + n * 1000 + 1, f"lunch photo {n}")


@pytest.fixture
def jetstream() -> Iterator[FakeJetstream]:
    fake = FakeJetstream()
    with jetstream_server(fake):
        yield fake


def read_until(connector: JetstreamMentions, cursor: Any, want: int) -> list[Batch]:
    """Read until `want` posts arrived, then stop (the fake keeps the connection open)."""
    stop = threading.Event()
    out: list[Batch] = []
    for batch in connector.fetch(cursor, stop):
        out.append(batch)
        if sum(len(b.posts) for b in out) >= want:
            stop.set()
    return out


def test_it_subscribes_with_collection_author_and_cursor_filters(jetstream: FakeJetstream) -> None:
    connector = stream(jetstream.url, wanted_dids=[CUSTOMER], rewind_seconds=2)
    url = connector.subscribe_url(T0)
    assert "wantedCollections=app.bsky.feed.post" in url
    assert f"wantedDids={CUSTOMER.replace(':', '%3A')}" in url
    assert f"cursor={T0 - 2_000_000}" in url
    assert "cursor" not in connector.subscribe_url(None)


def test_it_catches_every_way_of_addressing_the_company(jetstream: FakeJetstream) -> None:
    parent = f"at://{COMPANY_DID}/app.bsky.feed.post/3kparent"
    other = "at://did:plc:someoneelse000000000000/app.bsky.feed.post/3kx"
    jetstream.events = [
        company_mention(1),
        jetstream_post(T0 + 2000, f"hey @{COMPANY_HANDLE.upper()}, any news?"),
        jetstream_post(
            T0 + 3000,
            "still broken",
            reply={"root": {"uri": parent, "cid": "c1"}, "parent": {"uri": parent, "cid": "c1"}},
        ),
        jetstream_post(
            T0 + 4000,
            "look at this",
            embed={"$type": "app.bsky.embed.record", "record": {"uri": parent, "cid": "c1"}},
        ),
        jetstream_post(T0 + 5000, f"email me at support@{COMPANY_HANDLE}x"),  # not a mention
        jetstream_post(T0 + 6000, "reply elsewhere", reply={"root": {"uri": other, "cid": "c"}}),
        jetstream_post(T0 + 7000, f"@{COMPANY_HANDLE} we posted", did=COMPANY_DID),  # own
        jetstream_post(T0 + 8000, f"@{COMPANY_HANDLE} deleted", operation="delete"),
        {
            "did": CUSTOMER,
            "time_us": T0 + 8500,
            "kind": "identity",
            "identity": {"did": CUSTOMER, "handle": "carol.bsky.social", "seq": 1},
        },
        {"did": CUSTOMER, "time_us": T0 + 8600, "kind": "account", "account": {"active": True}},
        jetstream_post(T0 + 9000, "my ACME toaster smokes"),
    ]
    batches = read_until(stream(jetstream.url, keywords=["acme toaster"]), None, 5)
    posts = [p for b in batches for p in b.posts]
    assert [p.text for p in posts] == [
        f"@{COMPANY_HANDLE} parcel 1 is late",
        f"hey @{COMPANY_HANDLE.upper()}, any news?",
        "still broken",
        "look at this",
        "my ACME toaster smokes",
    ]
    assert [p.account for p in posts] == [COMPANY_HANDLE] * 4 + [None]
    first, third, last = posts[0], posts[2], posts[4]
    assert first.external_id == f"at://{CUSTOMER}/app.bsky.feed.post/3k{T0 + 1000}"
    assert first.url == f"https://bsky.app/profile/{CUSTOMER}/post/3k{T0 + 1000}"
    assert first.channel == "bluesky"
    assert first.language == "en"
    assert first.author_handle == CUSTOMER
    assert first.created_at == datetime.fromtimestamp((T0 + 1000) / 1e6, tz=UTC)
    assert third.reply_to_id == parent
    assert last.author_handle == "carol.bsky.social"  # learned from the identity event
    assert batches[-1].cursor == {"time_us": T0 + 9000}


def test_it_reports_and_skips_malformed_events(jetstream: FakeJetstream) -> None:
    jetstream.events = [
        company_mention(1),
        "{this is not json",
        '["an", "array"]',
        {"did": CUSTOMER, "kind": "commit"},  # no time_us
        {"did": CUSTOMER, "time_us": T0 + 1500, "kind": "commit", "commit": "oops"},
        {
            "did": CUSTOMER,
            "time_us": T0 + 1600,
            "kind": "commit",
            "commit": {"operation": "create", "collection": "app.bsky.feed.post", "rkey": "x"},
        },
        company_mention(2),
    ]
    batches = read_until(stream(jetstream.url), None, 2)
    assert [p.text for b in batches for p in b.posts] == [
        f"@{COMPANY_HANDLE} parcel 1 is late",
        f"@{COMPANY_HANDLE} parcel 2 is late",
    ]
    messages = [p.message for b in batches for p in b.problems]
    assert messages[:3] == [
        "event is not JSON",
        "event is not an object",
        "event has no time_us",
    ]
    assert messages[3].startswith("bad event")
    assert messages[4].startswith("bad event")
    assert batches[-1].cursor == {"time_us": T0 + 2000}


def test_it_reconnects_from_its_cursor_without_loss_or_duplicates(
    jetstream: FakeJetstream,
) -> None:
    events: list[Any] = []
    for n in range(1, 21):
        events += [company_mention(n), noise(n)]
    jetstream.events = events
    jetstream.drops = [7, 15, 3]  # the server drops the connection three times
    stored: list[str] = []
    health: list[dict[str, Any]] = []
    stop = threading.Event()

    def on_batch(batch: Batch) -> None:
        stored.extend(p.external_id for p in batch.posts)
        if len(stored) >= 20:
            stop.set()

    listen(
        stream(jetstream.url),
        cursor=None,
        on_batch=on_batch,
        stop=stop,
        on_health=lambda h: health.append(h.as_dict()),
        backoff=Backoff(base=0.01, cap=0.05),
        max_rounds=10,
    )
    expected = [f"at://{CUSTOMER}/app.bsky.feed.post/3k{T0 + n * 1000}" for n in range(1, 21)]
    assert stored == expected
    # Each reconnection asked for playback from the last event handed over.
    cursors = [c.get("cursor") for c in jetstream.connections]
    assert cursors[0] is None
    assert all(c is not None for c in cursors[1:])
    assert len(jetstream.connections) == 4
    assert max(h["errors"] for h in health) == 3
    assert health[-1]["state"] == "stopped"


def test_it_resumes_after_being_killed_mid_stream(jetstream: FakeJetstream) -> None:
    events: list[Any] = []
    for n in range(1, 31):
        events += [company_mention(n), noise(n)]
    jetstream.events = events
    stored: list[str] = []
    connector = stream(jetstream.url, batch_size=4, flush_seconds=60)
    run = connector.fetch(None, threading.Event())
    for _ in range(3):
        batch = next(run)
        stored += [p.external_id for p in batch.posts]
        persisted = json.dumps(batch.cursor)
    run.close()  # killed: whatever it read beyond the persisted cursor is gone with it
    assert len(stored) == 12
    restarted = stream(jetstream.url, batch_size=4, flush_seconds=0.05)
    for batch in read_until(restarted, json.loads(persisted), 18):
        stored += [p.external_id for p in batch.posts]
    assert stored == [f"at://{CUSTOMER}/app.bsky.feed.post/3k{T0 + n * 1000}" for n in range(1, 31)]
    assert jetstream.connections[1]["cursor"] == [str(json.loads(persisted)["time_us"])]


def test_it_raises_transient_when_jetstream_is_unreachable() -> None:
    connector = stream("ws://127.0.0.1:9/subscribe", open_timeout=0.5)
    with pytest.raises(TransientError, match="could not connect"):
        list(connector.fetch(None, threading.Event()))


def test_it_refuses_settings_it_cannot_use() -> None:
    with pytest.raises(PermanentError):
        JetstreamMentions(accounts={})
    with pytest.raises(PermanentError):
        JetstreamMentions(accounts={"acme.example.com": "acme.example.com"})


# ---------------------------------------------------------------- replies


@pytest.fixture
def pds() -> Iterator[FakePDS]:
    fake = FakePDS()
    with http_server(fake):
        yield fake


def test_it_makes_tids_that_sort_by_time() -> None:
    a, b = tid(1_700_000_000_000_000, 5), tid(1_700_000_000_000_001, 0)
    assert len(a) == 13
    assert a < b
    assert tid(1_700_000_000_000_000, 5) == a


def test_it_replies_with_root_and_parent_refs_once(pds: FakePDS) -> None:
    root = f"at://{COMPANY_DID}/app.bsky.feed.post/3kroot"
    parent = f"at://{CUSTOMER}/app.bsky.feed.post/3kparent"
    pds.posts[parent] = {
        "uri": parent,
        "cid": "bafyparent",
        "record": {"text": "still late", "reply": {"root": {"uri": root, "cid": "bafyroot"}}},
    }
    client = BlueskyClient(
        identifier=COMPANY_HANDLE, app_password=pds.password, service=pds.base_url
    )
    when = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
    sent = client.reply(
        in_reply_to=parent, text="On its way!", idempotency_key="r1", created_at=when
    )
    again = client.reply(
        in_reply_to=parent, text="On its way!", idempotency_key="r1", created_at=when
    )
    assert sent.external_id == again.external_id
    [(uri, record)] = pds.records.items()
    assert uri == sent.external_id
    assert parse_at_uri(uri)[0] == COMPANY_DID
    assert record["reply"] == {
        "root": {"uri": root, "cid": "bafyroot"},
        "parent": {"uri": parent, "cid": "bafyparent"},
    }
    assert record["createdAt"] == "2026-11-21T09:30:00Z"
    assert pds.sessions == 1
    assert pds.password not in repr(client)


def test_it_logs_in_again_when_the_session_expired(pds: FakePDS) -> None:
    parent = f"at://{CUSTOMER}/app.bsky.feed.post/3kp"
    pds.posts[parent] = {"uri": parent, "cid": "bafyp", "record": {"text": "hi"}}
    client = BlueskyClient(
        identifier=COMPANY_HANDLE, app_password=pds.password, service=pds.base_url
    )
    client.login()
    pds.expire_next = True
    sent = client.reply(
        in_reply_to=parent, text="Hello", idempotency_key="r2", created_at=datetime.now(UTC)
    )
    assert pds.sessions == 2
    record = pds.records[sent.external_id]
    assert record["reply"]["root"] == {"uri": parent, "cid": "bafyp"}


def test_it_refuses_bad_replies_as_permanent(pds: FakePDS) -> None:
    client = BlueskyClient(identifier=COMPANY_HANDLE, app_password="wrong", service=pds.base_url)
    now = datetime.now(UTC)
    parent = f"at://{CUSTOMER}/app.bsky.feed.post/3kp"
    with pytest.raises(PermanentError, match="401"):
        client.reply(in_reply_to=parent, text="hi", idempotency_key="k", created_at=now)
    with pytest.raises(PermanentError, match="longer than"):
        client.reply(in_reply_to=parent, text="x" * 301, idempotency_key="k", created_at=now)
    with pytest.raises(PermanentError, match="not an at://"):
        client.reply(
            in_reply_to="https://bsky.app/x", text="hi", idempotency_key="k", created_at=now
        )
    good = BlueskyClient(identifier=COMPANY_HANDLE, app_password=pds.password, service=pds.base_url)
    with pytest.raises(PermanentError, match="no longer exists"):
        good.reply(in_reply_to=parent, text="hi", idempotency_key="k", created_at=now)
    assert pds.records == {}


def test_it_shows_a_quiet_subscription_is_alive(jetstream: FakeJetstream) -> None:
    connector = stream(jetstream.url, keepalive_seconds=0.05)
    stop = threading.Event()
    out: list[Batch] = []
    for batch in connector.fetch({"time_us": T0}, stop):
        out.append(batch)
        if len(out) == 2:
            stop.set()
    assert [b.posts for b in out] == [(), ()]
    assert out[-1].cursor == {"time_us": T0}


@pytest.mark.parametrize("seed", range(4))
def test_it_never_loses_or_repeats_across_random_drops_and_kills(
    jetstream: FakeJetstream, seed: int
) -> None:
    import random

    rng = random.Random(seed)
    events: list[Any] = []
    for n in range(1, 41):
        events.append(company_mention(n) if rng.random() < 0.5 else noise(n))
        if rng.random() < 0.1:
            events.append("{malformed")
    jetstream.events = events
    jetstream.drops = [rng.randrange(1, 30) for _ in range(3)]
    expected = [e["commit"]["rkey"] for e in events if isinstance(e, dict) and "@" in str(e)]
    stored: list[str] = []
    persisted = json.dumps({})
    for _process in range(12):
        connector = stream(jetstream.url, batch_size=rng.choice([1, 2, 5]), flush_seconds=0.02)
        run = connector.fetch(json.loads(persisted), threading.Event())
        try:
            for batch in run:
                stored += [p.external_id.rsplit("/", 1)[1] for p in batch.posts]
                persisted = json.dumps(batch.cursor)
                if len(stored) == len(expected) or rng.random() < 0.2:
                    break  # killed, or done
        except TransientError:
            pass  # the server dropped the connection: the next process resumes
        finally:
            run.close()
        if len(stored) == len(expected):
            break
    assert stored == expected
