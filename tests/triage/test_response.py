from __future__ import annotations

import pytest

from escapevelocity.triage import Post, Triager
from escapevelocity.triage.normalize import normalize
from escapevelocity.triage.response import advise
from escapevelocity.triage.signals import find_signals


def advice(text: str, intent: str, sentiment: str, score: float = 0.0) -> tuple[str, list[str]]:
    n = normalize(text)
    return advise(
        intent=intent,
        sentiment=sentiment,
        sentiment_score=score,
        signals=find_signals(n.tokens),
        sarcasm=False,
        shouting=n.shouting,
    )


def test_it_escalates_a_crisis_naming_its_terms() -> None:
    response, reasons = advice("my lawyer will be in touch", "crisis", "negative", -0.5)
    assert response == "escalate"
    assert "'lawyer'" in reasons[0]


def test_it_amplifies_praise() -> None:
    assert advice("you are wonderful", "praise", "positive", 0.8)[0] == "amplify"


def test_it_acknowledges_a_balanced_post() -> None:
    assert advice("what time do you open", "question", "neutral")[0] == "acknowledge"


def test_it_only_monitors_a_troll() -> None:
    response, reasons = advice("you are all idiots and clowns", "other", "negative", -0.7)
    assert response == "monitor"
    assert reasons[0].startswith("troll")


def test_it_only_monitors_a_rager() -> None:
    response, reasons = advice("lol this brand is a mess haha", "other", "negative", -0.4)
    assert response == "monitor"
    assert reasons[0].startswith("rager")


def test_it_corrects_a_misguided_post() -> None:
    response, reasons = advice("I heard you are shutting down next month", "other", "negative")
    assert response == "correct"
    assert "shutting down" in reasons[0]


def test_it_restores_an_unhappy_customer() -> None:
    response, reasons = advice("my refund never came", "complaint", "negative", -0.6)
    assert response == "restore"
    assert "'my refund'" in reasons[0]


def test_it_only_monitors_spam() -> None:
    assert advice("buy followers now", "spam", "neutral")[0] == "monitor"


@pytest.mark.parametrize(
    ("text", "response"),
    [
        ("My lawyer is filing a lawsuit over the data breach", "escalate"),
        ("Huge thanks to the agent who fixed my account, brilliant service!", "amplify"),
        ("My order arrived broken and nobody answers my emails", "restore"),
        ("Is it true you're going bankrupt? I heard you are shutting down", "correct"),
    ],
)
def test_it_advises_end_to_end(triager: Triager, text: str, response: str) -> None:
    (decision,) = triager.triage([Post(external_id="1", channel="x", text=text)])
    assert decision.response == response, decision.reasons


@pytest.mark.parametrize(
    ("text", "crisis", "misguided"),
    [
        (
            "a reporter is running a story on your outage",
            [("reporter", "press"), ("running a story", "press")],
            [],
        ),
        ("they secretly sell my data", [], ["secretly", "sell my"]),
        ("I heard you are shutting down", [], ["i heard", "shutting down"]),
        (
            "caught fire, data breach, lawyer",
            [
                ("caught fire", "safety"),
                ("fire", "safety"),
                ("data breach", "privacy"),
                ("breach", "privacy"),
                ("lawyer", "legal"),
            ],
            [],
        ),
        ("nothing to see here", [], []),
    ],
)
def test_signals_find_words_and_phrases_of_any_length_in_order(
    text: str, crisis: list[tuple[str, str]], misguided: list[str]
) -> None:
    signals = find_signals(normalize(text).tokens)
    assert signals.crisis == crisis
    assert signals.misguided == misguided
