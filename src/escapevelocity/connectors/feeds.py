"""RSS and Atom feeds (blogs, review sites, forums): conditional GET, de-duplication by entry id.

A feed is a sliding window of recent entries. The cursor keeps the server's ETag and
Last-Modified (sent back as If-None-Match / If-Modified-Since, so an unchanged feed costs a 304
and no parsing) and the ids of the entries already handed over, newest last, bounded. An entry
whose id comes back (an edit, a reordered feed) is not handed over again.
"""

from __future__ import annotations

import calendar
import hashlib
import io
import logging
import re
from collections.abc import Generator, Mapping
from datetime import UTC, datetime
from threading import Event
from typing import Any
from urllib.parse import urlsplit

import feedparser
import httpx

from escapevelocity.connectors.base import (
    USER_AGENT,
    Batch,
    PermanentError,
    Problem,
    TransientError,
    check_response,
    html_to_text,
    lag_of,
    utcnow,
)
from escapevelocity.triage import Post

logger = logging.getLogger(__name__)

MAX_FEED_BYTES = 10 * 1024 * 1024
SEEN_LIMIT = 2000
MAX_ID = 200  # what Care stores as an external id
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S")


def _entry_time(entry: Mapping[str, Any]) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            try:
                return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
            except (TypeError, ValueError, OverflowError):
                continue
    return None


def entry_id(entry: Mapping[str, Any]) -> str | None:
    """Return an entry's identity: its id/guid, else its link, else a digest of its content."""
    for key in ("id", "link"):
        value = entry.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    title, summary = entry.get("title") or "", entry.get("summary") or ""
    if isinstance(title, str) and isinstance(summary, str) and (title or summary):
        return "sha256-" + hashlib.sha256(f"{title}\n{summary}".encode()).hexdigest()[:32]
    return None


class FeedSource:
    """One RSS or Atom feed, polled."""

    def __init__(
        self,
        *,
        url: str,
        channel: str = "feed",
        account: str | None = None,
        poll_seconds: float = 900.0,
        timeout: float = 20.0,
        seen_limit: int = SEEN_LIMIT,
        max_text: int = 5000,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if urlsplit(url).scheme not in {"http", "https"}:
            raise PermanentError(f"a feed address must be http(s): {url!r}")
        self.url = url
        self.channel = channel
        self.account = account
        self.idle_seconds = poll_seconds
        self.seen_limit = seen_limit
        self.max_text = max_text
        self.site = urlsplit(url).netloc
        self.name = f"feed {url}"
        self.http = httpx.Client(
            headers={"User-Agent": USER_AGENT},
            timeout=timeout,
            transport=transport,
            follow_redirects=True,
            max_redirects=5,
        )

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()

    def fetch(self, cursor: Mapping[str, Any] | None, stop: Event) -> Generator[Batch, None, None]:
        """Yield one batch with the entries not seen before (none when the feed is unchanged)."""
        cursor = dict(cursor or {})
        seen_list = [s for s in cursor.get("seen", []) if isinstance(s, str)]
        headers = {
            "Accept": "application/atom+xml, application/rss+xml, application/xml;q=0.9, */*;q=0.5"
        }
        if isinstance(cursor.get("etag"), str):
            headers["If-None-Match"] = cursor["etag"]
        if isinstance(cursor.get("last_modified"), str):
            headers["If-Modified-Since"] = cursor["last_modified"]
        try:
            with self.http.stream("GET", self.url, headers=headers) as response:
                if response.status_code == 304:
                    return
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > MAX_FEED_BYTES:
                        raise PermanentError(f"{self.name}: larger than {MAX_FEED_BYTES} bytes")
                    chunks.append(chunk)
                    if stop.is_set():
                        return
        except httpx.HTTPError as exc:
            raise TransientError(f"{self.name}: {type(exc).__name__}") from exc
        check_response(response, what=self.name)
        body = b"".join(chunks)
        # A stream, never bytes or str: feedparser treats a string as a URL or a file path.
        parsed = feedparser.parse(
            io.BytesIO(body),
            response_headers={
                "content-type": response.headers.get("content-type", "application/xml"),
                "content-location": str(response.url),
            },
            sanitize_html=True,
            resolve_relative_uris=True,
        )
        next_cursor: dict[str, Any] = {"seen": seen_list}
        if response.headers.get("etag"):
            next_cursor["etag"] = response.headers["etag"]
        if response.headers.get("last-modified"):
            next_cursor["last_modified"] = response.headers["last-modified"]
        yield self.to_batch(parsed, seen_list, next_cursor)

    def to_batch(self, parsed: Any, seen_list: list[str], next_cursor: dict[str, Any]) -> Batch:
        """Return the batch of unseen entries (oldest first) in a parsed feed."""
        problems: list[Problem] = []
        if parsed.get("bozo") and not parsed.get("entries"):
            error = parsed.get("bozo_exception")
            problems.append(Problem.of(self.name, f"not a readable feed: {type(error).__name__}"))
        feed = parsed.get("feed") or {}
        language = feed.get("language") if isinstance(feed.get("language"), str) else None
        seen = set(seen_list)
        fresh: list[tuple[datetime | None, int, str, Post]] = []
        for position, entry in enumerate(parsed.get("entries") or []):
            identity = entry_id(entry)
            if identity is None:
                problems.append(
                    Problem.of(self.name, "entry without id, link or text", dict(entry))
                )
                continue
            if identity in seen:
                continue
            seen.add(identity)
            try:
                post = self.entry_to_post(entry, identity, language)
            except ValueError as exc:
                problems.append(Problem.of(self.name, str(exc), identity))
                continue
            fresh.append((post.created_at, -position, identity, post))
        # Oldest first; entries without a date keep the feed's order (newest listed first).
        epoch = datetime.min.replace(tzinfo=UTC)
        fresh.sort(key=lambda row: (row[0] or epoch, row[1]))
        seen_list = [*seen_list, *(identity for _, _, identity, _ in fresh)][-self.seen_limit :]
        next_cursor["seen"] = seen_list
        posts = tuple(row[3] for row in fresh)
        return Batch(
            posts=posts,
            cursor=next_cursor,
            problems=tuple(problems),
            lag_seconds=lag_of(posts, now=utcnow()),
        )

    def entry_to_post(self, entry: Mapping[str, Any], identity: str, language: str | None) -> Post:
        """Return the Post for a feed entry; raise ValueError when it has no text at all."""
        title = html_to_text(entry.get("title") or "")
        content = entry.get("content")
        body_html = ""
        if isinstance(content, list) and content and isinstance(content[0], dict):
            body_html = content[0].get("value") or ""
        body_html = body_html or entry.get("summary") or ""
        body = html_to_text(body_html)
        text = "\n\n".join(part for part in (title, body) if part)
        if not text:
            raise ValueError("entry has no title and no text")
        if len(text) > self.max_text:
            text = text[: self.max_text - 1].rstrip() + "…"
        link = entry.get("link")
        author = entry.get("author")
        # Entry ids that are not URIs (a bare "42") are only unique within their feed.
        external_id = identity if _URI.match(identity) else f"{self.url}#{identity}"
        if len(external_id) > MAX_ID:
            external_id = "sha256-" + hashlib.sha256(external_id.encode()).hexdigest()[:40]
        return Post(
            external_id=external_id,
            channel=self.channel,
            text=text,
            # Reviews and forum posts often carry no author: the feed itself speaks.
            author_handle=author.strip()
            if isinstance(author, str) and author.strip()
            else self.site,
            created_at=_entry_time(entry),
            language=language.split("-")[0].lower() if language else None,
            url=link if isinstance(link, str) else None,
            account=self.account,
        )
