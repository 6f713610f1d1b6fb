from __future__ import annotations

from escapevelocity.triage.priority import priority


def base(**kw: object) -> tuple[int, list[str]]:
    args: dict[str, object] = {
        "intent": "question",
        "sentiment_score": 0.0,
        "crisis_terms": [],
        "reach": None,
        "contact_count": 0,
        "age_hours": None,
    }
    args.update(kw)
    return priority(**args)  # type: ignore[arg-type]


def test_it_starts_from_the_intents_severity() -> None:
    assert base(intent="crisis")[0] > base(intent="complaint")[0] > base(intent="praise")[0]
    assert base(intent="question")[1] == ["intent 'question' starts at 25"]


def test_it_adds_for_strong_negative_sentiment() -> None:
    value, reasons = base(sentiment_score=-0.8)
    assert value == 25 + 12
    assert "negative sentiment (-0.80): +12" in reasons


def test_it_adds_for_crisis_terms() -> None:
    value, reasons = base(crisis_terms=["lawsuit"])
    assert value == 35
    assert "crisis terms: 'lawsuit': +10" in reasons


def test_it_adds_for_reach_on_a_log_scale() -> None:
    assert base(reach=500)[0] == 25
    assert base(reach=10_000)[0] == 31
    value, reasons = base(reach=1_000_000)
    assert value == 37
    assert "author reach 1,000,000 followers: +12" in reasons


def test_it_adds_for_repeat_contact() -> None:
    value, reasons = base(contact_count=2)
    assert value == 35
    assert "repeat contact (2 recent): +10" in reasons
    assert base(contact_count=10)[0] == 40


def test_it_adds_for_age() -> None:
    assert base(age_hours=0.5)[0] == 25
    value, reasons = base(age_hours=3)
    assert value == 29
    assert "waiting 3 h: +4" in reasons


def test_it_caps_at_100_and_says_so() -> None:
    value, reasons = base(
        intent="crisis",
        sentiment_score=-1,
        crisis_terms=["a", "b"],
        reach=10**8,
        contact_count=5,
        age_hours=100,
    )
    assert value == 100
    assert reasons[-1] == "capped at 100"


def test_it_never_hurries_spam() -> None:
    assert base(intent="spam", reach=10**7, contact_count=3)[0] == 0
