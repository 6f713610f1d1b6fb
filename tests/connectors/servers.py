"""Local servers on 127.0.0.1 that speak each network's real message shapes, for the tests.

Each runs in a thread, answers like the real service (JSON entities, Link headers, SSE frames,
Jetstream events, RSS/Atom XML), and can be told to misbehave: answer 429 or 500, repeat
events, send malformed ones, or drop the connection.
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve

TOKEN = "test-access-token-0123456789"
BASE_TIME = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


class Handler(BaseHTTPRequestHandler):
    """Hands every request to the owning fake's `handle(handler)`."""

    server: Any

    def do_GET(self) -> None:
        self.server.fake.handle(self)

    def do_POST(self) -> None:
        self.server.fake.handle(self)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def send_json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_body(status, data, "application/json; charset=utf-8", headers)

    def send_body(
        self, status: int, data: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def body_form(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode()
        if "json" in (self.headers.get("Content-Type") or ""):
            return json.loads(raw)
        return {k: v[0] for k, v in parse_qs(raw).items()}


@contextmanager
def http_server(fake: Any) -> Iterator[str]:
    """Serve `fake` on 127.0.0.1 at a free port; yield its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.fake = fake  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield fake.base_url
    finally:
        fake.closing.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# ---------------------------------------------------------------- Mastodon


def mastodon_account(acct: str, followers: int = 12) -> dict[str, Any]:
    return {
        "id": str(abs(hash(acct)) % 10**8),
        "username": acct.split("@")[0],
        "acct": acct,
        "display_name": acct.title(),
        "locked": False,
        "bot": False,
        "followers_count": followers,
        "following_count": 3,
        "statuses_count": 40,
        "url": f"https://remote.example/@{acct}",
    }


@dataclass
class FakeMastodon:
    """A Mastodon instance: notifications, hashtag and public timelines, streaming, statuses."""

    base_url: str = ""
    notifications: list[dict[str, Any]] = field(default_factory=list)
    statuses: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str, dict[str, list[str]]]] = field(default_factory=list)
    # Answers to give instead of the real one, consumed in order by GET list requests.
    scripted: list[Callable[[Handler], None]] = field(default_factory=list)
    rate_limit_headers: dict[str, str] = field(default_factory=dict)
    stream: queue.Queue[str | None] = field(default_factory=queue.Queue)
    stream_connections: int = 0
    stream_redirect: str = ""
    posted: dict[str, dict[str, Any]] = field(default_factory=dict)
    closing: threading.Event = field(default_factory=threading.Event)
    next_id: int = 95  # ids cross from two to three digits: compared as numbers, not text
    lock: threading.Lock = field(default_factory=threading.Lock)

    def status(self, text: str, *, acct: str = "carol@remote.example", **extra: Any) -> dict:
        with self.lock:
            self.next_id += 1
            status_id = str(self.next_id)
        created = BASE_TIME + timedelta(minutes=int(status_id))
        status = {
            "id": status_id,
            "created_at": created.isoformat().replace("+00:00", ".000Z"),
            "in_reply_to_id": None,
            "in_reply_to_account_id": None,
            "sensitive": False,
            "spoiler_text": "",
            "visibility": "public",
            "language": "en",
            "uri": f"https://remote.example/users/carol/statuses/{status_id}",
            "url": f"https://remote.example/@carol/{status_id}",
            "replies_count": 0,
            "reblogs_count": 0,
            "favourites_count": 0,
            "content": f"<p>{text}</p>",
            "reblog": None,
            "account": mastodon_account(acct),
            "media_attachments": [],
            "mentions": [{"id": "1", "username": "acme", "acct": "acme", "url": ""}],
            "tags": [],
            "emojis": [],
            "card": None,
            "poll": None,
        }
        status.update(extra)
        return status

    def mention(self, text: str, **extra: Any) -> dict[str, Any]:
        """Add a mention notification (its id shared with its status, for easy reading)."""
        status = self.status(text, **extra)
        notification = {
            "id": status["id"],
            "type": "mention",
            "created_at": status["created_at"],
            "account": status["account"],
            "status": status,
        }
        with self.lock:
            self.notifications.append(notification)
            self.statuses.append(status)
        return notification

    def follow(self) -> dict[str, Any]:
        with self.lock:
            self.next_id += 1
            notification = {
                "id": str(self.next_id),
                "type": "follow",
                "created_at": BASE_TIME.isoformat(),
                "account": mastodon_account("dave@remote.example"),
            }
            self.notifications.append(notification)
        return notification

    def push(self, event: str, data: str) -> None:
        """Queue one server-sent event for the open stream."""
        self.stream.put(f"event: {event}\ndata: {data}\n\n")

    def handle(self, h: Handler) -> None:
        parts = urlsplit(h.path)
        query = parse_qs(parts.query)
        self.requests.append((h.command, parts.path, query))
        if h.headers.get("Authorization") != f"Bearer {TOKEN}":
            h.send_json(401, {"error": "The access token is invalid"})
            return
        if parts.path == "/api/v1/streaming/user/notification":
            if self.stream_redirect:
                h.send_response(302)
                h.send_header("Location", self.stream_redirect + parts.path)
                h.send_header("Content-Length", "0")
                h.end_headers()
                return
            self.serve_stream(h)
            return
        if h.command == "POST" and parts.path == "/api/v1/statuses":
            self.post_status(h)
            return
        if self.scripted:
            self.scripted.pop(0)(h)
            return
        if parts.path == "/api/v1/notifications":
            types = query.get("types[]")
            items = [n for n in self.notifications if not types or n["type"] in types]
        elif parts.path.startswith("/api/v1/timelines/tag/"):
            tag = parts.path.rsplit("/", 1)[1].lower()
            items = [s for s in self.statuses if tag in [t["name"] for t in s.get("tags", [])]]
        elif parts.path == "/api/v1/timelines/public":
            items = list(self.statuses)
        else:
            h.send_json(404, {"error": "Record not found"})
            return
        self.send_page(h, parts.path, query, items)

    def send_page(
        self, h: Handler, path: str, query: dict[str, list[str]], items: list[dict[str, Any]]
    ) -> None:
        """Answer like Mastodon: newest first, min_id pages forward, Link next/prev."""

        def key(item: dict[str, Any]) -> int:
            return int(item["id"])

        limit = min(int(query.get("limit", ["20"])[0]), 40)
        ordered = sorted(items, key=key)
        if "max_id" in query:
            ordered = [i for i in ordered if key(i) < int(query["max_id"][0])]
        if "min_id" in query:
            page = [i for i in ordered if key(i) > int(query["min_id"][0])][:limit]
        else:
            if "since_id" in query:
                ordered = [i for i in ordered if key(i) > int(query["since_id"][0])]
            page = ordered[-limit:]
        page = sorted(page, key=key, reverse=True)
        headers = dict(self.rate_limit_headers)
        if page:
            base = f"{self.base_url}{path}"
            headers["Link"] = (
                f'<{base}?limit={limit}&max_id={page[-1]["id"]}>; rel="next", '
                f'<{base}?limit={limit}&min_id={page[0]["id"]}>; rel="prev"'
            )
        h.send_json(200, page, headers)

    def serve_stream(self, h: Handler) -> None:
        self.stream_connections += 1
        h.send_response(200)
        h.send_header("Content-Type", "text/event-stream")
        h.send_header("Cache-Control", "no-store")
        h.end_headers()
        h.wfile.write(b":)\n")
        h.wfile.flush()
        while not self.closing.is_set():
            try:
                chunk = self.stream.get(timeout=0.05)
            except queue.Empty:
                continue
            if chunk is None:
                return  # the server drops the connection
            try:
                h.wfile.write(chunk.encode())
                h.wfile.flush()
            except OSError:
                return

    def post_status(self, h: Handler) -> None:
        form = h.body_form()
        key = h.headers.get("Idempotency-Key", "")
        if key in self.posted:
            h.send_json(200, self.posted[key])
            return
        if not form.get("status"):
            h.send_json(422, {"error": "Validation failed: Text can't be blank"})
            return
        status = self.status(form["status"], acct="acme", in_reply_to_id=form.get("in_reply_to_id"))
        status["url"] = f"{self.base_url}/@acme/{status['id']}"
        self.posted[key] = status
        h.send_json(200, status)


def too_many_requests(retry_after: str) -> Callable[[Handler], None]:
    def answer(h: Handler) -> None:
        h.send_json(429, {"error": "Too many requests"}, {"Retry-After": retry_after})

    return answer


def server_error(h: Handler) -> None:
    h.send_json(503, {"error": "Service unavailable"})


def not_json(h: Handler) -> None:
    h.send_body(200, b"<html>maintenance</html>", "text/html")


# ---------------------------------------------------------------- Bluesky

COMPANY_DID = "did:plc:acmecompany000000000000"
COMPANY_HANDLE = "acme.example.com"


def jetstream_post(
    time_us: int,
    text: str,
    *,
    did: str = "did:plc:customer00000000000000001",
    rkey: str | None = None,
    facets: list[dict[str, Any]] | None = None,
    reply: dict[str, Any] | None = None,
    embed: dict[str, Any] | None = None,
    operation: str = "create",
) -> dict[str, Any]:
    """A Jetstream commit event for an app.bsky.feed.post record, as Jetstream sends it."""
    record: dict[str, Any] = {
        "$type": "app.bsky.feed.post",
        "createdAt": datetime.fromtimestamp(time_us / 1e6, tz=UTC)
        .isoformat()
        .replace("+00:00", "Z"),
        "langs": ["en"],
        "text": text,
    }
    if facets is not None:
        record["facets"] = facets
    if reply is not None:
        record["reply"] = reply
    if embed is not None:
        record["embed"] = embed
    return {
        "did": did,
        "time_us": time_us,
        "kind": "commit",
        "commit": {
            "rev": f"3l{time_us}",
            "operation": operation,
            "collection": "app.bsky.feed.post",
            "rkey": rkey or f"3k{time_us}",
            "record": record,
            "cid": f"bafyreib{time_us}",
        },
    }


def mention_facet(text: str, handle: str = COMPANY_HANDLE, did: str = COMPANY_DID) -> list:
    start = text.encode().index(f"@{handle}".encode())
    return [
        {
            "$type": "app.bsky.richtext.facet",
            "index": {"byteStart": start, "byteEnd": start + len(handle.encode()) + 1},
            "features": [{"$type": "app.bsky.richtext.facet#mention", "did": did}],
        }
    ]


@dataclass
class FakeJetstream:
    """A Jetstream instance: replays its events from `cursor` (inclusive, as a rewind would)."""

    events: list[Any] = field(default_factory=list)
    # Per connection: send at most this many events, then drop the connection (None: keep open).
    drops: list[int | None] = field(default_factory=list)
    connections: list[dict[str, list[str]]] = field(default_factory=list)
    url: str = ""
    closing: threading.Event = field(default_factory=threading.Event)

    def handler(self, ws: ServerConnection) -> None:
        query = parse_qs(urlsplit(ws.request.path).query if ws.request else "")
        self.connections.append(query)
        drop = self.drops.pop(0) if self.drops else None
        cursor = int(query["cursor"][0]) if "cursor" in query else None
        sent = 0
        for event in list(self.events):
            time_us = event.get("time_us") if isinstance(event, dict) else None
            if cursor is not None and isinstance(time_us, int) and time_us < cursor:
                continue
            if drop is not None and sent >= drop:
                ws.close(code=1011, reason="going away")
                return
            ws.send(event if isinstance(event, str) else json.dumps(event))
            sent += 1
        try:
            while not self.closing.is_set():
                try:
                    ws.recv(timeout=0.05)
                except TimeoutError:
                    continue
        except ConnectionClosed:
            return


@contextmanager
def jetstream_server(fake: FakeJetstream) -> Iterator[str]:
    server = serve(fake.handler, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    port = server.socket.getsockname()[1]
    fake.url = f"ws://127.0.0.1:{port}/subscribe"
    try:
        yield fake.url
    finally:
        fake.closing.set()
        server.shutdown()
        thread.join(timeout=5)


@dataclass
class FakePDS:
    """A Bluesky PDS answering the XRPC calls a reply needs."""

    base_url: str = ""
    password: str = "app-pass-word-abcd"
    account_handle: str = COMPANY_HANDLE
    did: str = COMPANY_DID
    posts: dict[str, dict[str, Any]] = field(default_factory=dict)
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    sessions: int = 0
    expire_next: bool = False
    calls: list[str] = field(default_factory=list)
    closing: threading.Event = field(default_factory=threading.Event)

    def handle(self, h: Handler) -> None:
        parts = urlsplit(h.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        nsid = parts.path.removeprefix("/xrpc/")
        self.calls.append(nsid)
        if nsid == "com.atproto.server.createSession":
            body = h.body_form()
            if (
                body.get("identifier") != self.account_handle
                or body.get("password") != self.password
            ):
                h.send_json(401, {"error": "AuthenticationRequired", "message": "Invalid"})
                return
            self.sessions += 1
            h.send_json(
                200,
                {
                    "did": self.did,
                    "handle": self.account_handle,
                    "accessJwt": f"jwt-{self.sessions}",
                    "refreshJwt": "refresh",
                },
            )
            return
        if h.headers.get("Authorization") != f"Bearer jwt-{self.sessions}":
            h.send_json(401, {"error": "AuthenticationRequired"})
            return
        if self.expire_next:
            self.expire_next = False
            h.send_json(400, {"error": "ExpiredToken", "message": "Token has expired"})
            return
        if nsid == "com.atproto.repo.getRecord":
            uri = f"at://{query['repo']}/{query['collection']}/{query['rkey']}"
            if uri in self.records:
                h.send_json(200, {"uri": uri, "cid": "bafyexisting", "value": self.records[uri]})
            else:
                h.send_json(400, {"error": "RecordNotFound", "message": "Could not locate"})
        elif nsid == "app.bsky.feed.getPosts":
            post = self.posts.get(query.get("uris", ""))
            h.send_json(200, {"posts": [post] if post else []})
        elif nsid == "com.atproto.repo.createRecord":
            body = h.body_form()
            uri = f"at://{body['repo']}/{body['collection']}/{body['rkey']}"
            if uri in self.records:
                h.send_json(400, {"error": "InvalidRequest", "message": "Record already exists"})
                return
            self.records[uri] = body["record"]
            h.send_json(200, {"uri": uri, "cid": "bafynewreply"})
        else:
            h.send_json(501, {"error": "MethodNotImplemented"})


# ---------------------------------------------------------------- Feeds


@dataclass
class FakeFeed:
    """A site serving one feed with ETag and Last-Modified, answering 304 when unchanged."""

    body: bytes = b""
    content_type: str = "application/rss+xml"
    etag: str = '"v1"'
    last_modified: str = "Fri, 20 Nov 2026 09:00:00 GMT"
    requests: list[dict[str, str]] = field(default_factory=list)
    scripted: list[Callable[[Handler], None]] = field(default_factory=list)
    base_url: str = ""
    closing: threading.Event = field(default_factory=threading.Event)

    def handle(self, h: Handler) -> None:
        self.requests.append({k.lower(): v for k, v in h.headers.items()})
        if self.scripted:
            self.scripted.pop(0)(h)
            return
        if h.headers.get("If-None-Match") == self.etag or (
            h.headers.get("If-None-Match") is None
            and h.headers.get("If-Modified-Since") == self.last_modified
        ):
            h.send_response(304)
            h.send_header("ETag", self.etag)
            h.end_headers()
            return
        h.send_body(
            200,
            self.body,
            self.content_type,
            {"ETag": self.etag, "Last-Modified": self.last_modified},
        )


def rss(items: list[tuple[str, str, str]], *, title: str = "Acme reviews") -> bytes:
    """An RSS 2.0 document; items are (guid, title, description HTML), newest first."""
    rows = []
    for n, (guid, item_title, description) in enumerate(items):
        day = 20 - n
        rows.append(
            f'<item><guid isPermaLink="false">{guid}</guid><title>{item_title}</title>'
            f"<link>https://reviews.example/r/{guid}</link>"
            f"<description><![CDATA[{description}]]></description>"
            f"<author>reviewer{n}@reviews.example (Reviewer {n})</author>"
            f"<pubDate>{day} Nov 2026 08:00:00 GMT</pubDate></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>https://reviews.example/</link>"
        "<description>Reviews</description><language>en-us</language>"
        + "".join(rows)
        + "</channel></rss>"
    ).encode()


def atom(entries: list[tuple[str, str, str, str]]) -> bytes:
    """An Atom 1.0 document; entries are (id, title, updated ISO time, content HTML)."""
    rows = "".join(
        f"<entry><id>{entry_id}</id><title>{title}</title><updated>{updated}</updated>"
        f'<link href="https://forum.example/t/{n}"/>'
        f"<author><name>member{n}</name></author>"
        f'<content type="html">{content}</content></entry>'
        for n, (entry_id, title, updated, content) in enumerate(entries)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="de">'
        "<title>Acme forum</title><id>tag:forum.example,2026:feed</id>"
        "<updated>2026-11-20T09:00:00Z</updated>" + rows + "</feed>"
    ).encode()
