from __future__ import annotations

import pytest

from escapevelocity.triage.language import detect, detect_batch
from escapevelocity.triage.normalize import normalize


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("¿Dónde está mi pedido? Llevo una semana esperando y nadie responde", "es"),
        ("Je n'ai toujours pas reçu ma commande, c'est inadmissible", "fr"),
        ("Meine Bestellung ist immer noch nicht angekommen, was ist los?", "de"),
        ("Meu pedido ainda não chegou, já faz duas semanas", "pt"),
        ("My parcel still hasn't arrived and it has been two weeks", "en"),
    ],
)
def test_it_identifies_the_supported_languages(text: str, lang: str) -> None:
    assert detect(text, normalize(text).tokens)[0] == lang


def test_it_takes_plain_english_on_the_fast_path() -> None:
    text = "where is my order, it was due on Monday"
    assert detect(text, normalize(text).tokens) == (
        "en",
        "English function words",
    )


def test_it_trusts_the_language_the_source_declares() -> None:
    texts = ["bonjour", "hello there friend"]
    out = detect_batch(texts, [normalize(t).tokens for t in texts], ["fr-CA", None])
    assert out[0] == ("fr", "declared by the source")
    assert out[1][0] == "en"


def test_it_gives_up_on_posts_without_letters() -> None:
    assert detect("👍👍 123", [])[0] == "und"
