"""Memory of `ev import posts` against the size of the file: it should stay flat.

`ev import posts` streams: it reads a batch of rows, stores it, and lets it go. Baseline in the
same run: the peak resident memory importing a file of --rows rows; then a file ten times as
long. The ratio of the two peaks should stay near 1 however long the file (a 1 GB export is about
seven million rows of this shape).

    .venv/bin/python bench/bench_import_memory.py                 # 30,000 and 300,000 rows

Each import runs as its own `ev` process on a fresh SQLite database (the bench company of
bench_care_ingest.py). Rows come from Care's demo templates (no real customer's words).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_care_ingest import synthetic_posts

ROOT = Path(__file__).resolve().parent.parent
EV = str(Path(sys.executable).parent / "ev")
FIELDS = ["external_id", "channel", "author", "author_reach", "text", "created_at", "reply_to_id"]

SETUP = """
import sys
sys.path.insert(0, {bench!r})
import django
django.setup()
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from bench_care_ingest import make_org
make_org()
"""


def write_csv(path: Path, rows: int) -> None:
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS)
        writer.writeheader()
        step = 100_000
        for start in range(0, rows, step):
            writer.writerows(synthetic_posts(min(step, rows - start), seed=1 + start))


def import_peak(csv_path: Path, data_dir: Path) -> tuple[float, float, str]:
    """(peak resident MiB, seconds, the command's summary line) for one import process."""
    env = {
        **os.environ,
        "EV_DATA_DIR": str(data_dir),
        "EV_DEV_SECRET": "1",
        "DJANGO_SETTINGS_MODULE": "escapevelocity.settings",
    }
    env.pop("EV_DATABASE_URL", None)
    subprocess.run(
        [sys.executable, "-c", SETUP.format(bench=str(ROOT / "bench"))], env=env, check=True
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    done = subprocess.run(
        [EV, "import", "posts", str(csv_path), "--quiet"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if peak <= before:
        raise SystemExit("the import's peak did not exceed an earlier child's: run it alone")
    return peak / 1024, seconds, done.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=30_000, help="rows of the baseline file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = []
        # Each import is measured from a fresh Python (see measure_alone): a process's
        # RUSAGE_CHILDREN keeps the largest peak of all its children so far.
        for rows in (args.rows, args.rows * 10):
            path = Path(tmp) / f"posts-{rows}.csv"
            write_csv(path, rows)
            size = path.stat().st_size / 2**20
            results.append((rows, size, *measure_alone(path, Path(tmp) / f"data-{rows}")))
        for rows, size, peak, seconds, summary in results:
            print(
                f"import    {rows:>9,} rows ({size:,.1f} MiB): peak {peak:,.0f} MiB resident, "
                f"{seconds:,.1f} s, {rows / seconds:,.0f} rows/s"
            )
            print(f"          {summary}")
        print(
            f"ratio     peak memory, 10x the rows / baseline: {results[1][2] / results[0][2]:.2f}"
        )


def measure_alone(csv_path: Path, data_dir: Path) -> tuple[float, float, str]:
    """Run import_peak in a fresh Python, so RUSAGE_CHILDREN holds this import's peak only."""
    data_dir.mkdir()
    code = (
        "import sys, json; sys.path.insert(0, {bench!r}); import bench_import_memory as b; "
        "from pathlib import Path; "
        "print(json.dumps(b.import_peak(Path({csv!r}), Path({data!r}))))"
    ).format(bench=str(ROOT / "bench"), csv=str(csv_path), data=str(data_dir))
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    peak, seconds, summary = json.loads(out.stdout.strip().splitlines()[-1])
    return float(peak), float(seconds), str(summary)


if __name__ == "__main__":
    main()
