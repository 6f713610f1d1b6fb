"""Word lists the decisions explain themselves with: crisis terms, and the cues of the response
assessment tree (troll, rager, misguided, unhappy customer). Matched on normalized tokens, so a
negated word ("won't sue") does not count.
"""

from __future__ import annotations

from dataclasses import dataclass

CRISIS_TERMS: dict[str, str] = {
    # legal threats
    "lawsuit": "legal",
    "sue": "legal",
    "suing": "legal",
    "lawyer": "legal",
    "lawyers": "legal",
    "attorney": "legal",
    "solicitor": "legal",
    "court": "legal",
    "legal action": "legal",
    "legal notice": "legal",
    "class action": "legal",
    "regulator": "legal",
    "ombudsman": "legal",
    # safety
    "fire": "safety",
    "caught fire": "safety",
    "exploded": "safety",
    "explosion": "safety",
    "injured": "safety",
    "injury": "safety",
    "hospital": "safety",
    "poisoning": "safety",
    "hazard": "safety",
    "burned": "safety",
    "gas leak": "safety",
    "died": "safety",
    "death": "safety",
    "electrocuted": "safety",
    "unsafe": "safety",
    "choking": "safety",
    # data and privacy
    "data breach": "privacy",
    "breach": "privacy",
    "leaked": "privacy",
    "hacked": "privacy",
    "exposed": "privacy",
    "exposing": "privacy",
    "privacy": "privacy",
    "identity theft": "privacy",
    "phishing": "privacy",
    # discrimination and harassment
    "racist": "discrimination",
    "racism": "discrimination",
    "discriminated": "discrimination",
    "discrimination": "discrimination",
    "sexist": "discrimination",
    "homophobic": "discrimination",
    "harassed": "discrimination",
    "harassment": "discrimination",
    "refused service": "discrimination",
    # press
    "journalist": "press",
    "reporter": "press",
    "press office": "press",
    "running a story": "press",
    "the media": "press",
    "for comment": "press",
    # threats and violence
    "threatened": "threat",
    "threat": "threat",
    "assaulted": "threat",
    "assault": "threat",
    "burn down": "threat",
    "kill": "threat",
    "bomb": "threat",
    "police": "threat",
    "boycott": "threat",
}
CRISIS_WORDS = frozenset(t for t in CRISIS_TERMS if " " not in t)
CRISIS_PHRASES = frozenset(t for t in CRISIS_TERMS if " " in t)

# A rager rants or jokes; a troll insults for the sake of it. Neither names a concrete problem.
INSULTS = frozenset(
    [
        "idiots",
        "idiot",
        "morons",
        "moron",
        "clowns",
        "clown",
        "losers",
        "loser",
        "scum",
        "trash",
        "garbage",
        "pathetic",
        "joke",
        "clownshow",
        "dumb",
        "stupid",
    ]
)
JOKE = frozenset(["lol", "lmao", "lmfao", "rofl", "haha", "hahaha", "😂", "🤣", "jk"])
# Misguided: a claim of fact the company can correct politely.
MISGUIDED_PHRASES = frozenset(
    {
        "i heard",
        "heard that",
        "apparently you",
        "is it true",
        "rumor is",
        "rumour is",
        "they say",
        "going bankrupt",
        "shutting down",
        "going out",
        "selling our",
        "sell my",
        "sells your",
        "fake news",
        "everyone knows",
        "is a scam",
        "secretly",
        "hidden fee",
        "hidden fees",
    }
)
# An unhappy customer names what is theirs: an order, a bill, an account.
CUSTOMER_WORDS = frozenset(
    [
        "my",
        "order",
        "bill",
        "account",
        "refund",
        "flight",
        "bag",
        "booking",
        "delivery",
        "package",
        "subscription",
        "card",
        "contract",
        "invoice",
        "parcel",
        "reservation",
        "payment",
        "ticket",
        "charged",
    ]
)


@dataclass(slots=True)  # not frozen: one per post, and a frozen __init__ costs twice as much
class Signals:
    """The cue words found in one post."""

    crisis: list[tuple[str, str]]
    insults: list[str]
    jokes: list[str]
    misguided: list[str]
    customer: list[str]


_PHRASES = CRISIS_PHRASES | {p for p in MISGUIDED_PHRASES if " " in p}
_MISGUIDED_WORDS = frozenset(p for p in MISGUIDED_PHRASES if " " not in p)
_WORDS = CRISIS_WORDS | INSULTS | JOKE | CUSTOMER_WORDS
# The last word of each phrase, with the lengths (in words) of the phrases it ends.
_PHRASE_ENDS: dict[str, tuple[int, ...]] = {}
for _phrase in sorted(_PHRASES):
    _last, _n = _phrase.split()[-1], len(_phrase.split())
    _PHRASE_ENDS[_last] = tuple(sorted({*_PHRASE_ENDS.get(_last, ()), _n}))
_INTERESTING = frozenset(_WORDS | _MISGUIDED_WORDS | _PHRASE_ENDS.keys())


def find_signals(tokens: list[str]) -> Signals:
    """Return the crisis terms and response-tree cues present in normalized tokens."""
    crisis: list[tuple[str, str]] = []
    insults: list[str] = []
    jokes: list[str] = []
    misguided: list[str] = []
    customer: list[str] = []
    if _INTERESTING.isdisjoint(tokens):  # most posts name no cue at all
        return Signals(crisis, insults, jokes, misguided, customer)
    interesting = _INTERESTING
    for i in [i for i, tok in enumerate(tokens) if tok in interesting]:
        tok = tokens[i]
        for n in _PHRASE_ENDS.get(tok, ()):
            if i + 1 >= n:
                phrase = " ".join(tokens[i + 1 - n : i + 1])
                if phrase in CRISIS_PHRASES:
                    crisis.append((phrase, CRISIS_TERMS[phrase]))
                elif phrase in MISGUIDED_PHRASES:
                    misguided.append(phrase)
        if tok in _WORDS:
            if tok in CRISIS_WORDS:
                crisis.append((tok, CRISIS_TERMS[tok]))
            if tok in INSULTS:
                insults.append(tok)
            elif tok in JOKE:
                jokes.append(tok)
            elif tok in CUSTOMER_WORDS and tok != "my":
                customer.append("my " + tok if i and tokens[i - 1] == "my" else tok)
        elif tok in _MISGUIDED_WORDS:
            misguided.append(tok)
    return Signals(crisis, insults, jokes, misguided, customer)
