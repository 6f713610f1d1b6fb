from __future__ import annotations

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from escapevelocity.triage.lexicon import load_lexicon, score_tokens
from escapevelocity.triage.normalize import normalize


def compound(text: str) -> float:
    return score_tokens(normalize(text).tokens, load_lexicon()).compound


def test_it_flips_a_negated_word() -> None:
    assert compound("I am happy with the service") > 0.3
    assert compound("I am not happy with the service") < -0.2


def test_it_keeps_negation_inside_its_scope() -> None:
    # "not" reaches three words, so "great" at the end stays positive
    assert compound("not the first time I waited, the staff were great") > 0


def test_it_reads_emoji_and_emoticons() -> None:
    assert compound("the new update 😍") > 0.3
    assert compound("the new update 😡") < -0.3
    assert compound("the new update :(") < -0.3


def test_it_weighs_the_clause_after_but_more() -> None:
    assert compound("the food was good but the service was terrible") < 0


def test_it_turns_sarcastic_praise_negative_where_vader_does_not() -> None:
    text = "Love how my flight got cancelled again. Great job"
    assert SentimentIntensityAnalyzer().polarity_scores(text)["compound"] > 0
    score = score_tokens(normalize(text).tokens, load_lexicon())
    assert score.sarcasm
    assert score.compound < 0


def test_it_does_not_call_plain_praise_sarcastic() -> None:
    score = score_tokens(
        normalize("Great job on the quick delivery, love it").tokens, load_lexicon()
    )
    assert not score.sarcasm
    assert score.compound > 0.5


def test_it_treats_strong_cues_as_sarcasm_on_their_own() -> None:
    assert score_tokens(normalize("yeah right, best service ever").tokens, load_lexicon()).sarcasm
    assert compound("wonderful update 🙄") < 0


def test_it_amplifies_with_boosters_and_exclamations() -> None:
    assert compound("very good!!!") > compound("good")
