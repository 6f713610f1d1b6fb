"""Priority 0–100 from the intent's severity, the strength of negative sentiment, crisis terms,
the author's reach, repeat contact and the post's age, with one sentence per contribution."""

from __future__ import annotations

import math

INTENT_SEVERITY = {
    "crisis": 55,
    "complaint": 35,
    "purchase_intent": 30,
    "question": 25,
    "feedback": 15,
    "praise": 10,
    "other": 5,
    "spam": 0,
}
MAX_SENTIMENT = 15
MAX_CRISIS_TERMS = 20
MAX_REACH = 15
MAX_REPEAT = 15
MAX_AGE = 10
# Each intent's first reason, formatted once rather than per post.
_STARTS = {intent: f"intent '{intent}' starts at {n}" for intent, n in INTENT_SEVERITY.items()}


def priority(
    *,
    intent: str,
    sentiment_score: float,
    crisis_terms: list[str],
    reach: int | None,
    contact_count: int,
    age_hours: float | None,
) -> tuple[int, list[str]]:
    """Return (priority 0..100, reasons) for one post."""
    base = INTENT_SEVERITY.get(intent, 5)
    reasons = [_STARTS.get(intent) or f"intent '{intent}' starts at {base}"]
    total = float(base)
    if intent == "spam":
        return 0, [*reasons, "spam is never urgent"]
    if sentiment_score < -0.05:
        add = round(MAX_SENTIMENT * min(1.0, -sentiment_score))
        if add:
            total += add
            reasons.append(f"negative sentiment ({sentiment_score:+.2f}): +{add}")
    if crisis_terms:
        add = min(MAX_CRISIS_TERMS, 10 * len(crisis_terms))
        total += add
        quoted = ", ".join(f"'{t}'" for t in crisis_terms[:3])
        reasons.append(f"crisis terms: {quoted}: +{add}")
    if reach is not None and reach >= 1000:
        # 1k followers: +3, 10k: +6, 100k: +9, 1M: +12, 10M+: +15
        add = min(MAX_REACH, round(3 * (math.log10(reach) - 2)))
        total += add
        reasons.append(f"author reach {reach:,} followers: +{add}")
    if contact_count > 0:
        add = min(MAX_REPEAT, 5 * contact_count)
        total += add
        reasons.append(f"repeat contact ({contact_count} recent): +{add}")
    if age_hours is not None and age_hours >= 1:
        add = min(MAX_AGE, round(2 * math.log2(1 + age_hours)))
        total += add
        reasons.append(f"waiting {age_hours:.0f} h: +{add}")
    value = max(0, min(100, round(total)))
    if value == 100 and total > 100:
        reasons.append("capped at 100")
    return value, reasons
