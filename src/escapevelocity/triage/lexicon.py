"""The VADER lexicon, read from the vaderSentiment package and scored over normalized tokens.

vaderSentiment's own analyzer re-tokenizes every post in pure Python; scoring our already
normalized tokens with its lexicon, negation scalar, boosters and "but" rule gives a score close
to VADER's at a fraction of the cost. Two additions the plain lexicon lacks: the negation scope
comes from the normalizer (so "not happy at all" is negative), and sarcasm cues ("love how my
flight got cancelled again", "yeah right", "🙄") turn praise words against the author's apparent
meaning.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from pathlib import Path

import vaderSentiment.vaderSentiment as _vader

N_SCALAR = _vader.N_SCALAR
B_INCR = _vader.B_INCR
BOOSTERS: dict[str, float] = dict(_vader.BOOSTER_DICT)
EMOTICON_VALENCE = {"_emopos_": 2.0, "_emoneg_": -2.0}
# Emoji common in customer posts whose descriptions ("enraged face") the word lexicon misses.
EMOJI_VALENCE = {
    "😡": -2.5, "🤬": -3.0, "😠": -2.2, "😤": -1.8, "👎": -2.0, "🙄": -1.5, "😒": -1.5,
    "😞": -2.0, "😢": -2.0, "😭": -2.2, "💩": -2.0, "😩": -2.0, "🤮": -2.5, "😖": -1.8,
    "😍": 3.0, "❤️": 2.7, "❤": 2.7, "👍": 1.8, "🙌": 2.0, "🎉": 2.3, "🙏": 1.5, "😊": 2.2,
    "👏": 2.0, "💯": 1.5, "🥰": 3.0, "😀": 2.0, "😁": 2.0, "🤩": 2.8,
}  # fmt: skip

# Sarcasm cues, matched on consecutive normalized tokens. A strong cue is sarcastic on its own; a
# soft one ("love how", "great job") only beside a word of something going wrong.
STRONG_SARCASM = frozenset(
    {
        ("yeah", "right"),
        ("yea", "right"),
        ("for", "nothing"),
        ("so", "much", "for"),
        ("just", "what", "i"),
        ("what", "a", "surprise"),
        ("said", "no", "one"),
        ("slow", "clap"),
        ("/", "s"),
        ("🙄",),
        ("😒",),
    }
)
SOFT_SARCASM = frozenset(
    {
        ("love", "how"),
        ("love", "that"),
        ("love", "when"),
        ("gotta", "love"),
        ("great", "job"),
        ("oh", "great"),
        ("just", "great"),
        ("way", "to", "go"),
        ("nice", "job"),
        ("well", "done"),
        ("thanks", "a", "lot"),
        ("so", "glad"),
        ("how", "lovely"),
        ("best", "ever"),
        ("oh", "good"),
        ("brilliant",),
        ("fantastic",),
        ("awesome",),
        ("wonderful",),
    }
)
NEGATIVE_EVENTS = frozenset(
    [
        "delay",
        "delayed",
        "delays",
        "cancel",
        "cancelled",
        "canceled",
        "cancellation",
        "lost",
        "broke",
        "broken",
        "again",
        "waiting",
        "still",
        "stuck",
        "hold",
        "overcharged",
        "charged",
        "late",
        "outage",
        "crashed",
        "crash",
        "missing",
        "never",
        "nobody",
        "down",
        "failed",
        "fails",
        "failing",
        "refused",
        "ignored",
        "ignoring",
        "third",
        "another",
        "hours",
        "hour",
    ]
)


@dataclass(slots=True)  # not frozen: one per post, and a frozen __init__ costs twice as much
class LexiconScore:
    """Lexicon evidence for one post: summed valences, a compound score and what matched."""

    positive: float
    negative: float
    compound: float
    sarcasm: bool
    hits: list[str]


_lock = threading.Lock()
_lexicon: dict[str, float] | None = None


def _vader_dir() -> Path:
    return Path(_vader.__file__).parent


def load_lexicon() -> dict[str, float]:
    """Return word -> valence: VADER's lexicon plus its emoji, scored by their descriptions."""
    global _lexicon
    with _lock:
        if _lexicon is not None:
            return _lexicon
        words: dict[str, float] = {}
        folder = _vader_dir()
        with open(folder / "vader_lexicon.txt", encoding="utf-8") as fh:
            for line in fh:
                parts = line.rstrip("\n").split("\t")
                if len(parts) >= 2:
                    words[parts[0]] = float(parts[1])
        with open(folder / "emoji_utf8_lexicon.txt", encoding="utf-8") as fh:
            for line in fh:
                parts = line.rstrip("\n").split("\t")
                if len(parts) >= 2:
                    valence = sum(words.get(w, 0.0) for w in parts[1].split())
                    if valence:
                        words[parts[0]] = max(-3.5, min(3.5, valence))
        words.update(EMOTICON_VALENCE)
        for emoji, valence in EMOJI_VALENCE.items():
            if not words.get(emoji):
                words[emoji] = valence
        # Words whose lexicon valence misleads on customer posts ("like" is mostly a preposition).
        for neutral in ("like", "please", "pray", "help", "no", "yes"):
            words.pop(neutral, None)
        _lexicon = words
        return words


def compound(total: float, alpha: float = 15.0) -> float:
    """VADER's normalization of a summed valence into -1..1."""
    return total / math.sqrt(total * total + alpha)


def score_tokens(tokens: list[str], lexicon: dict[str, float]) -> LexiconScore:
    """Score normalized tokens (see normalize.normalize_batch) with the lexicon."""
    get = lexicon.get
    prev = prev2 = ""
    seen_but = False
    values: list[tuple[float, bool]] = []
    hits: list[str] = []
    exclaims = 0
    strong = soft = event = False
    for tok in tokens:
        valence = get(tok)
        if valence is None:
            # the common case: a word the lexicon does not know
            if tok not in _SPECIAL:
                if tok[0] == "n" and tok[:4] == "neg_":
                    word = tok[4:]
                    valence = get(word)
                    if valence is not None:
                        if prev in BOOSTERS:
                            valence += B_INCR if valence > 0 else -B_INCR
                        hits.append(tok)
                        values.append((valence * N_SCALAR, not seen_but))
                    prev2, prev = prev, word
                    continue
                # not a cue word either (cue words are in _SPECIAL)
                prev2, prev = prev, tok
                continue
            if tok == "!":
                exclaims += 1
                continue
            if tok == "but" or tok == "however":
                seen_but = True
                continue
        else:
            if prev in BOOSTERS:
                valence += B_INCR if valence > 0 else -B_INCR
            hits.append(tok)
            values.append((valence, not seen_but))
        if tok in _CUE_WORDS:
            if tok in NEGATIVE_EVENTS:
                event = True
            if tok in _SARCASM_LAST:
                pair = (prev, tok)
                triple = (prev2, prev, tok)
                if (tok,) in STRONG_SARCASM or pair in STRONG_SARCASM or triple in STRONG_SARCASM:
                    strong = True
                elif (tok,) in SOFT_SARCASM or pair in SOFT_SARCASM or triple in SOFT_SARCASM:
                    soft = True
        prev2, prev = prev, tok
    sarcasm = strong or (soft and event)
    if not values:
        return LexiconScore(0.0, 0.0, compound(-1.5) if sarcasm else 0.0, sarcasm, hits)
    pos = neg = 0.0
    for valence, before in values:
        if seen_but:
            valence *= 0.5 if before else 1.5
        if sarcasm and valence > 0:
            valence = -valence
        if valence > 0:
            pos += valence
        else:
            neg += valence
    total = pos + neg
    if total and exclaims:
        total += math.copysign(min(exclaims, 4) * 0.292, total)
    if sarcasm and total >= 0:
        total -= 1.5
    return LexiconScore(
        positive=pos, negative=neg, compound=compound(total), sarcasm=sarcasm, hits=hits
    )


_SARCASM_LAST = frozenset(cue[-1] for cue in STRONG_SARCASM | SOFT_SARCASM)
_CUE_WORDS = _SARCASM_LAST | NEGATIVE_EVENTS
_SPECIAL = frozenset(["!", "but", "however"]) | _CUE_WORDS
