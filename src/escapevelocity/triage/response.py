"""Advised response, after the US Air Force "Web Posting Response Assessment" tree in DOMAIN.md:
positive or balanced -> acknowledge (or amplify praise); negative -> a troll or a rager is only
monitored, a misguided post is corrected, an unhappy customer is restored by the owning unit;
a crisis is escalated."""

from __future__ import annotations

from .signals import Signals


def advise(
    *,
    intent: str,
    sentiment: str,
    sentiment_score: float,
    signals: Signals,
    sarcasm: bool,
    shouting: bool,
) -> tuple[str, list[str]]:
    """Return (response, reasons) for one post."""
    if intent == "crisis":
        terms = ", ".join(f"'{t}'" for t, _ in signals.crisis[:3])
        why = f" (crisis terms: {terms})" if terms else ""
        return "escalate", [f"a crisis{why}: escalate to the crisis team now"]
    if intent == "spam":
        return "monitor", ["spam: no reply, monitor only"]
    if sentiment != "negative" and intent not in ("complaint",):
        if intent == "praise" or (sentiment == "positive" and sentiment_score >= 0.5):
            return "amplify", ["positive post: acknowledge and amplify (share, thank)"]
        return "acknowledge", [f"{sentiment} post: acknowledge or let it stand"]
    # negative: troll, rager, misguided or unhappy customer
    if signals.misguided and not signals.customer:
        cues = ", ".join(f"'{m}'" for m in signals.misguided[:2])
        return "correct", [f"misguided: a claim of fact ({cues}): correct the facts politely"]
    if not signals.customer and intent not in ("complaint", "question"):
        if signals.insults:
            cues = ", ".join(f"'{w}'" for w in signals.insults[:2])
            return "monitor", [f"troll: insults ({cues}) without a concrete problem: monitor"]
        if signals.jokes or sarcasm or shouting:
            cue = "a joke" if signals.jokes else "sarcasm" if sarcasm else "a rant in capitals"
            return "monitor", [f"rager: {cue} without a concrete problem: monitor"]
    if signals.misguided:
        cues = ", ".join(f"'{m}'" for m in signals.misguided[:2])
        return "correct", [f"misguided: a claim of fact ({cues}): correct the facts politely"]
    named = ", ".join(f"'{c}'" for c in signals.customer[:2])
    detail = f" about {named}" if named else ""
    return "restore", [f"unhappy customer{detail}: restore through the unit that owns it"]
