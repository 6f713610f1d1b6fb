"""The four evaluation tasks of `ev triage eval`: sentiment, complaint, intent, route — each with
the built-in (shipped) predictor and a trainable one fitted on the user's labeled rows.

The trainable models are the same linear text models as the shipped ones, with character
2–5-grams added (worth it when a few thousand in-domain examples are available) and, for
sentiment, the lexicon's scores as extra columns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from .engine import Triager
from .lexicon import load_lexicon, score_tokens
from .normalize import normalize_batch
from .records import Post
from .router import fit_router
from .starter import lexicon_features
from .textmodel import fit

TASKS = ("sentiment", "complaint", "intent", "route")
TRUE_WORDS = {"1", "true", "yes", "y", "t", "complaint"}
FALSE_WORDS = {"0", "false", "no", "n", "f", "not_complaint", "non-complaint"}
DENSE_SCALE = 3.0
CHAR_NGRAMS = (2, 5)
# Regularization per task, chosen by 5-fold cross-validation on the dev files (airline sentiment
# C=3 0.822 vs C=10 0.819; complaints C=20 0.822 vs C=10 0.819 and C=30 0.819): differences of
# the order of the noise between folds, see docs/benchmarks.md.
TASK_C = {"sentiment": 3.0, "complaint": 20.0, "intent": 10.0}

Predictor = Callable[[Sequence[str]], list[str]]


class TaskError(ValueError):
    """The task cannot run with these inputs; the message says why."""


def normalize_label(task: str, label: str) -> str:
    """Return the label as the task compares it (complaint: "1"/"0"; others: trimmed)."""
    value = label.strip()
    if task == "complaint":
        low = value.lower()
        if low in TRUE_WORDS:
            return "1"
        if low in FALSE_WORDS:
            return "0"
        raise TaskError(f"complaint labels must be 1/0 or true/false, not {label!r}")
    if task == "sentiment":
        return value.lower()
    return value


def builtin_predictor(task: str, *, cache_dir: str | Path | None = None) -> Predictor:
    """Return the shipped model's predictions for a task (route needs training data)."""
    if task == "route":
        raise TaskError("--task route trains the learned router: give --train FILE or --cv K")
    triager = Triager.default(cache_dir=cache_dir)

    def predict(texts: Sequence[str]) -> list[str]:
        posts = [Post(external_id=str(i), channel="import", text=t) for i, t in enumerate(texts)]
        decisions = triager.triage(posts)
        if task == "sentiment":
            return [d.sentiment for d in decisions]
        if task == "complaint":
            return ["1" if d.intent in ("complaint", "crisis") else "0" for d in decisions]
        return [d.intent for d in decisions]

    return predict


def train_predictor(task: str, texts: Sequence[str], labels: Sequence[str]) -> Predictor:
    """Fit a model for `task` on labeled texts and return its predictor."""
    if len(set(labels)) < 2:
        raise TaskError("training needs at least two different labels")
    if task == "route":
        router, _report = fit_router(list(zip(texts, labels, strict=True)), min_confidence=0.0)

        def predict_route(new: Sequence[str]) -> list[str]:
            docs = [n.tokens for n in normalize_batch(list(new))]
            return [r for r, _ in router.predict(docs)]

        return predict_route
    lexicon = load_lexicon()
    docs = [n.tokens for n in normalize_batch(list(texts))]
    dense = None
    if task == "sentiment":
        dense = lexicon_features([score_tokens(d, lexicon) for d in docs]) * DENSE_SCALE
    model = fit(docs, list(labels), dense=dense, char_ngrams=CHAR_NGRAMS, c=TASK_C[task])

    def predict(new: Sequence[str]) -> list[str]:
        new_docs = [n.tokens for n in normalize_batch(list(new))]
        new_dense = None
        if task == "sentiment":
            scores = [score_tokens(d, lexicon) for d in new_docs]
            new_dense = lexicon_features(scores) * DENSE_SCALE
        proba = model.predict_proba(new_docs, new_dense)
        return [model.classes[j] for j in proba.argmax(axis=1)]

    return predict


__all__ = [
    "TASKS",
    "Predictor",
    "TaskError",
    "builtin_predictor",
    "normalize_label",
    "train_predictor",
]
