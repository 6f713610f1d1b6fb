"""Language identification: a stopword fast path for plain English, py3langid for the rest.

py3langid (a maintained fork of langid.py, its model shipped in the package) walks every byte in
Python; most customer posts in an English-speaking inbox carry several English function words
and none of another language's, so those are decided without it. The identifier is restricted
to the languages the product supports, which makes it far more accurate on short posts.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

SUPPORTED = ("en", "es", "fr", "de", "pt", "it", "nl")
UNDETERMINED = "und"

ENGLISH = frozenset(
    """the and is are was were you your my i it's this that with have has for what why how but
    just can will been i'm don't can't won't please thanks thank they them our their from would
    could should there here when which who about to of it at on we be out up get got now so us
    all an as need still today never u im only any some than then too very really again yet
    did does had off after before because""".split()  # noqa: SIM905 - a word list reads better
)
# Words of the other supported languages that are rare in English (so "la", "die", "per" or
# "van" in an English post do not send it to the slow path).
OTHER = frozenset(
    """el los las que por para con una muy pero está esta gracias hola mi
    les des est et une pour pas je vous mon très avec sur ce merci bonjour
    der das und ist nicht ich mit ein eine für auf wir mein danke hallo
    os não um meu muito você obrigado olá isso
    il di che è sono grazie ciao
    het een niet ik voor dank""".split()  # noqa: SIM905 - a word list reads better
)

_lock = threading.Lock()
_identifier: Any = None


def _get_identifier() -> Any:
    global _identifier
    with _lock:
        if _identifier is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
            ident.set_languages(list(SUPPORTED))
            _identifier = ident
        return _identifier


def english_fast_path(tokens: list[str]) -> bool:
    """Return True when the tokens are plainly English: two or more English function words and
    at least four times as many as another language's."""
    en = other = 0
    for tok in tokens:
        if tok in ENGLISH:
            en += 1
        elif tok in OTHER:
            other += 1
    return en >= 2 and en >= 4 * other


def detect(text: str, tokens: list[str] | None = None) -> tuple[str, str]:
    """Return (language code, reason) for one post."""
    if tokens is not None and english_fast_path(tokens):
        return "en", "English function words"
    if not any(ch.isalpha() for ch in text):
        return UNDETERMINED, "no letters to identify a language from"
    lang, confidence = _get_identifier().classify(text)
    return str(lang), f"identified by py3langid ({float(confidence):.2f})"


def detect_batch(
    texts: Sequence[str], tokens: Sequence[list[str]], declared: Sequence[str | None]
) -> list[tuple[str, str]]:
    """Return (language, reason) per post, trusting a language the source declared."""
    out: list[tuple[str, str]] = []
    for text, toks, lang in zip(texts, tokens, declared, strict=True):
        if lang:
            out.append((lang.lower().split("-")[0], "declared by the source"))
        else:
            out.append(detect(text, toks))
    return out
