"""Fixtures for the triage engine's tests: one Triager, trained once per session into a
temporary cache (never the user's)."""

from __future__ import annotations

from pathlib import Path

import pytest

from escapevelocity.triage import Triager


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("triage-models")


@pytest.fixture(scope="session")
def triager(model_cache: Path) -> Triager:
    return Triager.default(cache_dir=model_cache)
