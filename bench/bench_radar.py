"""Replay the airline tweets (16–24 Feb 2015) through the crisis radar.

Reports which spikes the radar flags, when it could have known (the end of the first flagged
hour), and alarms per day, against a baseline measured in the same run: a naive detector that
alarms whenever an hour's count is more than three standard deviations above the series' mean
so far (no seasonality, no correction for the number of series watched).

Series: every tweet, each airline (as units) and each negative reason (as topics).
Reads ../shared/data/airline/airline_dev.csv (or EV_AIRLINE_CSV); skips with a message when
absent. Run: .venv/bin/python bench/bench_radar.py [--false-alarms-per-day 0.1]
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from escapevelocity.triage import radar

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "airline" / "airline_dev.csv"


def load(path: Path) -> list[radar.Event]:
    events = []
    with path.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            at = datetime.strptime(row["created_at"], "%Y-%m-%d %H:%M:%S %z").astimezone(UTC)
            negative = row["sentiment"] == "negative"
            reason = row["negative_reason"].strip() if negative else ""
            events.append(
                radar.Event(at=at, negative=negative, topic=reason or None, unit=row["airline"])
            )
    return events


def naive_alarms(events: list[radar.Event], report: radar.RadarReport) -> int:
    """Hours above mean + 3 sd of the series' previous hours, runs merged, same series."""
    n = int((report.end - report.start) / radar.BUCKET)
    alarms = 0
    for name in report.series:
        counts = np.zeros(n)
        for e in events:
            if name in radar.series_keys(e):
                idx = int((e.at - report.start) / radar.BUCKET)
                if 0 <= idx < n:
                    counts[idx] += 1
        previous = False
        for t in range(report.config.min_history_hours, n):
            past = counts[:t]
            hit = counts[t] > past.mean() + 3 * past.std() and counts[t] >= 5
            if hit and not previous:
                alarms += 1
            previous = hit
    return alarms


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=Path(os.environ.get("EV_AIRLINE_CSV", DEFAULT)))
    parser.add_argument("--false-alarms-per-day", type=float, default=0.1)
    args = parser.parse_args()
    if not args.csv.exists():
        print(f"SKIPPED: {args.csv} not found (the airline dev file is evaluation data).")
        return 0
    events = load(args.csv)
    config = radar.RadarConfig(false_alarms_per_day=args.false_alarms_per_day)
    began = time.perf_counter()
    report = radar.scan(events, config=config)
    seconds = time.perf_counter() - began
    tested_days = report.days - config.min_history_hours / 24
    per_day = Counter(s.detected_at.date() for s in report.spikes)
    print(f"{len(events)} tweets, {report.start:%Y-%m-%d %H:%M} to {report.end:%Y-%m-%d %H:%M} UTC")
    print(
        f"{len(report.series)} series watched; alpha per test {report.alpha:.2e} "
        f"(bound {config.false_alarms_per_day}/day); {report.tests} tests in {seconds:.2f} s"
    )
    print(f"first {config.min_history_hours} h are baseline only; {tested_days:.1f} days tested")
    print("\nspikes (detected = end of the first flagged hour, UTC):")
    for s in report.spikes:
        print(f"  {s.detected_at:%a %d %H:%M}  {s.hours:>2} h  {s.describe()}")
    listed = ", ".join(f"{d:%a %d %b}: {n}" for d, n in sorted(per_day.items()))
    print("\nalarms per day:", listed or "none")
    naive = naive_alarms(events, report)
    radar_rate = len(report.spikes) / tested_days
    naive_rate = naive / tested_days
    print(f"\nradar: {len(report.spikes)} alarms, {radar_rate:.2f}/day")
    print(f"baseline (naive mean + 3 sd, no seasonality): {naive} alarms, {naive_rate:.2f}/day")
    ratio = radar_rate / naive_rate if naive_rate else float("nan")
    print(f"ratio radar/baseline alarms per day: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
