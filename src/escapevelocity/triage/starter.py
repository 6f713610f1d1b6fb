"""The starter models — sentiment and intent — trained on the project's own corpus at first use
and cached on disk, so later processes load them in milliseconds.

The cache lives in `cache_dir` when given, else EV_DATA_DIR/models, else the user's cache
directory (XDG_CACHE_HOME or ~/.cache)/escapevelocity; never inside the installed package. When
no directory is writable the models are simply kept in memory.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import corpus
from .lexicon import LexiconScore, load_lexicon, score_tokens
from .normalize import normalize_batch
from .textmodel import FloatArray, TextModel, build_vocabulary, fit

MODEL_FORMAT = 5


@dataclass
class StarterModels:
    """The trained sentiment and intent models."""

    sentiment: TextModel
    intent: TextModel
    key: str


def lexicon_features(scores: Sequence[LexiconScore]) -> FloatArray:
    """Return the dense lexicon columns the sentiment model reads beside its n-grams."""
    # one array from Python rows: setting numpy elements one by one costs more than the rows
    rows = [
        (s.compound, min(s.positive, 8.0) / 4.0, max(s.negative, -8.0) / 4.0, float(s.sarcasm))
        for s in scores
    ]
    return np.array(rows, dtype=np.float32).reshape(len(rows), 4)


def cache_key() -> str:
    """Return a key that changes whenever the corpus or the model format does."""
    raw = f"{corpus.CORPUS_VERSION}|{MODEL_FORMAT}|{np.__version__}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def default_cache_dir() -> Path:
    """Return where cached models go when no directory is given."""
    if data := os.environ.get("EV_DATA_DIR"):
        return Path(data).expanduser() / "models"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "escapevelocity"


def train_starter() -> StarterModels:
    """Train the starter models on the project's corpus (a few seconds on one core)."""
    customer = corpus.examples()
    everyday = corpus.general_examples()
    examples = customer + everyday
    docs = [n.tokens for n in normalize_batch([e.text for e in examples])]
    lexicon = load_lexicon()
    dense = lexicon_features([score_tokens(d, lexicon) for d in docs])
    shared = build_vocabulary(docs)
    sentiment = fit(docs, [e.sentiment for e in examples], dense=dense * 3.0, c=2.0, shared=shared)
    sentiment.meta["dense_scale"] = 3.0
    # Intent: every customer example, and one everyday post in five (evenly over the three
    # tones) as more "other", so that "other" does not outweigh the rest before a word is read.
    n_customer = len(customer)
    keep = list(range(n_customer)) + list(range(n_customer, len(examples), 5))
    intent = fit([docs[i] for i in keep], [examples[i].intent for i in keep], c=10.0, shared=shared)
    return StarterModels(sentiment=sentiment, intent=intent, key=cache_key())


_lock = threading.Lock()
_loaded: dict[str, StarterModels] = {}


def load_starter(cache_dir: str | Path | None = None, *, retrain: bool = False) -> StarterModels:
    """Return the starter models: from memory, from the cache, or trained now and cached."""
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    key = cache_key()
    memo = f"{folder}|{key}"
    with _lock:
        if not retrain and memo in _loaded:
            return _loaded[memo]
        path = folder / f"starter-{key}.pickle"
        models: StarterModels | None = None
        if not retrain and path.is_file():
            try:
                with open(path, "rb") as fh:
                    candidate = pickle.load(fh)  # noqa: S301 - our own cache file, written below
                if isinstance(candidate, StarterModels) and candidate.key == key:
                    models = candidate
            except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
                models = None
        if models is None:
            models = train_starter()
            _write_atomically(path, models)
        _loaded[memo] = models
        return models


def _write_atomically(path: Path, models: StarterModels) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".starter-", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(models, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        return  # an unwritable cache only costs a retrain in the next process
