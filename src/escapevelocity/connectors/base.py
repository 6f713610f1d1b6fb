"""What every connector shares: batches with their cursor, problems, errors, backoff, rate limits.

A connector reads a network and yields `Batch` records. Each batch carries the posts it read and
the cursor to persist *after* those posts are stored: a caller that stores the posts, then the
cursor, and is killed anywhere in between, re-reads at most the last batch on restart, and the
adapters drop what their cursor says they have already handed over.
"""

from __future__ import annotations

import html
import math
import random
import re
from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from threading import Event
from typing import Any, Protocol

import httpx

from escapevelocity.triage import Post

USER_AGENT = "EscapeVelocity/0.1 (+https://github.com/escapevelocity; connectors)"
RAW_EXCERPT_CHARS = 200

Cursor = dict[str, Any]


class ConnectorError(Exception):
    """A connector could not read or write; the message is safe to show (no credentials)."""


class TransientError(ConnectorError):
    """Worth retrying after a pause: network failures, disconnects, server errors."""


class RateLimited(TransientError):
    """The network asked us to slow down; `retry_after` is how long to wait, in seconds."""

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(ConnectorError):
    """Retrying the same request will not help: bad credentials, refused input, missing post."""


@dataclass(frozen=True, slots=True)
class Problem:
    """An event the connector could not read: skipped and reported, never dropped silently."""

    connector: str
    message: str
    raw: str = ""

    @classmethod
    def of(cls, connector: str, message: str, raw: object = "") -> Problem:
        """Return a problem with at most RAW_EXCERPT_CHARS of the offending input."""
        text = raw if isinstance(raw, str) else repr(raw)
        return cls(connector=connector, message=message, raw=text[:RAW_EXCERPT_CHARS])


@dataclass(frozen=True, slots=True)
class Batch:
    """Posts read in one step, and the cursor to persist once they are stored."""

    posts: tuple[Post, ...]
    cursor: Cursor
    problems: tuple[Problem, ...] = ()
    lag_seconds: float | None = None


class Connector(Protocol):
    """A source of batches. `fetch` reads until caught up (pollers) or disconnected (streams)."""

    name: str
    channel: str
    idle_seconds: float

    def fetch(self, cursor: Mapping[str, Any] | None, stop: Event) -> Generator[Batch, None, None]:
        """Yield batches from `cursor` on; return when caught up; raise ConnectorError."""
        ...


@dataclass
class Backoff:
    """Exponential backoff with jitter: each wait is drawn from [ceiling/2, ceiling].

    The ceiling doubles per consecutive failure up to `cap`. Half the ceiling is kept as a floor
    ("equal jitter") so a failing network is never hammered, while the random half spreads many
    listeners that failed together.
    """

    base: float = 1.0
    cap: float = 300.0
    factor: float = 2.0
    rng: random.Random = field(default_factory=random.Random)
    attempts: int = 0

    def next(self) -> float:
        """Return the next wait in seconds and count the failure."""
        self.attempts += 1
        ceiling = min(self.cap, self.base * self.factor ** min(self.attempts - 1, 62))
        return self.rng.uniform(ceiling / 2, ceiling)

    def reset(self) -> None:
        """Forget past failures after a success."""
        self.attempts = 0


def utcnow() -> datetime:
    """Return the current aware UTC time (the pure packages do not use Django's timezone)."""
    return datetime.now(UTC)


def parse_retry_after(value: str | None, *, now: datetime) -> float | None:
    """Return the seconds to wait from an HTTP Retry-After value (seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def parse_reset(value: str | None, *, now: datetime) -> float | None:
    """Return the seconds until a rate-limit window resets.

    Mastodon sends X-RateLimit-Reset as an ISO 8601 time; other APIs send epoch seconds or a
    number of seconds from now. All three are understood.
    """
    if not value:
        return None
    value = value.strip()
    try:
        number = float(value)
    except ValueError:
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, (when - now).total_seconds())
    if not math.isfinite(number) or number < 0:
        return None
    if number > 1_000_000_000:
        return max(0.0, number - now.timestamp())
    return number


def rate_limit_pause(headers: Mapping[str, str], *, now: datetime, floor: int = 0) -> float:
    """Return how long to pause before the next request, from X-RateLimit-Remaining/-Reset.

    Zero while requests remain above `floor`; otherwise the time until the window resets.
    """
    remaining = headers.get("x-ratelimit-remaining")
    if remaining is None:
        return 0.0
    try:
        left = int(float(remaining))
    except ValueError:
        return 0.0
    if left > floor:
        return 0.0
    return parse_reset(headers.get("x-ratelimit-reset"), now=now) or 0.0


def check_response(response: httpx.Response, *, what: str, now: datetime | None = None) -> None:
    """Raise the ConnectorError that an HTTP answer means, or return when it succeeded."""
    status = response.status_code
    if status < 400:
        return
    now = now or utcnow()
    if status == 429:
        wait = parse_retry_after(response.headers.get("retry-after"), now=now)
        if wait is None:
            wait = parse_reset(response.headers.get("x-ratelimit-reset"), now=now)
        raise RateLimited(
            f"{what}: rate limited (HTTP 429)", retry_after=60.0 if wait is None else wait
        )
    if status >= 500 or status == 408:
        raise TransientError(f"{what}: server error (HTTP {status})")
    raise PermanentError(f"{what}: refused (HTTP {status}){_error_detail(response)}")


def _error_detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, dict):
        for key in ("error_description", "error", "message"):
            if isinstance(body.get(key), str):
                return f": {body[key][:200]}"
    return ""


def wait_or_stop(stop: Event, seconds: float) -> bool:
    """Sleep up to `seconds`, waking early when `stop` is set; return True when stopped."""
    return stop.wait(max(0.0, seconds))


class _TextExtractor(HTMLParser):
    BREAKS = frozenset({"br", "p", "div", "li", "blockquote", "h1", "h2", "h3", "h4", "tr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style"}:
            self.skip += 1
        elif tag in self.BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"} and self.skip:
            self.skip -= 1
        elif tag in {"p", "div", "li", "blockquote"}:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


_BLANKS = re.compile(r"[ \t\r\f\v]+")
_LINES = re.compile(r"\n\s*\n+")


def html_to_text(markup: str) -> str:
    """Return the readable text of an HTML fragment: tags dropped, entities decoded, breaks kept.

    The result is plain text, never markup: callers still escape it when they render it.
    """
    if "<" not in markup:
        return html.unescape(markup).strip()
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    text = _BLANKS.sub(" ", "".join(parser.parts))
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _LINES.sub("\n\n", text).strip()


def parse_time(value: object) -> datetime | None:
    """Return an aware datetime from an ISO 8601 string, or None when it is not one."""
    if not isinstance(value, str) or not value:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def lag_of(posts: tuple[Post, ...] | list[Post], *, now: datetime) -> float | None:
    """Return the seconds between now and the newest post's creation, when known."""
    times = [p.created_at for p in posts if p.created_at is not None]
    if not times:
        return None
    return max(0.0, (now - max(times)).total_seconds())


@dataclass(frozen=True, slots=True)
class SentReply:
    """A reply the network accepted: its id there (same form as Post.external_id) and address."""

    external_id: str
    url: str | None = None
