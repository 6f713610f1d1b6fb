"""How well does discovery tell the company's accounts from other people's handles?

A synthetic, labelled set that the benchmark makes itself (seeded): for each of 300 invented
brand names, handles that are the brand's (support, country, team variants in snake_case,
camelCase, dotted, glued, with typos in long names, and glued to words the matcher does not
know) and handles that are not (parody and fan accounts, the name inside a longer word, other
brands). The matcher (governance.matching.match_handle) is compared with the baseline measured
in the same run: "the squashed name occurs anywhere in the squashed handle".

Caveat: the positive variants use affixes the matcher knows, except the "glued to an unknown
word" group, which is there to show what it misses. Real rogue accounts will be messier.

Run: .venv/bin/python bench/bench_governance_matching.py [--brands 300] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable

from escapevelocity.governance.matching import match_handle, squash

SYLLABLES = ["ka", "lo", "ve", "ra", "min", "tor", "zen", "qua", "bel", "dor", "fi"]
SYLLABLES += ["nu", "stra", "vex", "pol", "ari", "mon", "tel", "ix", "cor", "ly"]
AFFIX_POS = ["support", "help", "cares", "uk", "de", "news", "jobs", "official", "team", "us"]
PREFIX_POS = ["ask", "team", "the", "hello"]
UNKNOWN_GLUE = ["shopping", "insurance", "rewards", "kitchen", "outlet"]
STOPS = ["sucks", "fans", "parody", "hate", "watch", "boycott"]
FILLER = ["garden", "pixel", "river", "studio", "maker", "sun", "nova", "atlas", "echo"]


def brand(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.choice([2, 2, 3])))


def typo(rng: random.Random, word: str) -> str:
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1 :] if rng.random() < 0.5 else word[:i] + word[i] + word[i:]


def styles(rng: random.Random, parts: list[str]) -> str:
    style = rng.choice(["snake", "camel", "dot", "glued", "upper"])
    if style == "snake":
        return "_".join(parts)
    if style == "camel":
        return "".join(p.capitalize() for p in parts)
    if style == "dot":
        return ".".join(parts)
    if style == "upper":
        return "_".join(p.upper() for p in parts)
    return "".join(parts)


def make_set(n: int, seed: int) -> list[tuple[str, str, bool, str]]:
    """(handle, brand, is the brand's, group)."""
    rng = random.Random(seed)
    names = sorted({brand(rng) for _ in range(n * 2)})[:n]
    rows: list[tuple[str, str, bool, str]] = []
    for name in names:
        other = rng.choice([b for b in names if b != name and b not in name and name not in b])
        rows.append((styles(rng, [name]), name, True, "name alone"))
        for _ in range(3):
            rows.append((styles(rng, [name, rng.choice(AFFIX_POS)]), name, True, "name + affix"))
        rows.append((styles(rng, [rng.choice(PREFIX_POS), name]), name, True, "prefix + name"))
        if len(name) >= 5:
            rows.append(
                (styles(rng, [typo(rng, name), rng.choice(AFFIX_POS)]), name, True, "typo + affix")
            )
        rows.append(
            (name + rng.choice(UNKNOWN_GLUE), name, True, "glued to an unknown word (hard)")
        )
        rows.append((styles(rng, [name, rng.choice(STOPS)]), name, False, "parody / fan"))
        rows.append(("not" + name, name, False, "parody / fan"))
        rows.append(
            (
                rng.choice(FILLER) + name + rng.choice(["ology", "ix", "er"]),
                name,
                False,
                "inside a word",
            )
        )
        rows.append((styles(rng, [other, rng.choice(AFFIX_POS)]), name, False, "another brand"))
        rows.append(
            (styles(rng, [rng.choice(FILLER), rng.choice(FILLER)]), name, False, "unrelated")
        )
    return rows


def naive(handle: str, name: str) -> bool:
    return squash(name) in squash(handle)


def ours(handle: str, name: str) -> bool:
    return match_handle(handle, [name]).matched


def score(
    rows: list[tuple[str, str, bool, str]], fn: Callable[[str, str], bool]
) -> dict[str, float]:
    start = time.perf_counter()
    predictions = [fn(h, b) for h, b, _y, _g in rows]
    elapsed = time.perf_counter() - start
    tp = sum(p and y for p, (_h, _b, y, _g) in zip(predictions, rows, strict=True))
    fp = sum(p and not y for p, (_h, _b, y, _g) in zip(predictions, rows, strict=True))
    fn_ = sum(not p and y for p, (_h, _b, y, _g) in zip(predictions, rows, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn_) if tp + fn_ else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    groups: dict[str, list[bool]] = {}
    for p, (_h, _b, y, g) in zip(predictions, rows, strict=True):
        groups.setdefault(g, []).append(p == y)
    out = {"precision": precision, "recall": recall, "f1": f1, "per_s": len(rows) / elapsed}
    out |= {f"acc[{g}]": sum(v) / len(v) for g, v in groups.items()}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--brands", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rows = make_set(args.brands, args.seed)
    print(f"{len(rows)} labelled handles, {sum(r[2] for r in rows)} the brand's own")
    base, mine = score(rows, naive), score(rows, ours)
    print(f"{'':34} {'baseline':>10} {'matcher':>10}")
    for key in base:
        fmt = "{:>10.0f}" if key == "per_s" else "{:>10.3f}"
        print(f"{key:34} {fmt.format(base[key])} {fmt.format(mine[key])}")
    print(f"F1 ratio (matcher / baseline): {mine['f1'] / base['f1']:.2f}")
    print(
        f"false positives ratio: {(1 - mine['precision']) / max(1e-9, 1 - base['precision']):.2f}"
    )
    print(f"speed ratio (matcher / baseline): {mine['per_s'] / base['per_s']:.3f}")


if __name__ == "__main__":
    main()
