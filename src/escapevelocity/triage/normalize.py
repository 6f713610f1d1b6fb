"""Social-text normalization: from raw posts to the tokens the models and the lexicon read.

URLs and @mentions become placeholder tokens (`_url_`, `@user`), #hashtags keep their mark and
are also split on camel case ("#NeverAgain" -> "#neveragain never again"), emoji and emoticons
stay as tokens (emoticons become `_emopos_` / `_emoneg_`), elongations are shortened ("soooo" ->
"soo") and flagged with `_elong_`, HTML entities are decoded, case is folded (words in capitals
are flagged with `_caps_`), and the words after a negation are marked `neg_<word>` up to the next
punctuation or three words.

The regular expressions run once over the whole batch joined by newlines, which is several times
faster than running them post by post; one Python loop then splits the tokens back per post.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

# Two literal-prefixed patterns: the regex engine then skips ahead to "http" or "www." instead of
# trying an alternation at every character.
URL_RE = re.compile(r"https?://\S+")
WWW_RE = re.compile(r"www\.\S+")
MENTION_RE = re.compile(r"@\w+")
HASHTAG_RE = re.compile(r"#(\w+)")
CAMEL_RE = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
CAPS_RE = re.compile(r"[A-Z]{3,}")
ELONG_RE = re.compile(r"([a-z])\1\1+([a-z]*)")

POSITIVE_EMOTICONS = (
    ":-)",
    ":)",
    ":-d",
    ":d",
    ";-)",
    ";)",
    ":p",
    ":-p",
    "(:",
    "=)",
    ":]",
    "<3",
    "^_^",
    ":3",
    "=d",
)
NEGATIVE_EMOTICONS = (":-(", ":(", ":'(", ":/", ":-/", "):", ":[", "=(", "</3", "-_-", ">:(")
EMOTICON_TOKENS = dict.fromkeys(POSITIVE_EMOTICONS, "_emopos_") | dict.fromkeys(
    NEGATIVE_EMOTICONS, "_emoneg_"
)
_EMOTICON_ALTS = "|".join(re.escape(e) for e in sorted(EMOTICON_TOKENS, key=len, reverse=True))
# An emoticon, a word (with inner apostrophes, optionally marked # or @), a post boundary, or any
# one other visible character: emoji and punctuation are tokens too (sklearn's default pattern
# drops them, and they carry much of a post's tone).
TOKEN_RE = re.compile(rf"[#@]?\w+(?:['’]\w+)*|{_EMOTICON_ALTS}|\n|[^\w\s]")

NEGATORS = frozenset(
    [
        "not",
        "no",
        "never",
        "none",
        "nobody",
        "nothing",
        "nowhere",
        "neither",
        "nor",
        "cannot",
        "cant",
        "dont",
        "doesnt",
        "didnt",
        "isnt",
        "wasnt",
        "werent",
        "wont",
        "wouldnt",
        "shouldnt",
        "couldnt",
        "havent",
        "hasnt",
        "hadnt",
        "aint",
        "arent",
        "without",
    ]
)
NEGATION_SCOPE = 3
SCOPE_BREAKERS = frozenset([".", ",", "!", "?", ";", ":", "but", "however", "\n"])


@dataclass(frozen=True, slots=True)
class Normalized:
    """One post's normalized tokens and the surface signals found on the way."""

    tokens: list[str]
    hashtags: list[str]
    urls: int
    mentions: int
    elongated: bool
    shouting: bool


def split_camel(tag: str) -> list[str]:
    """Return a hashtag's words: "NeverFlyingAgain" -> ["never", "flying", "again"]."""
    parts = CAMEL_RE.findall(tag)
    return [p.lower() for p in parts] if len(parts) > 1 else []


def _hashtag(match: re.Match[str]) -> str:
    tag = match.group(1)
    words = split_camel(tag)
    return f"#{tag} {' '.join(words)} _tagend_ " if words else f"#{tag} _tagend_ "


def normalize(text: str) -> Normalized:
    """Normalize one post's text (see the module docstring)."""
    return normalize_batch([text])[0]


def normalize_batch(texts: Sequence[str]) -> list[Normalized]:
    """Normalize many posts at once; the result is in the order of `texts`."""
    if not texts:
        return []
    joined = "\x1e".join(texts)
    if joined.count("\x1e") != len(texts) - 1:
        # a post carries the separator itself: blank it out so it cannot split the post
        joined = "\x1e".join(t.replace("\x1e", " ") for t in texts)
    if "&" in joined:
        # before the newlines go: "&#10;" decodes to one (control characters decode to "")
        joined = html.unescape(joined)
    if "\n" in joined:
        joined = joined.replace("\n", " ")
    joined = joined.replace("\x1e", "\n")
    if "http" in joined:
        joined = URL_RE.sub(" _url_ ", joined)
    if "www." in joined:
        joined = WWW_RE.sub(" _url_ ", joined)
    if "@" in joined:
        joined = MENTION_RE.sub(" @user ", joined)
    if "#" in joined:
        joined = HASHTAG_RE.sub(_hashtag, joined)
    joined = CAPS_RE.sub(r"\g<0> _caps_ ", joined).lower()
    joined = ELONG_RE.sub(r"\1\1\2 _elong_ ", joined)
    tokens = TOKEN_RE.findall(joined)
    tokens.append("\n")
    return _split_posts(tokens)


_SPECIAL = frozenset(["\n", "_caps_", "_elong_", "_tagend_", "_url_", *EMOTICON_TOKENS, *NEGATORS])


def _split_posts(tokens: list[str]) -> list[Normalized]:
    out: list[Normalized] = []
    current: list[str] = []
    append = current.append
    hashtags: list[str] = []
    urls = mentions = caps = 0
    elongated = False
    scope = 0
    special = _SPECIAL
    for tok in tokens:
        if not scope and tok not in special:
            # the common case: an ordinary token outside a negation's scope
            first = tok[0]
            if first == "@":
                mentions += 1
            elif first == "#":
                hashtags.append(tok[1:])
            elif tok[-1] == "t" and tok.endswith("n't"):
                scope = NEGATION_SCOPE
            append(tok)
            continue
        if tok == "\n":
            out.append(Normalized(current, hashtags, urls, mentions, elongated, caps >= 2))
            current = []
            append = current.append
            hashtags = []
            urls = mentions = caps = 0
            elongated = False
            scope = 0
            continue
        if tok[0] == "_" and tok[-1] == "_":
            if tok == "_caps_":
                caps += 1
                continue
            if tok == "_elong_":
                elongated = True
                continue
            if tok == "_tagend_":
                scope = 0
                continue
            if tok == "_url_":
                urls += 1
        if tok in EMOTICON_TOKENS:
            tok = EMOTICON_TOKENS[tok]
        elif tok[0] == "@":
            mentions += 1
        elif tok[0] == "#":
            hashtags.append(tok[1:])
            scope = 0
        if tok in NEGATORS or tok.endswith("n't"):
            append(tok)
            scope = NEGATION_SCOPE
        elif scope:
            if tok in SCOPE_BREAKERS:
                scope = 0
                append(tok)
            elif tok[0].isalpha():
                append("neg_" + tok)
                scope -= 1
            else:
                append(tok)
        else:
            append(tok)
    return out
