"""The records the triage engine reads and writes: `Post` in, `Decision` out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

INTENTS = (
    "complaint",
    "question",
    "feedback",
    "purchase_intent",
    "praise",
    "crisis",
    "spam",
    "other",
)
RESPONSES = ("acknowledge", "amplify", "monitor", "correct", "restore", "escalate")
SENTIMENTS = ("negative", "neutral", "positive")
REASON_KEYS = ("sentiment", "intent", "priority", "route", "response")


@dataclass(frozen=True, slots=True)
class Post:
    """One inbound social post, as a connector or an import hands it over."""

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


@dataclass(frozen=True, slots=True)
class Decision:
    """What the engine decided about one post, with the reasons behind each part."""

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

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-serializable copy, for storing beside the post."""
        return {
            "language": self.language,
            "sentiment": self.sentiment,
            "sentiment_score": float(self.sentiment_score),
            "intent": self.intent,
            "intent_probability": float(self.intent_probability),
            "intent_probabilities": {k: float(v) for k, v in self.intent_probabilities.items()},
            "priority": int(self.priority),
            "route": self.route,
            "route_source": self.route_source,
            "route_rule": self.route_rule,
            "response": self.response,
            "reasons": {k: list(v) for k, v in self.reasons.items()},
        }
