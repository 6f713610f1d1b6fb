"""The documented shape of one incoming post (see docs/import.md), checked field by field.

Imports, the API, the webhook and connectors all hand `ingest_posts` plain mappings; `clean_post`
turns one into an `IncomingPost` or says, naming the field, why it cannot be stored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

FIELDS = (
    "external_id",
    "channel",
    "text",
    "author",
    "author_reach",
    "created_at",
    "language",
    "reply_to_id",
    "url",
    "account",
    "direction",
)
REQUIRED = ("external_id", "text", "author")
MAX_TEXT = 10_000
MAX_ID = 200
_CHANNEL = re.compile(r"^[-a-zA-Z0-9_]{1,64}$")
_FLOAT_ID = re.compile(r"^(\d+)\.0+$")
_UNIX_TIME = re.compile(r"\d{9,11}(\.\d+)?")
_TWITTER_TIME = "%a %b %d %H:%M:%S %z %Y"
_INBOUND = {"in", "inbound", "true", "1", "yes", "customer"}
_OUTBOUND = {"out", "outbound", "false", "0", "no", "company"}


class Rejected(Exception):
    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


@dataclass
class IncomingPost:
    external_id: str
    channel: str
    text: str
    author: str
    created_at: datetime
    inbound: bool = True
    author_reach: int | None = None
    language: str = ""
    reply_to_id: str = ""
    url: str = ""
    account: str = ""
    raw: dict[str, Any] = field(default_factory=dict)
    # The stored channel's id, set by ingest once the channel exists (0 until then).
    channel_id: int = 0


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def clean_id(value: Any) -> str:
    """An identifier as text; '123.0' (a spreadsheet's idea of 123) becomes '123'."""
    text = _text(value)
    match = _FLOAT_ID.match(text)
    return match.group(1) if match else text


def parse_time(value: Any) -> datetime:
    """ISO 8601 (UTC when no offset is given), Unix seconds, or Twitter's
    'Tue Oct 31 22:10:47 +0000 2017'. Raises ValueError otherwise."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        moment = datetime.fromtimestamp(float(value), tz=UTC)
    else:
        text = _text(value)
        if _UNIX_TIME.fullmatch(text):
            moment = datetime.fromtimestamp(float(text), tz=UTC)
        else:
            try:
                moment = datetime.fromisoformat(text)
            except ValueError:
                moment = datetime.strptime(text, _TWITTER_TIME)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def clean_post(
    data: Mapping[str, Any], *, default_channel: str = "", now: datetime
) -> IncomingPost:
    """Check one mapping against the schema; raise Rejected naming the first bad field."""
    if type(data) is not dict and not isinstance(data, Mapping):
        raise Rejected("post", "expected an object with the post's fields")
    get = data.get
    # Each field read once, as trimmed text (what most fields are, hence the fast path).
    values = {}
    for name in FIELDS:
        v = get(name)
        values[name] = v.strip() if type(v) is str else "" if v is None else _text(v)
    for name in REQUIRED:
        if not values[name]:
            raise Rejected(name, "is required")
    if not "".join(values.values()).isascii():  # else no field can hold a surrogate
        for name, text_value in values.items():
            try:
                text_value.encode()
            except UnicodeEncodeError:
                raise Rejected(name, "is not valid Unicode (an unpaired surrogate)") from None
    external_id = clean_id(values["external_id"])
    if len(external_id) > MAX_ID:
        raise Rejected("external_id", f"at most {MAX_ID} characters")
    channel = values["channel"] or default_channel
    if not channel:
        raise Rejected("channel", "is required")
    if not _CHANNEL.match(channel):
        raise Rejected("channel", "use letters, numbers, hyphens or underscores (at most 64)")
    text = values["text"] if type(data["text"]) is str else str(data["text"]).strip()
    if len(text) > MAX_TEXT:
        raise Rejected("text", f"at most {MAX_TEXT} characters")
    if "\x00" in text:
        raise Rejected("text", "contains a NUL character")
    author = values["author"].lstrip("@")
    if not author or len(author) > 200:
        raise Rejected("author", "between 1 and 200 characters")
    reach: int | None = None
    raw_reach = get("author_reach")
    if type(raw_reach) is int and not isinstance(raw_reach, bool):
        reach = raw_reach
    elif values["author_reach"]:
        try:
            reach = int(float(values["author_reach"]))
        except ValueError:
            raise Rejected("author_reach", "must be a whole number") from None
    if reach is not None and (reach < 0 or reach > 2_000_000_000):
        raise Rejected("author_reach", "must be between 0 and 2,000,000,000")
    created_at = now
    raw_time = get("created_at")
    if values["created_at"] or isinstance(raw_time, int | float):
        try:
            created_at = parse_time(raw_time)
        except (ValueError, OverflowError, OSError):
            raise Rejected(
                "created_at", "not a time: use ISO 8601, e.g. 2026-11-22T08:15:00+00:00"
            ) from None
    inbound = True
    direction = values["direction"].lower()
    if direction:
        if direction in _INBOUND:
            inbound = True
        elif direction in _OUTBOUND:
            inbound = False
        else:
            raise Rejected("direction", "use 'in' (from a customer) or 'out' (from the company)")
    language = values["language"].lower()
    if len(language) > 16:
        raise Rejected("language", "at most 16 characters")
    reply_to = clean_id(values["reply_to_id"])
    if len(reply_to) > MAX_ID:
        raise Rejected("reply_to_id", f"at most {MAX_ID} characters")
    url = values["url"]
    if url and (len(url) > 500 or not url.lower().startswith(("http://", "https://"))):
        raise Rejected("url", "an http(s) address of at most 500 characters")
    account = values["account"][:200]
    given_raw = get("_raw")  # the record as the file had it, set by the import
    raw = (
        _jsonable(given_raw, own_fields=False)
        if isinstance(given_raw, Mapping)
        else _jsonable(data, own_fields=True)
    )
    return IncomingPost(
        external_id=external_id,
        channel=channel.lower(),
        text=text,
        author=author,
        created_at=created_at,
        inbound=inbound,
        author_reach=reach,
        language=language,
        reply_to_id=reply_to,
        url=url,
        account=account,
        raw=raw,
    )


_JSON_TYPES = frozenset([str, int, float, bool, type(None), list, dict])


def _jsonable(payload: Mapping[str, Any], *, own_fields: bool) -> dict[str, Any]:
    """The payload as it arrived, with values JSON can hold. `own_fields`: the payload is the
    post's own mapping (keys made text, no `_raw`); else it is the record a file had, kept whole."""
    out: dict[str, Any] = {}
    for key, value in payload.items():
        if type(value) in _JSON_TYPES:
            pass
        elif isinstance(value, datetime):
            value = value.isoformat()
        elif not isinstance(value, str | int | float | bool | list | dict):
            value = str(value)
        out[str(key) if own_fields and type(key) is not str else key] = value
    if own_fields:
        out.pop("_raw", None)
    return out
