"""Hostile and odd input never breaks the engine, and its outputs stay in range."""

from __future__ import annotations

import json
import threading
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from escapevelocity.triage import INTENTS, RESPONSES, Post, Triager
from escapevelocity.triage import normalize as normalize_module
from escapevelocity.triage.normalize import normalize, normalize_batch

ODD = [
    "",
    " ",
    "\n\n\n",
    "👍👍👍",
    "@a @b @c",
    "#",
    "@",
    "http://",
    "&amp;&lt;&gt;&#x1F600;",
    "x" * 5000,
    "NOT NOT NOT not no never",
    "<script>alert('x')</script>",
    "\x00\x1e\x1f",
    "a&#10;b&#30;c&NewLine;d",
]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=200), min_size=1, max_size=5))
def test_it_normalizes_any_text_one_result_per_post(texts: list[str]) -> None:
    batch = normalize_batch(texts)
    assert len(batch) == len(texts)
    assert [b.tokens for b in batch] == [normalize(t).tokens for t in texts]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(max_size=140), min_size=1, max_size=4))
def test_it_decides_sanely_on_any_text(triager: Triager, texts: list[str]) -> None:
    posts = [Post(external_id=str(i), channel="x", text=t) for i, t in enumerate(texts)]
    decisions = triager.triage(posts)
    assert len(decisions) == len(texts)
    for d in decisions:
        assert d.intent in INTENTS
        assert d.response in RESPONSES
        assert 0 <= d.priority <= 100
        assert -1.0 <= d.sentiment_score <= 1.0
        assert abs(sum(d.intent_probabilities.values()) - 1) < 0.01
        json.dumps(d.as_dict())


def test_it_survives_odd_posts(triager: Triager) -> None:
    posts = [Post(external_id=str(i), channel="x", text=t) for i, t in enumerate(ODD)]
    assert len(triager.triage(posts)) == len(ODD)


def test_it_gives_the_same_answers_from_many_threads(triager: Triager) -> None:
    posts = [
        Post(external_id=str(i), channel="x", text=t)
        for i, t in enumerate(["my order is late", "thank you!", "I will sue", "how do I pay?"])
    ]
    expected = [d.as_dict() for d in triager.triage(posts)]
    results: list[list[dict[str, object]]] = []

    def work() -> None:
        for _ in range(20):
            results.append([d.as_dict() for d in triager.triage(posts)])

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 80
    assert all(r == expected for r in results)


class _ScanEverything:
    """Stands in for normalize._NEEDS_SCAN so that every post takes the full per-token scan."""

    def isdisjoint(self, other: object) -> bool:
        return False


# Text made of what the fast path must get right: markers, mentions, hashtags, URLs, capitals,
# elongations, negations, emoticons and separators.
_PIECES = st.sampled_from(
    [" ", "a", "Ok", "WOW", "sooo", "#Tag", "#", "@x", "@", "http://t.co/x", "www.x", "not",
     "don't", "isn’t", "no", ":)", ":(", "</3", "!", ".", "'", "_", "_caps_", "&amp;", "\n",
     "\x1e", "\t", "😡", "my", "but"]
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(_PIECES, max_size=12).map("".join), min_size=1, max_size=5))
def test_the_fast_path_agrees_with_the_full_scan(texts: list[str]) -> None:
    fast = normalize_batch(texts)
    with mock.patch.object(normalize_module, "_NEEDS_SCAN", _ScanEverything()):
        full = normalize_batch(texts)
    assert fast == full
