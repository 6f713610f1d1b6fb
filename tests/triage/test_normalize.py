from __future__ import annotations

from escapevelocity.triage.normalize import normalize, normalize_batch, split_camel


def test_it_replaces_urls_and_mentions_with_placeholders() -> None:
    n = normalize("@AcmeHelp see https://example.com/a?b=1 and www.example.org now")
    assert n.tokens.count("_url_") == 2
    assert "@user" in n.tokens
    assert n.urls == 2
    assert n.mentions == 1
    assert not any("example" in t for t in n.tokens)


def test_it_splits_camel_case_hashtags_and_keeps_the_tag() -> None:
    n = normalize("so tired of this #NeverFlyingAgain")
    assert n.hashtags == ["neverflyingagain"]
    assert "#neverflyingagain" in n.tokens
    assert n.tokens[-3:] == ["never", "neg_flying", "neg_again"]


def test_it_splits_camel_case_words_and_acronyms() -> None:
    assert split_camel("WorstServiceEver") == ["worst", "service", "ever"]
    assert split_camel("FAQPage") == ["faq", "page"]
    assert split_camel("fail") == []


def test_it_keeps_emoji_and_maps_emoticons() -> None:
    n = normalize("Great stuff :) 😍 but then :( 😡")
    assert "😍" in n.tokens
    assert "😡" in n.tokens
    assert "_emopos_" in n.tokens
    assert "_emoneg_" in n.tokens


def test_it_shortens_elongations_and_flags_them() -> None:
    n = normalize("Soooo gooooood")
    assert n.tokens[:2] == ["soo", "good"]
    assert n.elongated
    assert "_elong_" not in n.tokens


def test_it_folds_case_and_flags_shouting() -> None:
    n = normalize("WHERE IS MY PARCEL")
    assert n.tokens == ["where", "is", "my", "parcel"]
    assert n.shouting
    assert not normalize("Where is my NHS letter").shouting


def test_it_decodes_html_entities() -> None:
    assert normalize("fish &amp; chips &lt;3").tokens == ["fish", "&", "chips", "_emopos_"]


def test_it_marks_three_words_after_a_negation_up_to_punctuation() -> None:
    assert normalize("I am not happy with it at all").tokens == [
        "i", "am", "not", "neg_happy", "neg_with", "neg_it", "at", "all",
    ]  # fmt: skip
    assert normalize("don't like it, love the rest").tokens == [
        "don't", "neg_like", "neg_it", ",", "love", "the", "rest",
    ]  # fmt: skip
    assert normalize("never good but fine").tokens == ["never", "neg_good", "but", "fine"]


def test_it_normalizes_a_batch_like_single_posts() -> None:
    texts = ["first\nline two", "", "#Hello @there", "third :)"]
    batch = normalize_batch(texts)
    assert [b.tokens for b in batch] == [normalize(t).tokens for t in texts]
    assert batch[0].tokens == ["first", "line", "two"]
    assert batch[1].tokens == []
