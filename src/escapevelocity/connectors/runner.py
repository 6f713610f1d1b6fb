"""The listening loop around any connector: store, advance the cursor, back off, stop cleanly."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from threading import Event
from typing import Any

from escapevelocity.connectors.base import (
    Backoff,
    Batch,
    Connector,
    ConnectorError,
    PermanentError,
    RateLimited,
    lag_of,
    utcnow,
    wait_or_stop,
)

logger = logging.getLogger(__name__)

MAX_RATE_LIMIT_WAIT = 3600.0


@dataclass
class Health:
    """How a listener is doing, for the UI: last event, lag, errors."""

    connector: str
    state: str = "starting"  # starting | running | idle | waiting | stopped
    last_event_at: datetime | None = None
    last_success_at: datetime | None = None
    lag_seconds: float | None = None
    posts: int = 0
    problems: int = 0
    errors: int = 0
    consecutive_errors: int = 0
    last_error: str = ""
    last_error_at: datetime | None = None
    last_problem: str = ""
    next_attempt_in: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-serializable copy (times as ISO 8601 strings)."""
        out: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            out[name] = value.isoformat() if isinstance(value, datetime) else value
        return out

    def record_batch(self, batch: Batch, *, now: datetime) -> None:
        """Count a stored batch."""
        self.last_success_at = now
        self.consecutive_errors = 0
        if batch.posts:
            self.last_event_at = now
            self.posts += len(batch.posts)
        lag = batch.lag_seconds if batch.lag_seconds is not None else lag_of(batch.posts, now=now)
        if lag is not None:
            self.lag_seconds = lag
        if batch.problems:
            self.problems += len(batch.problems)
            self.last_problem = batch.problems[-1].message

    def record_error(self, error: ConnectorError, *, now: datetime) -> None:
        """Count a failed read."""
        self.errors += 1
        self.consecutive_errors += 1
        self.last_error = str(error)[:500]
        self.last_error_at = now


def listen(
    connector: Connector,
    *,
    cursor: Mapping[str, Any] | None,
    on_batch: Callable[[Batch], None],
    stop: Event,
    on_health: Callable[[Health], None] | None = None,
    backoff: Backoff | None = None,
    clock: Callable[[], datetime] = utcnow,
    max_rounds: int | None = None,
    sleep: Callable[[Event, float], bool] = wait_or_stop,
) -> dict[str, Any] | None:
    """Read `connector` until `stop` is set; return the last cursor handed to `on_batch`.

    `on_batch` must store the batch's posts and then its cursor; if it raises, the loop ends with
    that exception and the cursor is not advanced past what was stored. Connector failures are
    reported through `on_health` and retried after exponential backoff with jitter, or after the
    wait a rate-limit answer asked for. `max_rounds` bounds the loop (tests, one-shot runs);
    `sleep(stop, seconds)` waits between rounds and returns early once `stop` is set.
    """
    backoff = backoff or Backoff()
    health = Health(connector=connector.name)
    current: dict[str, Any] | None = dict(cursor) if cursor is not None else None
    rounds = 0

    def report(state: str, wait: float = 0.0) -> None:
        health.state = state
        health.next_attempt_in = wait
        if on_health is not None:
            on_health(health)

    while not stop.is_set() and (max_rounds is None or rounds < max_rounds):
        rounds += 1
        report("running")
        try:
            with contextlib.closing(connector.fetch(current, stop)) as batches:
                for batch in batches:
                    on_batch(batch)
                    current = dict(batch.cursor)
                    health.record_batch(batch, now=clock())
                    backoff.reset()
                    report("running")
                    if stop.is_set():
                        break
            wait = connector.idle_seconds
            state = "idle"
        except RateLimited as exc:
            health.record_error(exc, now=clock())
            wait = min(max(exc.retry_after, 0.0), MAX_RATE_LIMIT_WAIT)
            state = "waiting"
            logger.warning("%s: %s; waiting %.0f s", connector.name, exc, wait)
        except ConnectorError as exc:
            health.record_error(exc, now=clock())
            wait = backoff.next()
            if isinstance(exc, PermanentError):
                # Credentials or settings are wrong: keep trying, slowly, until someone fixes them.
                wait = max(wait, backoff.cap / 2)
            state = "waiting"
            logger.warning("%s: %s; retrying in %.1f s", connector.name, exc, wait)
        if stop.is_set() or (max_rounds is not None and rounds >= max_rounds):
            break
        report(state, wait)
        sleep(stop, wait)
    report("stopped")
    return current
