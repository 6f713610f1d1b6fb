"""Care's test helpers: a predictable stand-in for the triage engine, and post factories.

Most care tests check what care does with a decision (threading, queues, SLA clocks,
permissions), so they use `fake_triage`, whose decisions follow plain keywords in the text.
Tests marked as using the real engine (`real_triage`) check the two work together.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest

from escapevelocity.care import services

RULES = [
    # pattern, intent, sentiment, priority, route, response
    (r"lawsuit|lawyer", "crisis", "negative", 95, "legal", "escalate"),
    (r"outage|boycott", "crisis", "negative", 90, "communications", "escalate"),
    (r"free money|click here", "spam", "neutral", 5, "hub", "monitor"),
    (r"refund|broken|angry|worst", "complaint", "negative", 65, "customer_care", "restore"),
    (r"\bbuy\b|pricing", "purchase_intent", "positive", 40, "sales", "acknowledge"),
    (r"feature|suggest", "feedback", "neutral", 30, "product", "acknowledge"),
    (r"love|thanks", "praise", "positive", 20, "marketing", "amplify"),
    (r"\?", "question", "neutral", 45, "customer_care", "acknowledge"),
]


@dataclass(frozen=True)
class FakeDecision:
    language: str
    sentiment: str
    sentiment_score: float
    intent: str
    intent_probability: float
    intent_probabilities: dict[str, float]
    priority: int
    route: str
    route_source: str
    route_rule: str | None
    response: str
    reasons: dict[str, list[str]] = field(default_factory=dict)


class FakeTriager:
    def __init__(self) -> None:
        self.calls: list[int] = []
        self.seen: list[Any] = []

    def triage(self, posts: Sequence[Any], *, now: datetime | None = None) -> list[FakeDecision]:
        self.calls.append(len(posts))
        self.seen.extend(posts)
        return [self._one(p) for p in posts]

    def _one(self, post: Any) -> FakeDecision:
        text = post.text.lower()
        intent, sentiment, priority, route, response = (
            "other",
            "neutral",
            25,
            "customer_care",
            "acknowledge",
        )
        for pattern, *decision in RULES:
            if re.search(pattern, text):
                intent, sentiment, priority, route, response = decision
                break
        forced = re.search(r"#route:([-\w]+)", text)
        if forced:
            route = forced.group(1)
        priority = min(100, priority + 10 * post.author_contact_count)
        return FakeDecision(
            language=post.language or "en",
            sentiment=sentiment,
            sentiment_score={"negative": -0.6, "neutral": 0.0, "positive": 0.6}[sentiment],
            intent=intent,
            intent_probability=0.9,
            intent_probabilities={intent: 0.9},
            priority=priority,
            route=route,
            route_source="rule",
            route_rule=f"{intent}-rule",
            response=response,
            reasons={
                "intent": [f"keywords for {intent}"],
                "route": [f"{intent} goes to {route}"],
                "priority": [f"repeat contact x{post.author_contact_count}"],
            },
        )


@dataclass(frozen=True)
class _InterimPost:
    """Stands in for escapevelocity.triage.Post only while the engine has not landed."""

    external_id: str
    channel: str
    text: str
    author_handle: str = ""
    author_reach: int | None = None
    created_at: datetime | None = None
    language: str | None = None
    reply_to_id: str | None = None
    url: str | None = None
    account: str | None = None
    author_contact_count: int = 0


def install_fake_triage(monkeypatch: pytest.MonkeyPatch) -> FakeTriager:
    import escapevelocity.triage as engine

    if not hasattr(engine, "Post"):
        monkeypatch.setattr(engine, "Post", _InterimPost, raising=False)
    fake = FakeTriager()
    monkeypatch.setattr(services, "triager", lambda: fake)
    return fake


@pytest.fixture
def fake_triage(monkeypatch: pytest.MonkeyPatch) -> FakeTriager:
    return install_fake_triage(monkeypatch)


def post(n: int | str, text: str = "Is my order late?", **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "external_id": str(n),
        "channel": "mastodon",
        "text": text,
        "author": extra.pop("author", f"customer{n}"),
        "created_at": extra.pop("created_at", "2026-11-22T08:00:00+00:00"),
    }
    data.update(extra)
    return data
