"""RSS and Atom against a local site with ETag/Last-Modified."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from escapevelocity.connectors import Batch, PermanentError, RateLimited, TransientError
from escapevelocity.connectors.feeds import FeedSource
from tests.connectors.servers import (
    FakeFeed,
    atom,
    http_server,
    rss,
    server_error,
    too_many_requests,
)


@pytest.fixture
def site() -> Iterator[FakeFeed]:
    fake = FakeFeed(body=rss([("r2", "Broken on day two", "<p>It <b>broke</b>.</p>")]))
    with http_server(fake):
        yield fake


def fetch(site: FakeFeed, cursor: dict[str, Any] | None, **options: Any) -> list[Batch]:
    source = FeedSource(url=f"{site.base_url}/reviews.rss", channel="reviews", **options)
    try:
        return list(source.fetch(cursor, threading.Event()))
    finally:
        source.close()


def test_it_reads_an_rss_feed_oldest_first(site: FakeFeed) -> None:
    site.body = rss(
        [
            ("r3", "Love it", "<p>Works &amp; looks great</p>"),
            ("r2", "Broken on day two", "<p>It <b>broke</b>.</p><script>alert(1)</script>"),
        ]
    )
    [batch] = fetch(site, None)
    first, second = batch.posts
    assert first.text == "Broken on day two\n\nIt broke."
    assert second.text == "Love it\n\nWorks & looks great"
    assert first.external_id == f"{site.base_url}/reviews.rss#r2"  # a bare guid is per feed
    assert first.channel == "reviews"
    assert first.url == "https://reviews.example/r/r2"
    assert first.author_handle == "reviewer1@reviews.example (Reviewer 1)"
    assert first.created_at == datetime(2026, 11, 19, 8, 0, tzinfo=UTC)
    assert first.language == "en"
    assert batch.cursor["etag"] == '"v1"'
    assert batch.cursor["seen"] == ["r2", "r3"]


def test_it_reads_an_atom_feed(site: FakeFeed) -> None:
    site.content_type = "application/atom+xml"
    site.body = atom(
        [
            (
                "tag:forum.example,2026:t2",
                "Refund?",
                "2026-11-20T08:00:00Z",
                "&lt;p&gt;Wo bleibt mein Geld?&lt;/p&gt;",
            ),
            ("tag:forum.example,2026:t1", "Danke", "2026-11-19T08:00:00Z", "Alles gut"),
        ]
    )
    [batch] = fetch(site, None)
    assert [p.text for p in batch.posts] == [
        "Danke\n\nAlles gut",
        "Refund?\n\nWo bleibt mein Geld?",
    ]
    assert batch.posts[1].external_id == "tag:forum.example,2026:t2"  # a URI is kept as it is
    assert batch.posts[1].author_handle == "member0"
    assert batch.posts[1].language == "de"
    assert batch.posts[1].url == "https://forum.example/t/0"


def test_it_asks_conditionally_and_reads_nothing_when_unchanged(site: FakeFeed) -> None:
    [batch] = fetch(site, None)
    assert fetch(site, json.loads(json.dumps(batch.cursor))) == []
    assert site.requests[-1]["if-none-match"] == '"v1"'
    assert site.requests[-1]["if-modified-since"] == "Fri, 20 Nov 2026 09:00:00 GMT"
    # Last-Modified alone is honoured too.
    assert fetch(site, {"last_modified": site.last_modified, "seen": ["r2"]}) == []


def test_it_hands_each_entry_over_once_as_the_feed_slides(site: FakeFeed) -> None:
    site.body = rss([("r2", "two", "b"), ("r1", "one", "a")])
    [first] = fetch(site, None)
    site.etag = '"v2"'
    site.body = rss([("r4", "four", "d"), ("r3", "three", "c"), ("r2", "two (edited)", "b2")])
    [second] = fetch(site, first.cursor)
    assert [p.text.split("\n")[0] for p in first.posts] == ["one", "two"]
    assert [p.text.split("\n")[0] for p in second.posts] == ["three", "four"]
    assert second.cursor["seen"] == ["r1", "r2", "r3", "r4"]


def test_it_bounds_the_ids_it_remembers(site: FakeFeed) -> None:
    site.body = rss([(f"g{n}", f"t{n}", "x") for n in range(10)])
    [batch] = fetch(site, None, seen_limit=4)
    assert len(batch.posts) == 10
    assert batch.cursor["seen"] == ["g3", "g2", "g1", "g0"]


def test_it_uses_the_link_when_an_entry_has_no_id(site: FakeFeed) -> None:
    site.body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        b"<item><title>no guid</title><link>https://reviews.example/x</link></item>"
        b"<item><description>only text</description></item>"
        b"<item></item>"
        b"</channel></rss>"
    )
    [batch] = fetch(site, None)
    # Undated entries keep the feed's order, which lists the newest first.
    only_text, no_guid = batch.posts
    assert no_guid.author_handle == site.base_url.removeprefix("http://")  # no author: the site
    assert no_guid.external_id == "https://reviews.example/x"
    assert only_text.external_id.startswith(f"{site.base_url}/reviews.rss#sha256-")
    assert [p.message for p in batch.problems] == ["entry without id, link or text"]


def test_it_reports_a_broken_feed_and_keeps_its_cursor(site: FakeFeed) -> None:
    site.body = b"<html><body>Cloudflare says no</body>"
    site.content_type = "text/html"
    [batch] = fetch(site, {"seen": ["r1"]})
    assert batch.posts == ()
    assert batch.problems[0].message.startswith("not a readable feed")
    assert batch.cursor["seen"] == ["r1"]


def test_it_never_treats_feed_content_as_a_path_or_address(site: FakeFeed) -> None:
    site.body = b"/etc/passwd"
    [batch] = fetch(site, None)
    assert batch.posts == ()
    site.body = b"http://127.0.0.1:9/elsewhere"
    [batch] = fetch(site, None)
    assert batch.posts == ()


def test_it_turns_http_failures_into_connector_errors(site: FakeFeed) -> None:
    site.scripted += [too_many_requests("30"), server_error]
    with pytest.raises(RateLimited) as caught:
        fetch(site, None)
    assert caught.value.retry_after == 30.0
    with pytest.raises(TransientError):
        fetch(site, None)
    with pytest.raises(TransientError):
        list(FeedSource(url="http://127.0.0.1:9/feed", timeout=1).fetch(None, threading.Event()))
    with pytest.raises(PermanentError):
        FeedSource(url="file:///etc/passwd")


def test_it_bounds_ids_and_text_to_what_care_stores(site: FakeFeed) -> None:
    long_guid = "g" * 300
    site.body = rss([(long_guid, "Long", "word " * 3000)])
    [batch] = fetch(site, None, max_text=100)
    [post] = batch.posts
    assert len(post.external_id) <= 200
    assert post.external_id.startswith("sha256-")
    assert len(post.text) == 100
    assert post.text.endswith("…")
    assert batch.cursor["seen"] == [long_guid]
