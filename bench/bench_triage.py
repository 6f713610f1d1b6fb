"""Triage throughput on one core against vaderSentiment alone on the same posts, same run.

    .venv/bin/python bench/bench_triage.py [--repeat 5] [--batch 1000]

Posts: the real posts in ../shared/data (airline, tweeteval, complaints) when present, else the
project's own corpus (with a message). The two are timed alternately, `--repeat` times each, and
the best time of each is kept, so a busy machine slows both alike. Also measured: the starter
models' training time, and the import + load time of a fresh process with a warm cache.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
SOURCES = [
    ("airline/airline_dev.csv", "text"),
    ("tweeteval/sentiment_val.csv", "text"),
    ("complaints/complaints_dev.csv", "text"),
]


def load_texts() -> tuple[list[str], str]:
    texts: list[str] = []
    used = []
    for rel, col in SOURCES:
        path = DATA / rel
        if path.is_file():
            with open(path, encoding="utf-8", newline="") as fh:
                texts += [row[col] for row in csv.DictReader(fh)]
            used.append(rel)
    if texts:
        return texts, ", ".join(used)
    from escapevelocity.triage.corpus import examples

    print(f"SKIPPED real posts: {DATA} is absent; timing the project's own corpus instead.")
    return [e.text for e in examples()], "the project's corpus"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    os.environ.setdefault("OMP_NUM_THREADS", "1")

    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from escapevelocity.triage import Post, Triager
    from escapevelocity.triage.starter import train_starter

    cache = tempfile.mkdtemp(prefix="ev-bench-triage-")
    start, cpu_start = time.perf_counter(), time.process_time()
    train_starter()
    train_seconds = time.perf_counter() - start
    train_cpu = time.process_time() - cpu_start

    triager = Triager.default(cache_dir=cache)
    texts, source = load_texts()
    posts = [Post(external_id=str(i), channel="import", text=t) for i, t in enumerate(texts)]
    vader = SentimentIntensityAnalyzer()
    triager.triage(posts[:200])
    # Each batch is scored by VADER and then triaged right after, so both see the same load;
    # the ratio reported is the median over all batches and repeats.
    vader_total = triage_total = vader_cpu = triage_cpu = 0.0
    ratios: list[float] = []
    for _ in range(args.repeat):
        for i in range(0, len(posts), args.batch):
            chunk = texts[i : i + args.batch]
            start, cpu_start = time.perf_counter(), time.process_time()
            for text in chunk:
                vader.polarity_scores(text)
            vader_seconds = time.perf_counter() - start
            vader_cpu += time.process_time() - cpu_start
            start, cpu_start = time.perf_counter(), time.process_time()
            triager.triage(posts[i : i + args.batch])
            triage_seconds = time.perf_counter() - start
            triage_cpu += time.process_time() - cpu_start
            vader_total += vader_seconds
            triage_total += triage_seconds
            ratios.append(vader_seconds / triage_seconds)
    ratios.sort()
    median = ratios[len(ratios) // 2]

    # A fresh process: import, load the cached models and the language identifier.
    probe = (
        "import time; t = time.perf_counter(); "
        "from escapevelocity.triage import Triager; "
        "from escapevelocity.triage.language import _get_identifier; "
        f"Triager.default(cache_dir={cache!r}); _get_identifier(); "
        "print(time.perf_counter() - t)"
    )
    loads, load_cpu = [], []
    for _ in range(3):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        result = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, check=True
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        loads.append(float(result.stdout.strip()))
        load_cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)

    n = len(texts) * args.repeat
    print(f"posts: {len(texts):,} from {source}; one core (cpu {cpu}); batches of {args.batch}")
    print(f"vaderSentiment alone   {n / vader_total:10,.0f} posts/s")
    print(f"full triage            {n / triage_total:10,.0f} posts/s")
    print(
        f"ratio triage / vader   {median:10.2f}x median over {len(ratios)} batch pairs "
        f"(range {ratios[0]:.2f}-{ratios[-1]:.2f}; overall {vader_total / triage_total:.2f}x)"
    )
    print(
        f"ratio in CPU time      {vader_cpu / triage_cpu:10.2f}x "
        f"(vader {n / vader_cpu:,.0f}, triage {n / triage_cpu:,.0f} posts per CPU second)"
    )
    print(f"starter model training {train_seconds:10.2f} s wall, {train_cpu:.2f} s CPU")
    print(
        f"import + load (warm)   {min(loads):10.2f} s wall, {min(load_cpu):.2f} s CPU "
        "(best of 3 fresh processes, language model included)"
    )
    print(f"load average           {os.getloadavg()[0]:10.2f} (machine's other work slows walls)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
