"""The learned router: a text classifier trained on (text, route) pairs — a company's history
and its team's corrections — consulted where no routing rule decides.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .normalize import normalize_batch
from .textmodel import TextModel, fit

ROUTER_FORMAT = 1
DEFAULT_MIN_CONFIDENCE = 0.5
# Stronger regularization than the sentiment models: routes are many and some are rare (airline
# negative_reason, 5-fold CV macro-F1: C=10 0.520, C=3 0.535, C=1 0.536, C=0.3 0.531).
ROUTER_C = 1.0


class RouterError(ValueError):
    """The examples cannot train a router, or a saved router cannot be read."""


@dataclass
class LearnedRouter:
    """A trained routing model and the confidence it needs before it decides."""

    model: TextModel
    min_confidence: float = DEFAULT_MIN_CONFIDENCE
    format: int = ROUTER_FORMAT

    @property
    def routes(self) -> list[str]:
        """Return the routes the router knows."""
        return list(self.model.classes)

    def predict(self, docs: Sequence[list[str]]) -> list[tuple[str, float]]:
        """Return (route, probability) for each tokenized document."""
        if not docs:
            return []
        proba = self.model.predict_proba(docs)
        best = proba.argmax(axis=1)
        return [(self.model.classes[j], float(proba[i, j])) for i, j in enumerate(best)]


@dataclass(frozen=True)
class RouterReport:
    """What training a router saw and how well it fits."""

    n: int
    routes: dict[str, int]
    skipped: int
    train_accuracy: float
    path: str | None = None
    notes: list[str] = field(default_factory=list)


def fit_router(
    examples: Sequence[tuple[str, str]],
    *,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    char_ngrams: tuple[int, int] | None = (2, 5),
    c: float = ROUTER_C,
) -> tuple[LearnedRouter, RouterReport]:
    """Train a router in memory on (text, route) pairs; empty texts or routes are skipped."""
    pairs = [(t, r.strip()) for t, r in examples if t and t.strip() and r and r.strip()]
    skipped = len(examples) - len(pairs)
    counts = Counter(r for _, r in pairs)
    if len(counts) < 2:
        raise RouterError(
            f"a router needs examples of at least two routes; got {len(counts)} "
            f"({', '.join(counts) or 'none'}) from {len(pairs)} usable examples"
        )
    docs = [n.tokens for n in normalize_batch([t for t, _ in pairs])]
    labels = [r for _, r in pairs]
    model = fit(docs, labels, char_ngrams=char_ngrams, c=c, class_weight="balanced")
    router = LearnedRouter(model=model, min_confidence=min_confidence)
    predicted = [r for r, _ in router.predict(docs)]
    accuracy = float(np.mean([p == y for p, y in zip(predicted, labels, strict=True)]))
    report = RouterReport(
        n=len(pairs), routes=dict(counts), skipped=skipped, train_accuracy=accuracy
    )
    return router, report


def train_router(
    examples: Sequence[tuple[str, str]],
    *,
    path: str | Path,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    char_ngrams: tuple[int, int] | None = None,
) -> RouterReport:
    """Train a router on (text, route) pairs, save it at `path`, and return what it saw.

    The saved router reads word n-grams only by default: it runs on every ingested post, and
    character n-grams (worth about a point of accuracy with thousands of examples, see
    docs/benchmarks.md) would make it the slowest part of triage.
    """
    router, report = fit_router(examples, min_confidence=min_confidence, char_ngrams=char_ngrams)
    save_router(router, path)
    return RouterReport(
        n=report.n,
        routes=report.routes,
        skipped=report.skipped,
        train_accuracy=report.train_accuracy,
        path=str(path),
    )


def save_router(router: LearnedRouter, path: str | Path) -> None:
    """Write a router to `path` atomically (a reader never sees half a file)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".router-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(router, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_router(path: str | Path) -> LearnedRouter:
    """Return the router saved at `path` (a file this product wrote: pickles are trusted)."""
    try:
        with open(path, "rb") as fh:
            router = pickle.load(fh)  # noqa: S301 - written by save_router on this installation
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError) as exc:
        raise RouterError(f"cannot read the learned router at {path}: {exc}") from None
    if not isinstance(router, LearnedRouter) or router.format != ROUTER_FORMAT:
        raise RouterError(f"{path} is not a learned router of this version; train it again")
    return router
