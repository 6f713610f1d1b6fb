"""Mastodon against a local instance speaking its REST JSON, Link headers and SSE stream."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from escapevelocity.connectors import Batch, PermanentError, RateLimited, TransientError, listen
from escapevelocity.connectors.base import Backoff
from escapevelocity.connectors.mastodon import (
    MastodonClient,
    MastodonMentions,
    MastodonStream,
    MastodonTimeline,
    id_key,
)
from tests.connectors.servers import (
    TOKEN,
    FakeMastodon,
    http_server,
    not_json,
    server_error,
    too_many_requests,
)


@pytest.fixture
def fake() -> Iterator[FakeMastodon]:
    fake = FakeMastodon()
    with http_server(fake):
        yield fake


def client_for(fake: FakeMastodon, token: str = TOKEN) -> MastodonClient:
    return MastodonClient(base_url=fake.base_url, access_token=token, account="acme", timeout=5.0)


def drain(connector: Any, cursor: dict[str, Any] | None) -> list[Batch]:
    return list(connector.fetch(cursor, threading.Event()))


def texts(batches: list[Batch]) -> list[str]:
    return [p.text for b in batches for p in b.posts]


def test_it_compares_ids_as_numbers() -> None:
    assert id_key("100") > id_key("99")
    assert sorted(["100", "99", "1000"], key=id_key) == ["99", "100", "1000"]


def test_it_reads_every_mention_oldest_first_across_pages(fake: FakeMastodon) -> None:
    for n in range(95):
        fake.mention(f"@acme order {n} never arrived &amp; nobody answers")
    fake.follow()
    mentions = MastodonMentions(client_for(fake))
    first = drain(mentions, {"since_id": "0"})
    got = texts(first)
    assert got == [f"@acme order {n} never arrived & nobody answers" for n in range(95)]
    assert [len(b.posts) for b in first] == [40, 40, 15]
    assert first[-1].cursor == {"since_id": fake.notifications[94]["id"]}
    # Paged forward with min_id, following the Link rel="prev" header.
    pages = [q for (_m, path, q) in fake.requests if path == "/api/v1/notifications"]
    assert pages[0]["types[]"] == ["mention"]
    assert pages[0]["min_id"] == ["0"]
    assert pages[1]["min_id"] == [fake.notifications[39]["id"]]


def test_it_maps_a_status_to_a_post(fake: FakeMastodon) -> None:
    fake.mention(
        "Is the <b>store</b> open?<br>Asking for a friend",
        acct="erin@other.example",
        in_reply_to_id="42",
        spoiler_text="store hours",
        language="de",
    )
    [batch] = drain(MastodonMentions(client_for(fake)), {"since_id": "0"})
    [post] = batch.posts
    host = fake.base_url.removeprefix("http://")
    assert post.external_id == f"{host}:96"
    assert post.channel == "mastodon"
    assert post.text == "store hours\n\nIs the store open?\nAsking for a friend"
    assert post.author_handle == "erin@other.example"
    assert post.author_reach == 12
    assert post.created_at == datetime(2026, 11, 20, 10, 36, tzinfo=UTC)
    assert post.language == "de"
    assert post.reply_to_id == f"{host}:42"
    assert post.url == "https://remote.example/@carol/96"
    assert post.account == "acme"


def test_it_qualifies_a_local_author_with_the_instance(fake: FakeMastodon) -> None:
    fake.mention("hello", acct="frank")
    [batch] = drain(MastodonMentions(client_for(fake)), {"since_id": "0"})
    assert batch.posts[0].author_handle == f"frank@{fake.base_url.removeprefix('http://')}"


def test_it_starts_from_the_newest_page_on_a_first_run(fake: FakeMastodon) -> None:
    for n in range(50):
        fake.mention(f"old {n}")
    batches = drain(MastodonMentions(client_for(fake), page_limit=20), None)
    assert texts(batches) == [f"old {n}" for n in range(30, 50)]
    fake.mention("new one")
    assert texts(drain(MastodonMentions(client_for(fake)), batches[-1].cursor)) == ["new one"]


def test_it_remembers_an_empty_start_so_nothing_later_is_skipped(fake: FakeMastodon) -> None:
    [empty] = drain(MastodonMentions(client_for(fake)), None)
    assert empty.posts == ()
    assert empty.cursor == {"since_id": "0"}
    for n in range(45):
        fake.mention(f"m{n}")
    assert len(texts(drain(MastodonMentions(client_for(fake)), empty.cursor))) == 45


def test_it_resumes_after_being_killed_mid_round_without_loss_or_duplicates(
    fake: FakeMastodon,
) -> None:
    for n in range(100):
        fake.mention(f"m{n}")
    stored: list[str] = []
    persisted: str = json.dumps({"since_id": "0"})
    # First process: stores one page, persists its cursor, and is killed.
    run = MastodonMentions(client_for(fake)).fetch(json.loads(persisted), threading.Event())
    batch = next(run)
    stored += [p.external_id for p in batch.posts]
    persisted = json.dumps(batch.cursor)
    run.close()
    for n in range(100, 110):
        fake.mention(f"m{n}")
    # Second process: a new client, from the persisted cursor only.
    for batch in drain(MastodonMentions(client_for(fake)), json.loads(persisted)):
        stored += [p.external_id for p in batch.posts]
    host = fake.base_url.removeprefix("http://")
    assert stored == [f"{host}:{n['id']}" for n in fake.notifications]
    assert len(set(stored)) == 110


def test_it_drops_items_the_server_repeats(fake: FakeMastodon) -> None:
    for n in range(3):
        fake.mention(f"m{n}")
    repeated = [fake.notifications[2], fake.notifications[0], fake.notifications[1]]

    def answer(h: Any) -> None:
        h.send_json(200, [*repeated, fake.notifications[2]])

    fake.scripted.append(answer)
    [batch] = drain(MastodonMentions(client_for(fake)), {"since_id": fake.notifications[0]["id"]})
    assert [p.text for p in batch.posts] == ["m1", "m2"]


def test_it_reports_and_skips_malformed_items(fake: FakeMastodon) -> None:
    good = fake.mention("fine")
    broken = fake.mention("broken")
    del broken["status"]["content"]
    fake.notifications.append({"id": "not-a-number", "type": "mention"})
    later = fake.mention("after the bad ones")

    def answer(h: Any) -> None:
        h.send_json(200, list(reversed(fake.notifications)))

    fake.scripted.append(answer)
    [batch] = drain(MastodonMentions(client_for(fake)), {"since_id": "0"})
    assert [p.text for p in batch.posts] == ["fine", "after the bad ones"]
    assert sorted(p.message for p in batch.problems) == [
        "item without a numeric id",
        "status has no content",
    ]
    assert batch.cursor == {"since_id": later["id"]}
    assert good["id"] < later["id"]


def test_it_raises_rate_limited_with_retry_after(fake: FakeMastodon) -> None:
    fake.scripted.append(too_many_requests("7"))
    with pytest.raises(RateLimited) as caught:
        drain(MastodonMentions(client_for(fake)), {"since_id": "0"})
    assert caught.value.retry_after == 7.0


def test_it_pauses_before_the_window_runs_out(fake: FakeMastodon) -> None:
    for n in range(45):
        fake.mention(f"m{n}")
    reset = (datetime.now(UTC) + timedelta(seconds=120)).isoformat()
    fake.rate_limit_headers = {
        "X-RateLimit-Limit": "300",
        "X-RateLimit-Remaining": "1",
        "X-RateLimit-Reset": reset,
    }
    run = MastodonMentions(client_for(fake)).fetch({"since_id": "0"}, threading.Event())
    assert len(next(run).posts) == 40
    requests_before = len(fake.requests)
    with pytest.raises(RateLimited) as caught:
        next(run)
    assert 100 < caught.value.retry_after <= 120
    assert len(fake.requests) == requests_before  # it did not spend the last request


def test_it_turns_server_errors_and_bad_answers_into_transient_errors(fake: FakeMastodon) -> None:
    fake.scripted += [server_error, not_json]
    for _ in range(2):
        with pytest.raises(TransientError):
            drain(MastodonMentions(client_for(fake)), {"since_id": "0"})


def test_it_refuses_a_bad_token_as_permanent(fake: FakeMastodon) -> None:
    with pytest.raises(PermanentError, match="401"):
        drain(MastodonMentions(client_for(fake, token="wrong")), None)


def test_it_never_shows_the_token(fake: FakeMastodon) -> None:
    client = client_for(fake)
    assert TOKEN not in repr(client)
    assert TOKEN not in repr(MastodonMentions(client).__dict__)


def test_it_does_not_follow_links_to_another_host(fake: FakeMastodon) -> None:
    for n in range(41):
        fake.mention(f"m{n}")

    def evil(h: Any) -> None:
        page = sorted(fake.notifications[:40], key=lambda n: -int(n["id"]))
        h.send_json(200, page, {"Link": '<https://evil.example/steal?min_id=1>; rel="prev"'})

    fake.scripted.append(evil)
    run = MastodonMentions(client_for(fake)).fetch({"since_id": "0"}, threading.Event())
    assert len(next(run).posts) == 40
    # The next page is asked of the instance itself, from the newest id it handed over.
    assert [p.text for b in run for p in b.posts] == ["m40"]
    assert all(path.startswith("/api/v1/") for (_m, path, _q) in fake.requests)


def test_it_reads_a_hashtag_timeline(fake: FakeMastodon) -> None:
    fake.status("unrelated")
    tagged = fake.status("#acmefail again", tags=[{"name": "acmefail", "url": ""}])
    fake.statuses.extend([fake.status("x")])
    fake.statuses.append(tagged)
    timeline = MastodonTimeline(client_for(fake), hashtag="#AcmeFail")
    [batch] = drain(timeline, {"since_id": "0"})
    assert [p.text for p in batch.posts] == ["#acmefail again"]
    assert fake.requests[-1][1] == "/api/v1/timelines/tag/AcmeFail"


def test_it_filters_the_public_timeline_by_keywords(fake: FakeMastodon) -> None:
    for text in ["I love my Acme toaster", "nice weather", "ACME support is slow"]:
        fake.statuses.append(fake.status(text))
    [batch] = drain(MastodonTimeline(client_for(fake), keywords=["acme"]), {"since_id": "0"})
    assert [p.text for p in batch.posts] == ["I love my Acme toaster", "ACME support is slow"]
    assert batch.cursor == {"since_id": fake.statuses[-1]["id"]}


def test_it_refuses_a_timeline_without_hashtag_or_keywords(fake: FakeMastodon) -> None:
    with pytest.raises(PermanentError):
        MastodonTimeline(client_for(fake))
    with pytest.raises(PermanentError):
        MastodonTimeline(client_for(fake), hashtag="#no spaces")


# ---------------------------------------------------------------- streaming


def collect(
    connector: Any, cursor: dict[str, Any] | None, stop: threading.Event, out: list[Batch]
) -> threading.Thread:
    def run() -> None:
        try:
            for batch in connector.fetch(cursor, stop):
                out.append(batch)
        except TransientError as exc:
            out.append(Batch(posts=(), cursor={"error": str(exc)}))

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def wait_for(predicate: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.01)


def test_it_streams_live_mentions_after_catching_up(fake: FakeMastodon) -> None:
    fake.mention("while we were away")
    stream = MastodonStream(client_for(fake), read_timeout=5.0)
    out: list[Batch] = []
    stop = threading.Event()
    thread = collect(stream, {"since_id": "0"}, stop, out)
    wait_for(lambda: len(out) == 1)
    live = fake.mention("live one")
    fake.push("notification", json.dumps(live))
    fake.push("update", json.dumps(live["status"]))  # not a notification: ignored
    follow = fake.follow()
    fake.push("notification", json.dumps(follow))  # not a mention: ignored
    fake.push("notification", json.dumps(live))  # repeated: dropped
    fake.stream.put(":thump\n")
    fake.push("notification", "{not json")
    last = fake.mention("multi\nline")
    fake.stream.put(
        "event: notification\n"
        + "".join(f"data: {line}\n" for line in json.dumps(last, indent=1).splitlines())
        + "\n"
    )
    wait_for(lambda: sum(len(b.posts) for b in out) == 3)
    stop.set()
    thread.join(timeout=3)
    assert not thread.is_alive()
    assert texts(out) == ["while we were away", "live one", "multi\nline"]
    problems = [p for b in out for p in b.problems]
    assert len(problems) == 1
    assert problems[0].raw == "{not json"
    assert out[-1].cursor == {"since_id": last["id"]}


def test_it_recovers_what_arrived_while_the_stream_was_down(fake: FakeMastodon) -> None:
    stream = MastodonStream(client_for(fake), read_timeout=5.0)
    out: list[Batch] = []
    stop = threading.Event()
    first = fake.mention("first")
    thread = collect(stream, {"since_id": "0"}, stop, out)
    wait_for(lambda: len(out) == 1)
    fake.stream.put(None)  # the server drops the connection
    thread.join(timeout=3)
    assert out[-1].cursor["error"].endswith("the server closed the stream")
    cursor = out[0].cursor
    assert cursor == {"since_id": first["id"]}
    missed = [fake.mention(f"missed {n}") for n in range(3)]
    out.clear()
    thread = collect(stream, cursor, stop, out)
    wait_for(lambda: sum(len(b.posts) for b in out) == 3)
    # The REST catch-up got them; the stream repeating one of them hands nothing over twice.
    fake.push("notification", json.dumps(missed[2]))
    after = fake.mention("after")
    fake.push("notification", json.dumps(after))
    wait_for(lambda: sum(len(b.posts) for b in out) == 4)
    stop.set()
    thread.join(timeout=3)
    assert texts(out) == ["missed 0", "missed 1", "missed 2", "after"]
    assert fake.stream_connections == 2


def test_it_stops_a_quiet_stream_promptly(fake: FakeMastodon) -> None:
    stream = MastodonStream(client_for(fake), read_timeout=30.0)
    out: list[Batch] = []
    stop = threading.Event()
    thread = collect(stream, {"since_id": "0"}, stop, out)
    wait_for(lambda: fake.stream_connections == 1)
    time.sleep(0.1)
    started = time.monotonic()
    stop.set()
    thread.join(timeout=3)
    assert not thread.is_alive()
    assert time.monotonic() - started < 1.5
    assert not any("error" in b.cursor for b in out)


def test_it_listens_through_errors_with_backoff(fake: FakeMastodon) -> None:
    for n in range(3):
        fake.mention(f"m{n}")
    fake.scripted += [server_error, too_many_requests("2")]
    stored: list[str] = []
    waits: list[float] = []

    def sleep(stop: threading.Event, seconds: float) -> bool:
        waits.append(seconds)
        return False

    cursor = listen(
        MastodonMentions(client_for(fake), poll_seconds=30),
        cursor={"since_id": "0"},
        on_batch=lambda b: stored.extend(p.text for p in b.posts),
        stop=threading.Event(),
        backoff=Backoff(base=0.5, cap=10),
        max_rounds=3,
        sleep=sleep,
    )
    assert stored == ["m0", "m1", "m2"]
    assert cursor == {"since_id": fake.notifications[-1]["id"]}
    assert 0.25 <= waits[0] <= 0.5  # backoff after the 503
    assert waits[1] == 2.0  # Retry-After of the 429


# ---------------------------------------------------------------- replies


def test_it_replies_once_even_when_retried(fake: FakeMastodon) -> None:
    mention = fake.mention("where is my order?")
    host = fake.base_url.removeprefix("http://")
    client = client_for(fake)
    sent = client.reply(
        in_reply_to=f"{host}:{mention['status']['id']}",
        text="Sorry! Sending you a DM now.",
        idempotency_key="reply-1",
        mention="carol@remote.example",
    )
    again = client.reply(
        in_reply_to=f"{host}:{mention['status']['id']}",
        text="Sorry! Sending you a DM now.",
        idempotency_key="reply-1",
        mention="carol@remote.example",
    )
    assert sent == again
    assert sent.external_id.startswith(f"{host}:")
    [posted] = fake.posted.values()
    assert posted["in_reply_to_id"] == mention["status"]["id"]
    assert posted["content"] == "<p>@carol@remote.example Sorry! Sending you a DM now.</p>"


def test_it_does_not_repeat_a_mention_already_in_the_text(fake: FakeMastodon) -> None:
    mention = fake.mention("hi")
    host = fake.base_url.removeprefix("http://")
    client_for(fake).reply(
        in_reply_to=f"{host}:{mention['status']['id']}",
        text="@carol thanks!",
        idempotency_key="k",
        mention="carol@remote.example",
    )
    assert fake.posted["k"]["content"] == "<p>@carol thanks!</p>"


def test_it_reports_a_refused_reply_as_permanent(fake: FakeMastodon) -> None:
    mention = fake.mention("hi")
    host = fake.base_url.removeprefix("http://")
    with pytest.raises(PermanentError, match="Text can't be blank"):
        client_for(fake).reply(
            in_reply_to=f"{host}:{mention['status']['id']}", text="", idempotency_key="k"
        )
    with pytest.raises(PermanentError, match="not read through"):
        client_for(fake).reply(
            in_reply_to="mastodon.social:123", text="hello", idempotency_key="k2"
        )


def test_it_shows_a_quiet_stream_is_alive(fake: FakeMastodon) -> None:
    stream = MastodonStream(client_for(fake), read_timeout=5.0, keepalive_seconds=0.0)
    out: list[Batch] = []
    stop = threading.Event()
    thread = collect(stream, {"since_id": "7"}, stop, out)
    wait_for(lambda: fake.stream_connections == 1)
    fake.stream.put(":thump\n")
    wait_for(lambda: len(out) >= 1)
    stop.set()
    thread.join(timeout=3)
    assert out[0].posts == ()
    assert out[0].cursor == {"since_id": "7"}


@pytest.mark.parametrize("seed", range(6))
def test_it_never_loses_or_repeats_across_random_kills_and_arrivals(
    fake: FakeMastodon, seed: int
) -> None:
    import random

    rng = random.Random(seed)
    limit = rng.choice([1, 3, 7, 40])
    stored: list[str] = []
    persisted = json.dumps({"since_id": "0"})
    for _process in range(8):
        for _ in range(rng.randrange(0, 25)):
            fake.mention(f"m{len(fake.notifications)}")
            if rng.random() < 0.1:
                fake.follow()
        run = MastodonMentions(client_for(fake), page_limit=limit).fetch(
            json.loads(persisted), threading.Event()
        )
        for batch in run:
            stored += [p.text for p in batch.posts]
            persisted = json.dumps(batch.cursor)
            if rng.random() < 0.3:
                run.close()  # killed after storing this batch and its cursor
                break
    for batch in MastodonMentions(client_for(fake), page_limit=limit).fetch(
        json.loads(persisted), threading.Event()
    ):
        stored += [p.text for p in batch.posts]
    expected = [n["status"]["content"][3:-4] for n in fake.notifications if n["type"] == "mention"]
    assert stored == expected


def test_it_streams_from_the_instances_streaming_host(fake: FakeMastodon) -> None:
    fake.stream_redirect = "https://streaming.example.social"
    with pytest.raises(PermanentError, match=r"set streaming_url to https://streaming\.example"):
        list(MastodonStream(client_for(fake)).fetch({"since_id": "0"}, threading.Event()))
    fake.stream_redirect = ""
    # Another origin for the same server: as if it were streaming.<instance>.
    other = fake.base_url.replace("127.0.0.1", "localhost")
    stream = MastodonStream(client_for(fake), streaming_url=other, read_timeout=5.0)
    out: list[Batch] = []
    stop = threading.Event()
    thread = collect(stream, {"since_id": "0"}, stop, out)
    wait_for(lambda: fake.stream_connections == 1)
    live = fake.mention("over the streaming host")
    fake.push("notification", json.dumps(live))
    wait_for(lambda: sum(len(b.posts) for b in out) == 1)
    stop.set()
    thread.join(timeout=3)
    assert texts(out) == ["over the streaming host"]
    with pytest.raises(PermanentError):
        MastodonStream(client_for(fake), streaming_url="wss://streaming.example.social")
