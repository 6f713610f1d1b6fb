"""The Care benchmarks still run: they reach into internals that change (the inbox bench once
imported a helper that a refactoring had removed, and nobody knew until the next measurement).
Each runs at a toy size on SQLite, in its own process; the figures are not looked at."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="run once, in the SQLite pass of the suite"
)


@pytest.mark.parametrize(
    "args",
    [
        ["bench_care_ingest.py", "--db", "sqlite", "--posts", "2000"],
        ["bench_care_inbox.py", "--db", "sqlite", "--posts", "3000", "--repeats", "1"],
    ],
    ids=["ingest", "inbox"],
)
def test_the_bench_runs(args: list[str], tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / args[0]), *args[1:]],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "target" in done.stdout
