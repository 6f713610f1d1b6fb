from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from escapevelocity.triage import corpus
from escapevelocity.triage.starter import cache_key, default_cache_dir, load_starter
from escapevelocity.triage.textmodel import featurize, fit, ngrams, pair_index

DOCS = [["good", "service"], ["bad", "service"], ["very", "good"], ["very", "bad"]]
LABELS = ["pos", "neg", "pos", "neg"]


def test_it_learns_words_and_pairs() -> None:
    assert ngrams(["a", "b"]) == ["a", "b", "<s> a", "a b"]
    model = fit(DOCS, LABELS, c=10.0)
    proba = model.predict_proba([["good"], ["bad"]])
    assert model.classes == ["neg", "pos"]
    assert proba.shape == (2, 2)
    assert proba[0, 1] > 0.5 > proba[1, 1]
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)


def test_it_featurizes_pairs_by_integer_key_like_by_string() -> None:
    model = fit(DOCS, LABELS)
    docs = [["very", "good", "service"], ["unknown", "bad"], []]
    by_string = featurize(docs, model.vocab, model.idf)
    by_int = featurize(docs, model.vocab, model.idf, pairs=pair_index(model.vocab))
    assert abs(by_string - by_int).max() == 0
    assert by_int[2].nnz == 0


def test_it_reads_dense_columns_beside_the_words() -> None:
    dense = np.array([[1.0], [-1.0], [1.0], [-1.0]], dtype=np.float32)
    model = fit([["x"]] * 4, LABELS, dense=dense * 3, c=10.0)
    proba = model.predict_proba([["x"], ["x"]], np.array([[3.0], [-3.0]], dtype=np.float32))
    assert proba[0, 1] > 0.5 > proba[1, 1]
    with pytest.raises(ValueError, match="dense"):
        model.predict_proba([["x"]])


def test_it_uses_character_ngrams_for_unseen_spellings() -> None:
    model = fit(DOCS, LABELS, char_ngrams=(2, 4), c=10.0)
    (row,) = model.predict_proba([["goood"]])
    assert row[1] > 0.5


def test_it_refuses_a_single_label() -> None:
    with pytest.raises(ValueError, match="two different labels"):
        fit(DOCS, ["a"] * 4)


def test_it_generates_the_same_corpus_every_time() -> None:
    assert corpus.examples() == corpus.examples()
    assert {e.intent for e in corpus.general_examples()} == {"other"}


def test_it_caches_the_starter_models_on_disk(tmp_path: Path) -> None:
    first = load_starter(tmp_path)
    files = list(tmp_path.glob("starter-*.pickle"))
    assert len(files) == 1
    assert load_starter(tmp_path) is first
    retrained = load_starter(tmp_path, retrain=True)
    assert retrained is not first
    assert retrained.intent.classes == first.intent.classes


def test_it_retrains_over_a_corrupt_cache(tmp_path: Path) -> None:
    cached = tmp_path / f"starter-{cache_key()}.pickle"
    cached.write_bytes(b"garbage")
    models = load_starter(tmp_path)
    assert models.intent.classes
    assert cached.read_bytes() != b"garbage"


def test_it_caches_under_ev_data_dir_or_the_user_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EV_DATA_DIR", str(tmp_path))
    assert default_cache_dir() == tmp_path / "models"
    monkeypatch.delenv("EV_DATA_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "escapevelocity"
