"""The listening loop: backoff with jitter, rate-limit waits, clean stop, health, cursors."""

from __future__ import annotations

import random
import threading
from collections.abc import Generator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from escapevelocity.connectors import (
    Backoff,
    Batch,
    PermanentError,
    RateLimited,
    TransientError,
    listen,
)
from escapevelocity.connectors.base import (
    check_response,
    html_to_text,
    parse_reset,
    parse_retry_after,
    rate_limit_pause,
)
from escapevelocity.triage import Post

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def post(n: int) -> Post:
    return Post(external_id=str(n), channel="test", text=f"post {n}", created_at=NOW)


class Scripted:
    """A connector whose rounds are scripted: a list of batches, or an exception to raise."""

    name = "scripted"
    channel = "test"
    idle_seconds = 5.0

    def __init__(self, rounds: list[list[Batch] | Exception]) -> None:
        self.rounds = rounds
        self.cursors: list[Any] = []

    def fetch(
        self, cursor: Mapping[str, Any] | None, stop: threading.Event
    ) -> Generator[Batch, None, None]:
        self.cursors.append(cursor)
        step = self.rounds.pop(0) if self.rounds else []
        if isinstance(step, Exception):
            raise step
        yield from step


def run(connector: Scripted, **options: Any) -> tuple[Any, list[float], list[dict[str, Any]]]:
    waits: list[float] = []
    health: list[dict[str, Any]] = []
    stored: list[str] = options.pop("stored", [])

    def sleep(stop: threading.Event, seconds: float) -> bool:
        waits.append(seconds)
        return stop.is_set()

    cursor = listen(
        connector,
        cursor=options.pop("cursor", None),
        on_batch=options.pop("on_batch", lambda b: stored.extend(p.external_id for p in b.posts)),
        stop=options.pop("stop", threading.Event()),
        on_health=lambda h: health.append(h.as_dict()),
        backoff=Backoff(base=1, cap=60, rng=random.Random(7)),
        clock=lambda: NOW + timedelta(seconds=30),
        sleep=sleep,
        **options,
    )
    return cursor, waits, health


def test_it_grows_the_backoff_with_jitter_up_to_the_cap() -> None:
    backoff = Backoff(base=1, cap=20, rng=random.Random(1))
    waits = [backoff.next() for _ in range(8)]
    for attempt, wait in enumerate(waits):
        ceiling = min(20, 2**attempt)
        assert ceiling / 2 <= wait <= ceiling
    assert len({round(w, 6) for w in waits[-3:]}) == 3  # jittered, not identical
    backoff.reset()
    assert backoff.next() <= 1


def test_it_stores_each_batch_then_moves_its_cursor() -> None:
    connector = Scripted(
        [
            [Batch(posts=(post(1), post(2)), cursor={"n": 2})],
            TransientError("network down"),
            [Batch(posts=(post(3),), cursor={"n": 3})],
        ]
    )
    stored: list[str] = []
    cursor, waits, health = run(connector, cursor={"n": 0}, max_rounds=3, stored=stored)
    assert stored == ["1", "2", "3"]
    assert cursor == {"n": 3}
    assert connector.cursors == [{"n": 0}, {"n": 2}, {"n": 2}]
    assert waits[0] == 5.0  # the poll interval after a good round
    assert 0.5 <= waits[1] <= 1.0  # backoff after the failure
    last = health[-1]
    assert last["state"] == "stopped"
    assert last["posts"] == 3
    assert last["errors"] == 1
    assert last["consecutive_errors"] == 0
    assert last["last_error"] == "network down"
    assert last["lag_seconds"] == 30.0
    assert last["last_event_at"] == (NOW + timedelta(seconds=30)).isoformat()


def test_it_waits_as_long_as_a_rate_limit_asks() -> None:
    connector = Scripted([RateLimited("slow down", retry_after=42), []])
    _cursor, waits, health = run(connector, max_rounds=2)
    assert waits[0] == 42
    assert any(h["state"] == "waiting" and h["next_attempt_in"] == 42 for h in health)


def test_it_retries_bad_credentials_slowly() -> None:
    _cursor, waits, _health = run(Scripted([PermanentError("401"), []]), max_rounds=2)
    assert waits[0] >= 30


def test_it_keeps_the_cursor_when_storing_fails() -> None:
    connector = Scripted([[Batch(posts=(post(1),), cursor={"n": 1})]])

    def broken(batch: Batch) -> None:
        raise RuntimeError("database is down")

    with pytest.raises(RuntimeError):
        run(connector, cursor={"n": 0}, on_batch=broken, max_rounds=1)


def test_it_stops_between_batches_when_asked() -> None:
    stop = threading.Event()
    connector = Scripted(
        [[Batch(posts=(post(1),), cursor={"n": 1}), Batch(posts=(post(2),), cursor={"n": 2})]]
    )
    stored: list[str] = []

    def on_batch(batch: Batch) -> None:
        stored.extend(p.external_id for p in batch.posts)
        stop.set()

    cursor, _waits, health = run(connector, on_batch=on_batch, stop=stop)
    assert stored == ["1"]
    assert cursor == {"n": 1}
    assert health[-1]["state"] == "stopped"


def test_it_counts_problems_for_the_health_view() -> None:
    from escapevelocity.connectors import Problem

    problem = Problem.of("scripted", "bad event", "x" * 500)
    assert len(problem.raw) == 200
    connector = Scripted([[Batch(posts=(), cursor={}, problems=(problem, problem))]])
    _cursor, _waits, health = run(connector, max_rounds=1)
    assert health[-1]["problems"] == 2
    assert health[-1]["last_problem"] == "bad event"


def test_it_reads_retry_after_as_seconds_or_a_date() -> None:
    assert parse_retry_after("120", now=NOW) == 120
    assert parse_retry_after("Sat, 21 Nov 2026 12:01:00 GMT", now=NOW) == 60
    assert parse_retry_after("soon", now=NOW) is None
    assert parse_retry_after(None, now=NOW) is None


def test_it_reads_rate_limit_resets_in_every_form() -> None:
    assert parse_reset("2026-11-21T12:05:00.000Z", now=NOW) == 300
    assert parse_reset(str(NOW.timestamp() + 90), now=NOW) == 90
    assert parse_reset("15", now=NOW) == 15
    assert parse_reset("never", now=NOW) is None
    headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "2026-11-21T12:00:10Z"}
    assert rate_limit_pause(headers, now=NOW) == 10
    assert rate_limit_pause({**headers, "x-ratelimit-remaining": "250"}, now=NOW) == 0


def test_it_maps_http_answers_to_errors() -> None:
    import httpx

    request = httpx.Request("GET", "https://example.com")
    check_response(httpx.Response(200, request=request), what="x")
    with pytest.raises(RateLimited):
        check_response(httpx.Response(429, request=request), what="x")
    with pytest.raises(TransientError):
        check_response(httpx.Response(502, request=request), what="x")
    with pytest.raises(PermanentError, match="Record not found"):
        check_response(
            httpx.Response(404, json={"error": "Record not found"}, request=request), what="x"
        )


def test_it_turns_html_into_plain_text() -> None:
    assert html_to_text("<p>Hi &amp; bye</p><p>two<br/>lines</p>") == "Hi & bye\n\ntwo\nlines"
    assert html_to_text("<script>alert(1)</script>ok") == "ok"
    assert html_to_text("a &lt;b&gt; c") == "a <b> c"
