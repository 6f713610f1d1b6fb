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
# Three or more capitals, spelled so the pattern starts with a character class: the regex engine
# then skips straight to the next capital ("[A-Z]{3,}" tries a match at every character).
CAPS_RE = re.compile(r"[A-Z][A-Z][A-Z]+")
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
# drops them, and they carry much of a post's tone). The whitespace before a token (other than a
# post boundary) is consumed by the same match, possessively, and findall returns the token (the
# group): the engine then never fails a whole attempt at a space, about a third faster. The text
# must end with "\n" so that a run of whitespace is always followed by a token.
TOKEN_RE = re.compile(rf"[^\S\n]*+([#@]?\w+(?:['’]\w+)*+|{_EMOTICON_ALTS}|\n|[^\w\s])")

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


@dataclass(slots=True)  # not frozen: one per post, and a frozen __init__ costs twice as much
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
    tokens = TOKEN_RE.findall(joined + "\n")  # the last "\n" ends the last post
    return _split_posts(tokens, joined.split("\n"))


_SPECIAL = frozenset(["_caps_", "_elong_", "_tagend_", "_url_", *EMOTICON_TOKENS, *NEGATORS])
# A post with none of these (nor a word ending in "n't") keeps its tokens as they are: there is
# no negation scope to mark and no emoticon to rename, only the markers added above to drop.
_NEEDS_SCAN = frozenset([*EMOTICON_TOKENS, *NEGATORS])
_MARKERS = frozenset(["_caps_", "_elong_", "_tagend_"])


def _split_posts(tokens: list[str], texts: list[str]) -> list[Normalized]:
    """Return one Normalized per post from the batch's tokens (each post's end with a newline
    token); `texts` are the posts' normalized texts the tokens were found in."""
    out: list[Normalized] = []
    start = 0
    find = tokens.index
    for text in texts:
        end = find("\n", start)
        post = tokens[start:end]
        start = end + 1
        if "n't" in text or not _NEEDS_SCAN.isdisjoint(post):
            out.append(_scan(post))
            continue
        # Most posts: C-level counts instead of a Python step per token. Every "@" in the text
        # starts a token (a mention or a lone "@"), as every "#" does.
        caps = post.count("_caps_")
        elongated = "_elong_" in post
        if not _MARKERS.isdisjoint(post):
            post = [tok for tok in post if tok not in _MARKERS]
        hashtags = [tok[1:] for tok in post if tok[0] == "#"] if "#" in text else []
        out.append(
            Normalized(post, hashtags, post.count("_url_"), text.count("@"), elongated, caps >= 2)
        )
    return out


def _scan(tokens: list[str]) -> Normalized:
    """Return one post's Normalized, marking negation scopes and renaming emoticons."""
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
    return Normalized(current, hashtags, urls, mentions, elongated, caps >= 2)
