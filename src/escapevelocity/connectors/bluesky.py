"""Bluesky: mentions read from a Jetstream WebSocket, replies written through the AT Protocol.

Jetstream (github.com/bluesky-social/jetstream) turns the network's firehose into JSON events:
`{"did", "time_us", "kind": "commit", "commit": {"operation", "collection", "rkey", "record",
"cid"}}`. Its filters are by collection (`wantedCollections`) and by *author* (`wantedDids`):
a mention of the company is written into the *customer's* repository, so catching mentions
means reading every `app.bsky.feed.post` and keeping those that mention one of the company's
DIDs in a facet, name its handle in the text, reply to or quote one of its posts, or contain a
keyword. `wanted_dids` narrows the subscription to known authors (the company's own accounts, a
list of customers) when that is what is wanted.

The cursor is Jetstream's `time_us` of the last event handed over. On reconnect the subscription
asks for playback from it (optionally rewound a few seconds, for a different Jetstream
instance whose clock differs) and drops every event at or before it: nothing lost, nothing
repeated.
"""

from __future__ import annotations

import json
import logging
import re
import time
import zlib
from collections.abc import Generator, Mapping, Sequence
from datetime import UTC, datetime
from threading import Event
from typing import Any
from urllib.parse import urlencode

import httpx
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
from websockets.sync.client import ClientConnection, connect

from escapevelocity.connectors.base import (
    USER_AGENT,
    Batch,
    PermanentError,
    Problem,
    SentReply,
    TransientError,
    check_response,
    parse_time,
    utcnow,
)
from escapevelocity.triage import Post

logger = logging.getLogger(__name__)

CHANNEL = "bluesky"
POST_COLLECTION = "app.bsky.feed.post"
MENTION_FACET = "app.bsky.richtext.facet#mention"
DEFAULT_JETSTREAM = "wss://jetstream2.us-east.bsky.network/subscribe"
MAX_POST_GRAPHEMES = 300
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
_AT_URI = re.compile(r"^at://(did:[a-z]+:[A-Za-z0-9._:%-]+)/([a-zA-Z0-9.]+)/([A-Za-z0-9._~:-]+)$")


def tid(micros: int, clock_id: int) -> str:
    """Return an AT Protocol TID (13 base32-sortable characters) for a time and a clock id."""
    value = ((micros & ((1 << 53) - 1)) << 10) | (clock_id & 0x3FF)
    chars = []
    for _ in range(13):
        chars.append(_TID_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def parse_at_uri(uri: str) -> tuple[str, str, str]:
    """Return (did, collection, rkey) of an at:// URI; raise PermanentError when it is not one."""
    match = _AT_URI.match(uri)
    if not match:
        raise PermanentError(f"not an at:// post address: {uri[:120]!r}")
    return match.group(1), match.group(2), match.group(3)


def post_url(did: str, rkey: str) -> str:
    """Return the bsky.app address of a post."""
    return f"https://bsky.app/profile/{did}/post/{rkey}"


def _uri_did(value: object) -> str | None:
    if isinstance(value, dict):
        value = value.get("uri")
    if isinstance(value, str) and value.startswith("at://"):
        return value[5:].split("/", 1)[0]
    return None


class JetstreamMentions:
    """Posts that mention the company's accounts, read from a Jetstream subscription."""

    channel = CHANNEL
    idle_seconds = 1.0

    def __init__(
        self,
        *,
        accounts: Mapping[str, str],
        url: str = DEFAULT_JETSTREAM,
        keywords: Sequence[str] = (),
        wanted_dids: Sequence[str] = (),
        batch_size: int = 100,
        flush_seconds: float = 2.0,
        rewind_seconds: float = 0.0,
        recv_timeout: float = 0.5,
        open_timeout: float = 10.0,
        max_message_bytes: int = 1 << 20,
        keepalive_seconds: float = 60.0,
    ) -> None:
        """`accounts` maps each company DID to its handle (e.g. {"did:plc:…": "acme.com"})."""
        if not accounts and not keywords:
            raise PermanentError("Jetstream needs the company's DIDs or keywords to watch for")
        for did in [*accounts, *wanted_dids]:
            if not did.startswith("did:"):
                raise PermanentError(f"not a DID: {did!r}")
        self.accounts = dict(accounts)
        self.url = url
        self.keywords = tuple(k.lower() for k in keywords if k.strip())
        self.wanted_dids = tuple(wanted_dids)
        self.batch_size = batch_size
        self.flush_seconds = flush_seconds
        self.rewind_us = int(rewind_seconds * 1_000_000)
        self.recv_timeout = recv_timeout
        self.open_timeout = open_timeout
        self.max_message_bytes = max_message_bytes
        self.keepalive_seconds = keepalive_seconds
        self.handles: dict[str, str] = {}
        self._handle_patterns = [
            (did, re.compile(rf"(?<![\w.@])@{re.escape(handle)}(?![\w.-])", re.IGNORECASE))
            for did, handle in self.accounts.items()
            if handle
        ]
        self.name = "bluesky jetstream " + ", ".join(h or d for d, h in self.accounts.items())

    def subscribe_url(self, time_us: int | None) -> str:
        """Return the subscription address for playback from `time_us` (None: live tail)."""
        params: list[tuple[str, str]] = [("wantedCollections", POST_COLLECTION)]
        params += [("wantedDids", did) for did in self.wanted_dids]
        params.append(("maxMessageSizeBytes", str(self.max_message_bytes)))
        if time_us is not None:
            params.append(("cursor", str(max(0, time_us - self.rewind_us))))
        return f"{self.url}?{urlencode(params)}"

    def fetch(self, cursor: Mapping[str, Any] | None, stop: Event) -> Generator[Batch, None, None]:
        """Yield batches of matching posts until the connection drops or `stop` is set."""
        raw = cursor.get("time_us") if cursor else None
        last: int | None = raw if isinstance(raw, int) and raw > 0 else None
        try:
            ws = connect(
                self.subscribe_url(last),
                open_timeout=self.open_timeout,
                # Messages still queued unread stall the closing handshake: do not wait long.
                close_timeout=1.0,
                max_size=self.max_message_bytes,
                user_agent_header=USER_AGENT,
            )
        except (OSError, InvalidHandshake, TimeoutError) as exc:
            raise TransientError(f"{self.name}: could not connect ({type(exc).__name__})") from exc
        except InvalidURI as exc:
            raise PermanentError(f"{self.name}: bad Jetstream address") from exc
        with ws:
            yield from self._read(ws, last, stop)

    def _read(
        self, ws: ClientConnection, last: int | None, stop: Event
    ) -> Generator[Batch, None, None]:
        posts: list[Post] = []
        problems: list[Problem] = []
        flushed_at, flushed_cursor = time.monotonic(), last

        def flush() -> Batch:
            nonlocal posts, problems, flushed_at, flushed_cursor
            lag = None if last is None else max(0.0, utcnow().timestamp() - last / 1_000_000)
            batch = Batch(
                posts=tuple(posts),
                cursor={"time_us": last} if last is not None else {},
                problems=tuple(problems),
                lag_seconds=lag,
            )
            posts, problems, flushed_at, flushed_cursor = [], [], time.monotonic(), last
            return batch

        while not stop.is_set():
            try:
                message = ws.recv(timeout=self.recv_timeout)
            except TimeoutError:
                message = None
            except ConnectionClosed as exc:
                if posts or problems or last != flushed_cursor:
                    yield flush()
                raise TransientError(
                    f"{self.name}: connection closed ({exc.rcvd or 'no close frame'})"
                ) from exc
            if message is not None:
                time_us, post, problem = self.read_event(message)
                if time_us is not None and last is not None and time_us <= last:
                    continue  # replayed after a reconnect: already handed over
                if time_us is not None:
                    last = time_us
                if post is not None:
                    posts.append(post)
                if problem is not None:
                    problems.append(problem)
            waited = time.monotonic() - flushed_at
            changed = bool(posts or problems or last != flushed_cursor)
            # A quiet subscription still yields now and then: the caller sees it is alive.
            if (
                len(posts) >= self.batch_size
                or (changed and waited >= self.flush_seconds)
                or waited >= self.keepalive_seconds
            ):
                yield flush()
        if posts or problems or last != flushed_cursor:
            yield flush()

    def read_event(self, message: str | bytes) -> tuple[int | None, Post | None, Problem | None]:
        """Return the event's time_us, the post when it concerns the company, and any problem."""
        try:
            event = json.loads(message)
        except (ValueError, UnicodeDecodeError):
            return None, None, Problem.of(self.name, "event is not JSON", message)
        if not isinstance(event, dict):
            return None, None, Problem.of(self.name, "event is not an object", message)
        time_us = event.get("time_us")
        if not isinstance(time_us, int) or isinstance(time_us, bool) or time_us <= 0:
            return None, None, Problem.of(self.name, "event has no time_us", message)
        try:
            return time_us, self.event_to_post(event), None
        except (ValueError, TypeError, KeyError) as exc:
            return time_us, None, Problem.of(self.name, f"bad event: {exc}", message)

    def event_to_post(self, event: Mapping[str, Any]) -> Post | None:
        """Return the Post for a commit event that concerns the company, None for any other."""
        did = event["did"]
        if not isinstance(did, str) or not did.startswith("did:"):
            raise ValueError("event has no author DID")
        kind = event.get("kind")
        if kind == "identity":
            handle = (event.get("identity") or {}).get("handle")
            if isinstance(handle, str) and handle:
                self.handles[did] = handle
            return None
        if kind != "commit":
            return None
        commit = event["commit"]
        if not isinstance(commit, dict):
            raise ValueError("commit is not an object")
        if commit.get("operation") != "create" or commit.get("collection") != POST_COLLECTION:
            return None
        if did in self.accounts:
            return None  # the company's own post
        record, rkey = commit["record"], commit["rkey"]
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            raise ValueError("post record has no text")
        if not isinstance(rkey, str) or not rkey:
            raise ValueError("commit has no rkey")
        text: str = record["text"]
        addressed = self.addressed(record, text)
        if addressed is None:
            return None
        reply = record.get("reply")
        parent = reply.get("parent") if isinstance(reply, dict) else None
        parent_uri = parent.get("uri") if isinstance(parent, dict) else None
        langs = record.get("langs")
        language = (
            langs[0] if isinstance(langs, list) and langs and isinstance(langs[0], str) else None
        )
        created = parse_time(record.get("createdAt")) or datetime.fromtimestamp(
            event["time_us"] / 1_000_000, tz=UTC
        )
        return Post(
            external_id=f"at://{did}/{POST_COLLECTION}/{rkey}",
            channel=CHANNEL,
            text=text,
            author_handle=self.handles.get(did, did),
            created_at=created,
            language=language,
            reply_to_id=parent_uri if isinstance(parent_uri, str) else None,
            url=post_url(did, rkey),
            account=addressed or None,
        )

    def addressed(self, record: Mapping[str, Any], text: str) -> str | None:
        """Return the company handle a post addresses ("" for a keyword match), or None."""
        for facet in record.get("facets") or ():
            if not isinstance(facet, dict):
                continue
            for feature in facet.get("features") or ():
                if (
                    isinstance(feature, dict)
                    and feature.get("$type") == MENTION_FACET
                    and feature.get("did") in self.accounts
                ):
                    return self.accounts[feature["did"]] or feature["did"]
        for did, pattern in self._handle_patterns:
            if pattern.search(text):
                return self.accounts[did]
        reply = record.get("reply")
        if isinstance(reply, dict):
            for ref in (reply.get("parent"), reply.get("root")):
                replied = _uri_did(ref)
                if replied is not None and replied in self.accounts:
                    return self.accounts[replied] or replied
        embed = record.get("embed")
        if isinstance(embed, dict):
            inner = embed.get("record")
            if isinstance(inner, dict) and "record" in inner:  # recordWithMedia
                inner = inner["record"]
            quoted = _uri_did(inner)
            if quoted is not None and quoted in self.accounts:
                return self.accounts[quoted] or quoted
        lowered = text.lower()
        if any(keyword in lowered for keyword in self.keywords):
            return ""
        return None


class BlueskyClient:
    """Replies through the AT Protocol with an app password (never the account's main password).

    createSession gives an access token; getPosts finds the parent's cid and its thread root;
    createRecord writes the reply. The reply's record key is a TID derived from the reply's
    creation time and its idempotency key, and is looked up before writing, so a retried reply
    is never posted twice.
    """

    def __init__(
        self,
        *,
        identifier: str,
        app_password: str,
        service: str = "https://bsky.social",
        timeout: float = 15.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.identifier = identifier
        self._password = app_password
        self.service = service.rstrip("/")
        self.http = httpx.Client(
            base_url=self.service,
            headers={"User-Agent": USER_AGENT},
            timeout=timeout,
            transport=transport,
            follow_redirects=False,
        )
        self._jwt: str | None = None
        self.did: str | None = None

    def __repr__(self) -> str:
        return f"BlueskyClient(service={self.service!r}, identifier={self.identifier!r})"

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()

    def _send(self, method: str, nsid: str, *, what: str, **kwargs: Any) -> httpx.Response:
        try:
            return self.http.request(method, f"/xrpc/{nsid}", **kwargs)
        except httpx.HTTPError as exc:
            raise TransientError(f"{what}: {type(exc).__name__}") from exc

    def login(self) -> str:
        """Create a session; return the account's DID."""
        response = self._send(
            "POST",
            "com.atproto.server.createSession",
            what="Bluesky login",
            json={"identifier": self.identifier, "password": self._password},
        )
        check_response(response, what="Bluesky login")
        body = response.json()
        jwt, did = body.get("accessJwt"), body.get("did")
        if not isinstance(jwt, str) or not isinstance(did, str):
            raise TransientError("Bluesky login: the answer had no session")
        self._jwt, self.did = jwt, did
        return did

    def call(self, method: str, nsid: str, *, what: str, **kwargs: Any) -> httpx.Response:
        """Send an authenticated XRPC call, logging in again once when the token has expired."""
        for attempt in (1, 2):
            if self._jwt is None:
                self.login()
            response = self._send(
                method, nsid, what=what, headers={"Authorization": f"Bearer {self._jwt}"}, **kwargs
            )
            expired = response.status_code in (400, 401) and _xrpc_error(response) in {
                "ExpiredToken",
                "InvalidToken",
            }
            if expired and attempt == 1:
                self._jwt = None
                continue
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def reply(
        self,
        *,
        in_reply_to: str,
        text: str,
        idempotency_key: str,
        created_at: datetime,
        langs: Sequence[str] = (),
    ) -> SentReply:
        """Post `text` as a reply to the post at at:// URI `in_reply_to`."""
        if len(text) > MAX_POST_GRAPHEMES:
            raise PermanentError(f"Bluesky reply: longer than {MAX_POST_GRAPHEMES} characters")
        parse_at_uri(in_reply_to)
        if self._jwt is None or self.did is None:
            self.login()
        did = self.did
        assert did is not None
        rkey = tid(int(created_at.timestamp() * 1_000_000), zlib.crc32(idempotency_key.encode()))
        existing = self.call(
            "GET",
            "com.atproto.repo.getRecord",
            what="Bluesky reply",
            params={"repo": did, "collection": POST_COLLECTION, "rkey": rkey},
        )
        if existing.status_code == 200:
            return SentReply(
                external_id=f"at://{did}/{POST_COLLECTION}/{rkey}", url=post_url(did, rkey)
            )
        if existing.status_code != 400 or _xrpc_error(existing) != "RecordNotFound":
            check_response(existing, what="Bluesky reply")
        found = self.call(
            "GET", "app.bsky.feed.getPosts", what="Bluesky reply", params={"uris": in_reply_to}
        )
        check_response(found, what="Bluesky reply")
        posts = found.json().get("posts")
        if not isinstance(posts, list) or not posts or not isinstance(posts[0], dict):
            raise PermanentError("Bluesky reply: the post replied to no longer exists")
        parent = {"uri": posts[0].get("uri"), "cid": posts[0].get("cid")}
        if not all(isinstance(v, str) and v for v in parent.values()):
            raise TransientError("Bluesky reply: the post replied to has no cid")
        thread = (posts[0].get("record") or {}).get("reply")
        root = thread.get("root") if isinstance(thread, dict) else None
        if not (
            isinstance(root, dict)
            and isinstance(root.get("uri"), str)
            and isinstance(root.get("cid"), str)
        ):
            root = parent
        record: dict[str, Any] = {
            "$type": POST_COLLECTION,
            "text": text,
            "createdAt": created_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "reply": {"root": {"uri": root["uri"], "cid": root["cid"]}, "parent": parent},
        }
        if langs:
            record["langs"] = list(langs)
        created = self.call(
            "POST",
            "com.atproto.repo.createRecord",
            what="Bluesky reply",
            json={"repo": did, "collection": POST_COLLECTION, "rkey": rkey, "record": record},
        )
        check_response(created, what="Bluesky reply")
        uri = created.json().get("uri")
        if not isinstance(uri, str):
            raise TransientError("Bluesky reply: the answer had no uri")
        return SentReply(external_id=uri, url=post_url(did, rkey))


def _xrpc_error(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, str) else None
