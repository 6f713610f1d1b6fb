"""Each intent on examples written for these tests (none appears in the training corpus)."""

from __future__ import annotations

import pytest

from escapevelocity.triage import INTENTS, Post, Triager
from escapevelocity.triage.corpus import PER_INTENT, TEMPLATES, examples

CASES = {
    "complaint": [
        "My washing machine was delivered damaged and nobody has called me back",
        "Been waiting two weeks for my refund, this is ridiculous",
    ],
    "question": [
        "How do I change the email address on my account?",
        "What time does the store on Main Street open on Saturday?",
    ],
    "feedback": [
        "Suggestion: please add an option to pause deliveries during holidays",
        "It would be great if the app showed the engineer's arrival time",
    ],
    "purchase_intent": [
        "How much is the premium plan? Thinking of signing up this week",
        "I want to buy the new laptop, is it in stock?",
    ],
    "praise": [
        "Huge thanks to the lovely agent who sorted my booking today!",
        "Best customer service I've ever had, thank you so much",
    ],
    "crisis": [
        "Your heater caught fire in my living room, I'm calling my lawyer",
        "I'm a reporter writing a story about the data breach, can your press office comment?",
    ],
    "spam": [
        "Earn $3000 a week from home, DM me now 💰 http://scam.example",
        "Follow for follow! Get cheap followers at http://followers.example",
    ],
    "other": [
        "What a beautiful sunny day at the beach",
        "Watching the football with my brother tonight",
    ],
}


@pytest.mark.parametrize(("intent", "text"), [(i, t) for i, ts in CASES.items() for t in ts])
def test_it_recognizes_each_intent(triager: Triager, intent: str, text: str) -> None:
    (decision,) = triager.triage([Post(external_id="1", channel="x", text=text)])
    assert decision.intent == intent, decision.intent_probabilities
    assert decision.intent_probability == max(decision.intent_probabilities.values())


def test_it_writes_at_least_150_varied_examples_per_intent() -> None:
    corpus = examples()
    for intent in INTENTS:
        texts = [e.text for e in corpus if e.intent == intent]
        assert len(texts) >= 150
        assert len(set(texts)) == len(texts)
        assert len({e.sentiment for e in corpus if e.intent == intent}) >= 1
    assert PER_INTENT >= 150
    assert {t[0] for t in TEMPLATES} == set(INTENTS)


def test_it_keeps_test_sentences_out_of_the_corpus() -> None:
    corpus = {e.text.lower() for e in examples()}
    for texts in CASES.values():
        assert not any(t.lower() in corpus for t in texts)
