"""Mastodon: mentions and hashtag/keyword timelines by REST polling, live mentions by streaming
(server-sent events), and replies with POST /api/v1/statuses.

Ids: Mastodon ids are per instance. A post read through an account on `mastodon.social` gets the
external id `mastodon.social:<status id>`, and its `reply_to_id` uses the same form, so a
conversation threads within Care and a reply goes back through that same instance.

Paging without gaps: the cursor is `since_id`, the newest id already handed over. A request with
`since_id` alone returns the *newest* page and would skip whatever arrived beyond one page between
polls, so the poller asks for `min_id=<since_id>` (the page immediately after the cursor) and
follows the `Link: rel="prev"` header forward until it is caught up.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time
from collections.abc import Generator, Mapping, Sequence
from datetime import datetime, timedelta
from threading import Event
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from escapevelocity.connectors.base import (
    USER_AGENT,
    Batch,
    Cursor,
    PermanentError,
    Problem,
    RateLimited,
    SentReply,
    TransientError,
    check_response,
    html_to_text,
    lag_of,
    parse_time,
    rate_limit_pause,
    utcnow,
)
from escapevelocity.connectors.sse import SSEDecoder
from escapevelocity.triage import Post

logger = logging.getLogger(__name__)

CHANNEL = "mastodon"
PAGE_LIMIT = 40  # the most Mastodon returns per page of notifications or statuses
# Keep one request in hand for a reply rather than spending the whole rate-limit window on reads.
RATE_LIMIT_FLOOR = 1


def id_key(value: str) -> tuple[int, str]:
    """Sort key for Mastodon ids: numeric strings compare by value, not as text."""
    return (len(value), value) if value.isdigit() else (0, value)


def is_newer(candidate: str, than: str | None) -> bool:
    """Return whether id `candidate` comes after cursor id `than` (None: everything is newer)."""
    return than is None or id_key(candidate) > id_key(than)


def _valid_id(value: object) -> str:
    if not isinstance(value, str) or not value.isdigit():
        raise ValueError(f"id is not a numeric string: {value!r}")
    return value


def status_to_post(status: Mapping[str, Any], *, host: str, account: str | None) -> Post:
    """Return the Post for a Mastodon status (the JSON entity); raise ValueError when malformed."""
    status_id = _valid_id(status.get("id"))
    author = status.get("account")
    if not isinstance(author, dict):
        raise ValueError("status has no account")
    acct = author.get("acct")
    if not isinstance(acct, str) or not acct:
        raise ValueError("status account has no acct")
    content = status.get("content")
    if not isinstance(content, str):
        raise ValueError("status has no content")
    text = html_to_text(content)
    spoiler = status.get("spoiler_text")
    if isinstance(spoiler, str) and spoiler.strip():
        text = f"{spoiler.strip()}\n\n{text}"
    followers = author.get("followers_count")
    reply_to = status.get("in_reply_to_id")
    language = status.get("language")
    url = status.get("url") or status.get("uri")
    return Post(
        external_id=f"{host}:{status_id}",
        channel=CHANNEL,
        text=text,
        author_handle=acct if "@" in acct else f"{acct}@{host}",
        author_reach=followers if isinstance(followers, int) and followers >= 0 else None,
        created_at=parse_time(status.get("created_at")),
        language=language if isinstance(language, str) and language else None,
        reply_to_id=f"{host}:{reply_to}" if isinstance(reply_to, str) and reply_to else None,
        url=url if isinstance(url, str) else None,
        account=account,
    )


class MastodonClient:
    """An authenticated client for one account on one instance; the token stays in its header."""

    def __init__(
        self,
        *,
        base_url: str,
        access_token: str,
        account: str | None = None,
        timeout: float = 15.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise PermanentError(f"Mastodon base URL must be http(s)://host: {base_url!r}")
        self.base_url = f"{parts.scheme}://{parts.netloc}"
        self.host = parts.netloc
        self.account = account
        self._pause_until: datetime | None = None
        self.http = httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {access_token}", "User-Agent": USER_AGENT},
            timeout=httpx.Timeout(timeout, read=timeout),
            transport=transport,
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"MastodonClient(base_url={self.base_url!r}, account={self.account!r})"

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()

    def same_origin(self, url: str) -> bool:
        """Return whether `url` points at this instance (the token is only ever sent there)."""
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}" == self.base_url

    def request(
        self,
        method: str,
        url: str,
        *,
        what: str,
        params: list[tuple[str, Any]] | None = None,
        data: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request, honouring a pause the last answer's rate-limit headers asked for."""
        now = utcnow()
        if self._pause_until is not None and self._pause_until > now:
            wait = (self._pause_until - now).total_seconds()
            raise RateLimited(f"{what}: rate-limit window exhausted", retry_after=wait)
        if url.startswith("http") and not self.same_origin(url):
            raise PermanentError(f"{what}: refusing to follow a link to another host")
        try:
            response = self.http.request(method, url, params=params, data=data, headers=headers)
        except httpx.HTTPError as exc:
            raise TransientError(f"{what}: {type(exc).__name__}") from exc
        self.note_rate_limit(response.headers)
        check_response(response, what=what)
        return response

    def note_rate_limit(self, headers: Mapping[str, str]) -> None:
        """Remember to pause when X-RateLimit-Remaining has run down to the floor."""
        now = utcnow()
        pause = rate_limit_pause(headers, now=now, floor=RATE_LIMIT_FLOOR)
        if pause > 0:
            self._pause_until = now + timedelta(seconds=pause)
        else:
            self._pause_until = None

    def reply(
        self,
        *,
        in_reply_to: str,
        text: str,
        idempotency_key: str,
        mention: str | None = None,
        visibility: str | None = None,
    ) -> SentReply:
        """Post `text` as a reply to the post with external id `in_reply_to`.

        Mastodon keeps the Idempotency-Key for an hour, so a retried reply is not posted twice.
        `mention` (the author's acct) is put in front unless the text already names it, since
        Mastodon notifies only the accounts a status mentions.
        """
        host, sep, status_id = in_reply_to.rpartition(":")
        if not sep or host != self.host or not status_id.isdigit():
            raise PermanentError(
                f"post {in_reply_to!r} was not read through {self.host}; reply from that account"
            )
        if mention:
            handle = "@" + mention.lstrip("@")
            local = handle.split("@")[1] if handle.count("@") >= 2 else handle[1:]
            if handle.lower() not in text.lower() and f"@{local}".lower() not in text.lower():
                text = f"{handle} {text}"
        data: dict[str, Any] = {"status": text, "in_reply_to_id": status_id}
        if visibility:
            data["visibility"] = visibility
        response = self.request(
            "POST",
            "/api/v1/statuses",
            what="Mastodon reply",
            data=data,
            headers={"Idempotency-Key": idempotency_key},
        )
        try:
            body = response.json()
            new_id = _valid_id(body.get("id"))
        except (ValueError, AttributeError) as exc:
            raise TransientError("Mastodon reply: the answer was not a status") from exc
        url = body.get("url")
        return SentReply(
            external_id=f"{self.host}:{new_id}", url=url if isinstance(url, str) else None
        )


def _shutdown(response: httpx.Response) -> None:
    stream = response.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _min_id_of(link: str | None) -> str | None:
    if not link:
        return None
    values = parse_qs(urlsplit(link).query).get("min_id")
    return values[0] if values else None


class _Poller:
    """Pages forward from a since_id cursor through one Mastodon list endpoint."""

    name = "mastodon"
    channel = CHANNEL

    def __init__(
        self,
        client: MastodonClient,
        *,
        path: str,
        params: Sequence[tuple[str, str]],
        poll_seconds: float,
        page_limit: int,
        max_pages: int,
    ) -> None:
        self.client = client
        self.path = path
        self.params = list(params)
        self.idle_seconds = poll_seconds
        self.page_limit = page_limit
        self.max_pages = max_pages

    def item_status(self, item: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """Return the status an item carries, or None to skip the item quietly."""
        return item

    def fetch(self, cursor: Mapping[str, Any] | None, stop: Event) -> Generator[Batch, None, None]:
        """Yield the items after the cursor, oldest first, one batch per page."""
        since = cursor.get("since_id") if cursor else None
        since = since if isinstance(since, str) and since.isdigit() else None
        first_run = since is None
        params: list[tuple[str, Any]] = [*self.params, ("limit", self.page_limit)]
        if since is not None:
            params.append(("min_id", since))
        for _ in range(self.max_pages):
            if stop.is_set():
                return
            response = self.client.request("GET", self.path, what=self.name, params=params)
            try:
                items = response.json()
            except ValueError as exc:
                raise TransientError(f"{self.name}: the answer was not JSON") from exc
            if not isinstance(items, list):
                raise TransientError(f"{self.name}: the answer was not a list")
            batch, newest = self.to_batch(items, since)
            if newest is None and since is None:
                # Nothing exists yet: everything from now on is new.
                yield Batch(posts=(), cursor={"since_id": "0"})
                return
            if newest is not None:
                since = newest
                yield batch
            if first_run or len(items) < self.page_limit:
                # A first run starts from the newest page; a short page means caught up.
                return
            following = _min_id_of(response.links.get("prev", {}).get("url")) or since
            params = [*self.params, ("limit", self.page_limit), ("min_id", following)]

    def to_batch(self, items: list[Any], since: str | None) -> tuple[Batch, str | None]:
        """Return the batch for one page (oldest first) and the newest id on it."""
        posts: list[Post] = []
        problems: list[Problem] = []
        keyed: list[tuple[str, Any]] = []
        for item in items:
            item_id = item.get("id") if isinstance(item, dict) else None
            if not isinstance(item_id, str) or not item_id.isdigit():
                problems.append(Problem.of(self.name, "item without a numeric id", item))
                continue
            keyed.append((item_id, item))
        keyed.sort(key=lambda pair: id_key(pair[0]))
        newest: str | None = None
        seen: set[str] = set()
        for item_id, item in keyed:
            if not is_newer(item_id, since) or item_id in seen:
                continue  # already handed over: the server repeated it
            seen.add(item_id)
            newest = item_id
            try:
                status = self.item_status(item)
                if status is not None:
                    posts.append(
                        status_to_post(status, host=self.client.host, account=self.client.account)
                    )
            except ValueError as exc:
                problems.append(Problem.of(self.name, str(exc), item))
        posts = [p for p in posts if self.keep(p)]
        cursor: Cursor = {"since_id": newest or since or "0"}
        now = utcnow()
        return (
            Batch(
                posts=tuple(posts),
                cursor=cursor,
                problems=tuple(problems),
                lag_seconds=lag_of(posts, now=now),
            ),
            newest,
        )

    def keep(self, post: Post) -> bool:
        """Return whether a post belongs in the stream (keyword filters override this)."""
        return True


class MastodonMentions(_Poller):
    """Mentions of the account, polled from GET /api/v1/notifications?types[]=mention."""

    def __init__(
        self,
        client: MastodonClient,
        *,
        poll_seconds: float = 30.0,
        page_limit: int = PAGE_LIMIT,
        max_pages: int = 50,
    ) -> None:
        super().__init__(
            client,
            path="/api/v1/notifications",
            params=[("types[]", "mention")],
            poll_seconds=poll_seconds,
            page_limit=page_limit,
            max_pages=max_pages,
        )
        self.name = f"mastodon mentions {client.account or client.host}"

    def item_status(self, item: Mapping[str, Any]) -> Mapping[str, Any] | None:
        if item.get("type") != "mention":
            return None
        status = item.get("status")
        if not isinstance(status, dict):
            raise ValueError("mention notification without a status")
        return status


class MastodonTimeline(_Poller):
    """A hashtag timeline (GET /api/v1/timelines/tag/:tag), or the instance's public timeline
    filtered by keywords (GET /api/v1/timelines/public) when no hashtag is given."""

    def __init__(
        self,
        client: MastodonClient,
        *,
        hashtag: str | None = None,
        keywords: Sequence[str] = (),
        local_only: bool = False,
        poll_seconds: float = 60.0,
        page_limit: int = PAGE_LIMIT,
        max_pages: int = 50,
    ) -> None:
        if hashtag:
            tag = hashtag.lstrip("#")
            if not tag or not all(ch.isalnum() or ch == "_" for ch in tag):
                raise PermanentError(f"not a hashtag: {hashtag!r}")
            path, params = f"/api/v1/timelines/tag/{tag}", []
        elif keywords:
            path, params = (
                "/api/v1/timelines/public",
                [("local", "true" if local_only else "false")],
            )
        else:
            raise PermanentError("a Mastodon timeline needs a hashtag or keywords")
        super().__init__(
            client,
            path=path,
            params=params,
            poll_seconds=poll_seconds,
            page_limit=page_limit,
            max_pages=max_pages,
        )
        self.keywords = tuple(k.lower() for k in keywords if k.strip())
        self.name = f"mastodon #{hashtag.lstrip('#')}" if hashtag else "mastodon keywords"

    def keep(self, post: Post) -> bool:
        if not self.keywords:
            return True
        text = post.text.lower()
        return any(keyword in text for keyword in self.keywords)


class MastodonStream:
    """Live mentions from the streaming API (GET /api/v1/streaming/user/notification, SSE).

    On every (re)connection the stream is opened first and the REST poller then catches up from
    the cursor, so a post that arrives while the listener was down or reconnecting is read from
    REST and one that arrives during the catch-up is read from the stream; ids at or below the
    cursor are dropped, so neither path hands a post over twice.
    """

    channel = CHANNEL
    idle_seconds = 1.0

    def __init__(
        self,
        client: MastodonClient,
        *,
        streaming_url: str | None = None,
        stream_path: str = "/api/v1/streaming/user/notification",
        read_timeout: float = 90.0,
        keepalive_seconds: float = 60.0,
    ) -> None:
        self.read_timeout = read_timeout
        self.keepalive_seconds = keepalive_seconds
        self.client = client
        # Large instances stream from their own host (streaming.mastodon.social): a configured
        # streaming_url is trusted like base_url, and the token is sent there too.
        self.url = (streaming_url or client.base_url).rstrip("/") + stream_path
        if urlsplit(self.url).scheme not in {"http", "https"}:
            raise PermanentError(f"the streaming URL must be http(s): {streaming_url!r}")
        self.poller = MastodonMentions(client)
        self.name = f"mastodon stream {client.account or client.host}"

    def fetch(self, cursor: Mapping[str, Any] | None, stop: Event) -> Generator[Batch, None, None]:
        """Catch up over REST, then yield each live mention as its own batch."""
        since = cursor.get("since_id") if cursor else None
        try:
            with self.client.http.stream(
                "GET",
                self.url,
                headers={"Accept": "text/event-stream"},
                timeout=httpx.Timeout(15.0, read=self.read_timeout),
            ) as response:
                if response.is_redirect:
                    where = urlsplit(response.headers.get("location", ""))
                    raise PermanentError(
                        f"{self.name}: the instance streams from elsewhere; set streaming_url "
                        f"to {where.scheme}://{where.netloc}"
                    )
                if response.status_code >= 400:
                    response.read()
                    check_response(response, what=self.name)
                if "text/event-stream" not in response.headers.get("content-type", ""):
                    raise TransientError(f"{self.name}: the answer was not an event stream")
                for batch in self.poller.fetch(cursor, stop):
                    since = batch.cursor.get("since_id", since)
                    yield batch
                yield from self._events(response, since, stop)
        except (httpx.HTTPError, OSError, ValueError) as exc:
            # Closing the response to stop a blocked read surfaces here as a read error.
            if stop.is_set():
                return
            raise TransientError(f"{self.name}: {type(exc).__name__}") from exc
        if not stop.is_set():
            raise TransientError(f"{self.name}: the server closed the stream")

    def _events(
        self, response: httpx.Response, since: str | None, stop: Event
    ) -> Generator[Batch, None, None]:
        decoder = SSEDecoder()
        done = threading.Event()

        def close_on_stop() -> None:
            # A blocked read only returns on data or close: close the stream when asked to stop.
            # Shutting the socket down wakes the reader; closing the response would wait for it.
            while not done.wait(0.1):
                if stop.is_set():
                    _shutdown(response)
                    return

        watcher = threading.Thread(target=close_on_stop, name="mastodon-stream-stop", daemon=True)
        watcher.start()
        last_yield = time.monotonic()
        try:
            for line in response.iter_lines():
                if stop.is_set():
                    return
                event = decoder.feed(line)
                if event is None or event.event != "notification":
                    if time.monotonic() - last_yield >= self.keepalive_seconds:
                        # A quiet account: an empty batch tells the caller the stream is alive.
                        last_yield = time.monotonic()
                        yield Batch(posts=(), cursor={"since_id": since or "0"})
                    continue
                last_yield = time.monotonic()
                try:
                    item = json.loads(event.data)
                    if not isinstance(item, dict):
                        raise ValueError("notification is not an object")
                    item_id = _valid_id(item.get("id"))
                except ValueError as exc:
                    problem = Problem.of(self.name, f"bad notification event: {exc}", event.data)
                    yield Batch(posts=(), cursor={"since_id": since or "0"}, problems=(problem,))
                    continue
                if not is_newer(item_id, since):
                    continue
                batch, newest = self.poller.to_batch([item], since)
                since = newest or since
                yield batch
        finally:
            done.set()
