"""The server-sent events decoder, on the frames Mastodon's streaming server writes."""

from __future__ import annotations

from escapevelocity.connectors.sse import ServerEvent, decode


def test_it_decodes_events_comments_and_multiline_data() -> None:
    lines = [
        ":)",
        "event: update",
        'data: {"id":"1"}',
        "",
        ":thump",
        "event: notification",
        "data: first line",
        "data:second line",
        "id: 42",
        "",
        "data: plain message",
        "",
        "event: delete",
        "",
        "event: dangling",
        "data: never ended",
    ]
    assert list(decode(lines)) == [
        ServerEvent(event="update", data='{"id":"1"}'),
        ServerEvent(event="notification", data="first line\nsecond line", id="42"),
        ServerEvent(event="message", data="plain message", id="42"),
    ]


def test_it_accepts_crlf_line_endings() -> None:
    assert list(decode(["event: update\r\n", "data: x\r\n", "\r\n"])) == [
        ServerEvent(event="update", data="x")
    ]
