"""Does a social handle use the company's names or marks? Pure Python, no Django.

Kept free of Django imports so that it can move to a pure package later. The rules, chosen so
that a reviewer sees every plausible rogue account and few that are plainly someone else's:

- A handle is split into words at separators (`_ . - space`), camelCase humps and letter/digit
  boundaries: `AcmeUK` → `acme uk`, `acme.help` → `acme help`.
- A mark (`acme`, `lumentelecom`) matches where it occurs in the squashed handle and what is left
  on each side is either nothing, whole words (a word boundary in the original handle), or
  breaks entirely into known affixes (`support`, `help`, `cares`, `uk`, `news`, `team`, digits…):
  `acme_support`, `AcmeUK`, `acme.help`, `AcmeCares`, `acmecares`, `askacme` all match.
- A mark glued to letters that are not affixes is another word: `acmeologist`, `pacme`.
- A stop word on either side means commentary, parody or a fan, not the company: `notacme`,
  `acme_sucks`, `ihateacme`, `acme_fans`.
- Marks of five letters or more also match with one typo (two from nine letters): `lumnen`,
  `lumen_telcom`. Shorter marks need an exact spelling, or `acne` would be `acme`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

AFFIXES: frozenset[str] = frozenset(
    re.split(
        r"\s+",
        """
    support help helps helpdesk cares care service services customer customers news jobs careers
    career hiring official team hq app apps store shop deals tv live dev devs developer developers
    status press media pr info social community events ir investors labs life blog biz business
    pro ask hello hey hi get go the my we our us uk de fr es it nl ca au in jp br mx ie se no dk
    fi pl ch at be pt nz sg za eu latam emea apac na intl global world online digital mobile corp
    inc group brand studio studios games gaming music en esp espanol francais deutsch com
        net org io co bsky example
    """.strip(),
    )
)

STOP_WORDS: frozenset[str] = frozenset(
    re.split(
        r"\s+",
        """
    not anti hate hater haters ihate sucks suck sux fail fails fan fans fanclub parody fake
    satire ex former watch watcher boycott leak leaks meme memes victim victims vs versus against
    rant rants truth unofficial exposed scam scams critic critics complaints complaint fraud
    """.strip(),
    )
)
# `no` and `us` are affixes (Norway, United States), so `no` cannot also be a stop word; `not`
# carries the negation in practice (`notacme`).

_SEPARATORS = re.compile(r"[^0-9a-zA-Z]+")
_HUMPS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")


@dataclass(frozen=True)
class Match:
    """The verdict on one handle: whether it uses a mark, which one, and why (for a reviewer)."""

    matched: bool
    mark: str | None
    reason: str


def normalize_handle(handle: str) -> str:
    """Return the handle without a leading `@`, surrounding space or a profile URL prefix."""
    text = handle.strip()
    text = re.sub(r"^https?://[^/]+/+", "", text)
    return text.strip("/").lstrip("@")


def words(handle: str) -> list[str]:
    """Split a handle into lower-case words at separators, camelCase humps and digits."""
    out: list[str] = []
    name = normalize_handle(handle).split("@", 1)[0]  # a fediverse handle's server is not its name
    for chunk in _SEPARATORS.split(name):
        out.extend(w.lower() for w in _HUMPS.findall(chunk))
    return out


def squash(text: str) -> str:
    """Return only the letters and digits of the text, lower-cased."""
    return "".join(ch for ch in text.lower() if ch.isalnum() and ch.isascii())


def marks_from_name(name: str) -> list[str]:
    """Default marks for a company name: the whole name squashed, and its first word if it is
    at least four letters long (`Lumen Telecom` → `lumentelecom`, `lumen`)."""
    parts = [squash(p) for p in name.split()]
    parts = [p for p in parts if p]
    marks: list[str] = []
    whole = "".join(parts)
    if len(whole) >= 3:
        marks.append(whole)
    if len(parts) > 1 and len(parts[0]) >= 4:
        marks.append(parts[0])
    return marks


def clean_marks(marks: Iterable[str]) -> list[str]:
    """Squash, de-duplicate and order marks longest first (the most specific explanation wins)."""
    seen = {squash(m) for m in marks}
    return sorted((m for m in seen if len(m) >= 3), key=lambda m: (-len(m), m))


@lru_cache(maxsize=4096)
def _break(text: str) -> tuple[str, ...] | None:
    """Split text entirely into affixes, stop words or digit runs; None when it cannot be."""
    if not text:
        return ()
    if text.isdigit():
        return (text,)
    for end in range(len(text), 0, -1):
        head = text[:end]
        if head in AFFIXES or head in STOP_WORDS or head.isdigit():
            rest = _break(text[end:])
            if rest is not None:
                return (head, *rest)
    return None


def _distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance between a and b, or limit + 1 once it exceeds limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _allowed_typos(mark: str) -> int:
    if len(mark) >= 9:
        return 2
    if len(mark) >= 5:
        return 1
    return 0


def _side_verdict(side: str, aligned: bool, side_words: Sequence[str]) -> tuple[bool, str, bool]:
    """Is what surrounds a mark acceptable? Returns (ok, explanation, a stop word was seen)."""
    if not side:
        return True, "", False
    pieces = _break(side)
    if pieces is not None:
        stops = [p for p in pieces if p in STOP_WORDS]
        if stops:
            return False, f"'{stops[0]}' reads as commentary, parody or a fan account", True
        return True, "+".join(pieces), False
    stops = [w for w in side_words if w in STOP_WORDS]
    if stops:
        return False, f"'{stops[0]}' reads as commentary, parody or a fan account", True
    if aligned:
        return True, " ".join(side_words) or side, False
    return False, f"'{side}' is glued to the mark: another word", False


def _boundaries(handle_words: Sequence[str]) -> tuple[set[int], list[tuple[int, str]]]:
    cuts = {0}
    spans: list[tuple[int, str]] = []
    pos = 0
    for w in handle_words:
        spans.append((pos, w))
        pos += len(w)
        cuts.add(pos)
    return cuts, spans


def _words_within(spans: Sequence[tuple[int, str]], start: int, end: int) -> list[str]:
    return [w for p, w in spans if p >= start and p + len(w) <= end]


def _exact(text: str, mark: str) -> list[tuple[int, int, int]]:
    out = []
    start = text.find(mark)
    while start != -1:
        out.append((start, start + len(mark), 0))
        start = text.find(mark, start + 1)
    return out


def _typos(text: str, mark: str, limit: int) -> list[tuple[int, int, int]]:
    out = []
    for start in range(len(text)):
        for length in range(max(1, len(mark) - limit), len(mark) + limit + 1):
            end = start + length
            if end > len(text):
                break
            window = text[start:end]
            if mark in window:
                continue  # a mark with letters glued on is judged as such, not as a typo
            typos = _distance(window, mark, limit)
            if 0 < typos <= limit:
                out.append((start, end, typos))
    return out


def match_handle(handle: str, marks: Iterable[str]) -> Match:
    """Decide whether a handle uses one of the marks (see the module's rules)."""
    handle_words = words(handle)
    text = "".join(handle_words)
    if not text:
        return Match(False, None, "empty handle")
    cuts, spans = _boundaries(handle_words)
    refusal: Match | None = None
    grams = _bigrams(text)
    for mark in clean_marks(marks):
        limit = _allowed_typos(mark)
        candidates = _exact(text, mark)
        # Typos only where the mark is not spelled out: a spelled-out mark that does not fit is
        # the verdict. Each edit breaks at most two of the mark's letter pairs, so with too few
        # pairs shared there is no typo to look for.
        mark_grams = _bigrams(mark)
        if not candidates and limit and len(mark_grams & grams) >= len(mark_grams) - 2 * limit:
            candidates = _typos(text, mark, limit)
        for start, end, typos in sorted(candidates, key=lambda c: (c[0] - c[1], c[0])):
            left, right = text[:start], text[end:]
            left_ok, left_why, left_stop = _side_verdict(
                left, start in cuts, _words_within(spans, 0, start)
            )
            right_ok, right_why, right_stop = _side_verdict(
                right, end in cuts, _words_within(spans, end, len(text))
            )
            if left_stop or right_stop:  # commentary about the company is never the company
                why = left_why if left_stop else right_why
                return Match(False, mark, f"contains '{mark}' but {why}")
            if left_ok and right_ok:
                extras = " and ".join(w for w in (left_why, right_why) if w)
                how = f"'{mark}'" if typos == 0 else f"'{text[start:end]}' (≈ '{mark}')"
                reason = f"uses {how}" + (f" with {extras}" if extras else "")
                return Match(True, mark, reason)
            if refusal is None:
                why = left_why if not left_ok else right_why
                refusal = Match(False, mark, f"contains '{mark}' but {why}")
    return refusal or Match(False, None, "uses none of the company's names or marks")
