from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from escapevelocity.triage import INTENTS, RESPONSES, Decision, Post, Triager


def post(text: str, **kw: object) -> Post:
    return Post(external_id="1", channel="mastodon", text=text, **kw)  # type: ignore[arg-type]


def test_it_returns_one_decision_per_post_in_order(triager: Triager) -> None:
    posts = [post("my order never arrived, still waiting"), post("thank you, you're the best!")]
    decisions = triager.triage(posts)
    assert [d.sentiment for d in decisions] == ["negative", "positive"]
    assert all(isinstance(d, Decision) for d in decisions)


def test_it_returns_nothing_for_no_posts(triager: Triager) -> None:
    assert triager.triage([]) == []


def test_it_fills_every_field_of_the_contract(triager: Triager) -> None:
    (d,) = triager.triage([post("My lawyer will sue you over the data breach")])
    assert d.intent == "crisis"
    assert d.response == "escalate"
    assert d.route == "legal"
    assert d.route_source == "rule"
    assert d.route_rule == "legal-threats"
    assert set(d.intent_probabilities) == set(INTENTS)
    assert abs(sum(d.intent_probabilities.values()) - 1) < 0.01
    assert d.response in RESPONSES
    assert 0 <= d.priority <= 100
    assert -1 <= d.sentiment_score <= 1
    assert set(d.reasons) == {"sentiment", "intent", "priority", "route", "response"}
    assert any("crisis terms" in r for r in d.reasons["priority"])


def test_it_serializes_a_decision_to_json(triager: Triager) -> None:
    (d,) = triager.triage([post("how do I reset my router?")])
    data = json.loads(json.dumps(d.as_dict()))
    assert data["intent"] == "question"
    assert data["reasons"]["route"]


def test_it_loads_once_per_arguments(model_cache: object) -> None:
    first = Triager.default(cache_dir=model_cache)  # type: ignore[arg-type]
    assert Triager.default(cache_dir=model_cache) is first  # type: ignore[arg-type]


def test_it_raises_priority_for_old_posts(triager: Triager) -> None:
    now = datetime(2026, 1, 1, 12, tzinfo=UTC)
    fresh, old = triager.triage(
        [
            post("where is my parcel?", created_at=now),
            post("where is my parcel?", created_at=now - timedelta(hours=20)),
        ],
        now=now,
    )
    assert old.priority > fresh.priority
    assert any("waiting 20 h" in r for r in old.reasons["priority"])
