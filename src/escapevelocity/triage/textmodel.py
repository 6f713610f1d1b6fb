"""A linear text classifier over normalized tokens: word 1–2-grams (optionally character
n-grams), sublinear TF-IDF, optional dense features, multinomial logistic regression.

Training uses scikit-learn; prediction is a sparse matrix product with the stored weights, so a
loaded model needs neither scikit-learn's import time nor its per-call overhead. Only n-grams
seen in training can carry weight, so the vocabulary is a plain dict and the weights are small.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

FloatArray = npt.NDArray[np.float32]


@dataclass
class TextModel:
    """Weights and vocabulary of a trained linear text classifier."""

    classes: list[str]
    vocab: dict[str, int]
    idf: FloatArray
    coef: FloatArray  # (n_features + n_dense, n_classes)
    intercept: FloatArray
    char_ngrams: tuple[int, int] | None = None
    n_dense: int = 0
    meta: dict[str, Any] = field(default_factory=dict)
    _pairs: dict[int, int] | None = field(default=None, repr=False, compare=False)

    def predict_proba(
        self, docs: Sequence[list[str]], dense: FloatArray | None = None
    ) -> FloatArray:
        """Return class probabilities, one row per document, columns in `classes` order."""
        return softmax(self.decision(docs, dense))

    def decision(self, docs: Sequence[list[str]], dense: FloatArray | None = None) -> FloatArray:
        """Return the linear scores (before the softmax)."""
        return self.decision_x(self.featurize(docs), dense)

    def featurize(self, docs: Sequence[list[str]]) -> sp.csr_matrix:
        """Return the model's feature matrix for tokenized documents."""
        if self.char_ngrams is None and self._pairs is None:
            self._pairs = pair_index(self.vocab)
        return featurize(docs, self.vocab, self.idf, self.char_ngrams, pairs=self._pairs)

    def proba_x(self, x: sp.csr_matrix, dense: FloatArray | None = None) -> FloatArray:
        """Return class probabilities from an already featurized matrix."""
        return softmax(self.decision_x(x, dense))

    def decision_x(self, x: sp.csr_matrix, dense: FloatArray | None = None) -> FloatArray:
        """Return the linear scores from an already featurized matrix."""
        out: FloatArray = np.asarray(x @ self.coef[: len(self.vocab)], dtype=np.float32)
        if self.n_dense:
            if dense is None:
                raise ValueError("this model needs dense features")
            out += dense @ self.coef[len(self.vocab) :]
        out += self.intercept
        return out


def softmax(scores: FloatArray) -> FloatArray:
    """Return row-wise softmax probabilities (computed in place)."""
    scores -= scores.max(axis=1, keepdims=True)
    np.exp(scores, out=scores)
    scores /= scores.sum(axis=1, keepdims=True)
    return scores


def ngrams(tokens: list[str], char_ngrams: tuple[int, int] | None = None) -> list[str]:
    """Return a document's features: its tokens, adjacent pairs and optional character n-grams."""
    feats = list(tokens)
    prev = "<s>"
    for tok in tokens:
        feats.append(prev + " " + tok)
        prev = tok
    if char_ngrams:
        lo, hi = char_ngrams
        for tok in tokens:
            padded = f" {tok} "
            size = len(padded)
            for n in range(lo, hi + 1):
                for i in range(size - n + 1):
                    feats.append("\x01" + padded[i : i + n])
    return feats


def pair_index(vocab: dict[str, int]) -> dict[int, int]:
    """Return word-pair columns keyed by an integer made of the two words' columns.

    Looking a pair up by `first * (V + 1) + second` avoids building a string per token; the
    sentence start "<s>" takes the id V.
    """
    size = len(vocab) + 1
    start = len(vocab)
    out: dict[int, int] = {}
    for name, col in vocab.items():
        if " " in name and not name.startswith("\x01"):
            first, _, second = name.partition(" ")
            a = start if first == "<s>" else vocab.get(first)
            b = vocab.get(second)
            if a is not None and b is not None:
                out[a * size + b] = col
    return out


def featurize(
    docs: Sequence[list[str]],
    vocab: dict[str, int],
    idf: FloatArray,
    char_ngrams: tuple[int, int] | None = None,
    *,
    pairs: dict[int, int] | None = None,
) -> sp.csr_matrix:
    """Return the L2-normalized sublinear TF-IDF matrix of `docs` over `vocab`."""
    indptr = [0]
    indices: list[int] = []
    get = vocab.get
    append = indices.append
    if pairs is not None and not char_ngrams:
        pget = pairs.get
        size = len(vocab) + 1
        start = len(vocab)
        for tokens in docs:
            base = start * size
            for tok in tokens:
                j = get(tok)
                if j is None:
                    base = -1
                    continue
                append(j)
                if base >= 0:
                    k = pget(base + j)
                    if k is not None:
                        append(k)
                base = j * size
            indptr.append(len(indices))
        return _tfidf(indices, indptr, len(docs), vocab, idf)
    for tokens in docs:
        if char_ngrams:
            feats = ngrams(tokens, char_ngrams)
            for f in feats:
                j = get(f)
                if j is not None:
                    indices.append(j)
        else:
            prev = "<s>"
            for tok in tokens:
                j = get(tok)
                if j is not None:
                    indices.append(j)
                j = get(prev + " " + tok)
                if j is not None:
                    indices.append(j)
                prev = tok
        indptr.append(len(indices))
    return _tfidf(indices, indptr, len(docs), vocab, idf)


def _tfidf(
    indices: list[int], indptr: list[int], n_docs: int, vocab: dict[str, int], idf: FloatArray
) -> sp.csr_matrix:
    data = np.ones(len(indices), dtype=np.float32)
    x = sp.csr_matrix(
        (data, np.asarray(indices, dtype=np.int32), np.asarray(indptr, dtype=np.int64)),
        shape=(n_docs, len(vocab)),
    )
    x.sum_duplicates()
    np.log(x.data, out=x.data)
    x.data += 1.0
    x.data *= idf[x.indices]
    sq = x.multiply(x).sum(axis=1).A1
    norms = np.sqrt(sq, dtype=np.float32)
    norms[norms == 0] = 1.0
    x.data /= np.repeat(norms, np.diff(x.indptr))
    return x


def build_vocabulary(
    docs: Sequence[list[str]],
    *,
    char_ngrams: tuple[int, int] | None = None,
    min_df: int = 1,
    max_features: int = 400_000,
) -> tuple[dict[str, int], FloatArray]:
    """Return the n-gram vocabulary of `docs` and each n-gram's smoothed idf."""
    counts: dict[str, int] = {}
    for tokens in docs:
        for f in set(ngrams(tokens, char_ngrams)):
            counts[f] = counts.get(f, 0) + 1
    kept = [f for f, n in counts.items() if n >= min_df]
    if len(kept) > max_features:
        kept = sorted(kept, key=lambda f: -counts[f])[:max_features]
    kept.sort()
    vocab = {f: i for i, f in enumerate(kept)}
    n_docs = len(docs)
    idf = np.array([math.log((1 + n_docs) / (1 + counts[f])) + 1.0 for f in kept], dtype=np.float32)
    return vocab, idf


def fit(
    docs: Sequence[list[str]],
    labels: Sequence[str],
    *,
    dense: FloatArray | None = None,
    char_ngrams: tuple[int, int] | None = None,
    min_df: int = 1,
    c: float = 10.0,
    class_weight: str | None = None,
    max_features: int = 400_000,
    shared: tuple[dict[str, int], FloatArray] | None = None,
) -> TextModel:
    """Train a TextModel on tokenized documents and their labels.

    `shared` (a vocabulary and its idf, see `build_vocabulary`) lets several models read one
    feature matrix, so a batch is featurized once for all of them.
    """
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    if shared is None:
        vocab, idf = build_vocabulary(
            docs, char_ngrams=char_ngrams, min_df=min_df, max_features=max_features
        )
    else:
        vocab, idf = shared
    x = featurize(docs, vocab, idf, char_ngrams)
    n_dense = 0
    if dense is not None:
        n_dense = dense.shape[1]
        x = sp.hstack([x, sp.csr_matrix(dense)], format="csr")
    classes = sorted(set(labels))
    if len(classes) < 2:
        raise ValueError("training needs at least two different labels")
    clf = LogisticRegression(C=c, max_iter=2000, class_weight=class_weight)
    # One BLAS thread: on a busy machine, thread oversubscription made training 50x slower.
    with threadpool_limits(1):
        clf.fit(x, list(labels))
    coef = np.asarray(clf.coef_, dtype=np.float32).T
    intercept = np.asarray(clf.intercept_, dtype=np.float32)
    if len(clf.classes_) == 2:
        # binary logistic regression has one weight vector; expand it to two softmax columns
        coef = np.hstack([-coef / 2, coef / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2], dtype=np.float32)
    return TextModel(
        classes=[str(k) for k in clf.classes_],
        vocab=vocab,
        idf=idf,
        coef=np.ascontiguousarray(coef),
        intercept=intercept,
        char_ngrams=char_ngrams,
        n_dense=n_dense,
    )
