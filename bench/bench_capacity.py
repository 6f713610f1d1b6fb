"""How well does planning.capacity forecast a hub's weekly arrivals, against simple baselines?

Synthetic series the benchmark makes itself (seed 2026): steady, growing 10% a month, a 13-week
cycle, growth plus cycle, at low (about 5 a week) and medium (about 40 a week) volumes, Poisson
noise; 52 weeks of history, the next 12 held out. Baselines measured in the same run: the mean
of the last 4 weeks (what a busy strategist eyeballs), and a straight line fitted by least
squares to the history. Prints mean absolute error, the ratio to each baseline, interval
coverage and the time per forecast.
"""

from __future__ import annotations

import math
import random
import time

import numpy as np

from escapevelocity.planning.capacity import forecast_arrivals

HISTORY, HORIZON, TRIALS = 52, 12, 60
GROWTH = 1.10 ** (12 / 52)


def poisson(rng: random.Random, lam: float) -> int:
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


FAMILIES = {
    "steady": lambda base, t: base,
    "growth 10%/month": lambda base, t: base * GROWTH ** (t - HISTORY),
    "13-week cycle": lambda base, t: base * (1 + 0.4 * math.sin(2 * math.pi * t / 13)),
    "growth + cycle": lambda base, t: (
        base * GROWTH ** (t - HISTORY) * (1 + 0.3 * math.sin(2 * math.pi * t / 13))
    ),
}


def last_four(history: list[int]) -> np.ndarray:
    return np.full(HORIZON, float(np.mean(history[-4:])))


def straight_line(history: list[int]) -> np.ndarray:
    t = np.arange(len(history), dtype=float)
    slope, intercept = np.polyfit(t, np.asarray(history, dtype=float), 1)
    future = np.arange(len(history), len(history) + HORIZON, dtype=float)
    return np.maximum(intercept + slope * future, 0.0)


def main() -> None:
    rng = random.Random(2026)
    print(f"{'series':<18}{'volume':>7}{'model MAE':>11}{'last-4':>9}{'line':>9}"
          f"{'ratio':>8}{'cover90':>9}")  # fmt: skip
    all_model, all_last4, all_line, seconds, forecasts = [], [], [], 0.0, 0
    for name, shape in FAMILIES.items():
        for base in (5.0, 40.0):
            errs_m, errs_4, errs_l, covered = [], [], [], 0
            for _ in range(TRIALS):
                series = [poisson(rng, shape(base, t)) for t in range(HISTORY + HORIZON)]
                history, future = series[:HISTORY], np.asarray(series[HISTORY:], dtype=float)
                start = time.perf_counter()
                f = forecast_arrivals(history, horizon=HORIZON)
                seconds += time.perf_counter() - start
                forecasts += 1
                mean = np.asarray(f.mean)
                errs_m.append(float(np.mean(np.abs(mean - future))))
                errs_4.append(float(np.mean(np.abs(last_four(history) - future))))
                errs_l.append(float(np.mean(np.abs(straight_line(history) - future))))
                lo, hi = np.asarray(f.lower), np.asarray(f.upper)
                covered += int(np.sum((future >= lo) & (future <= hi)))
            m, b4, bl = np.mean(errs_m), np.mean(errs_4), np.mean(errs_l)
            all_model += errs_m
            all_last4 += errs_4
            all_line += errs_l
            print(f"{name:<18}{base:>7.0f}{m:>11.2f}{b4:>9.2f}{bl:>9.2f}"
                  f"{m / min(b4, bl):>8.2f}{covered / (TRIALS * HORIZON):>9.0%}")  # fmt: skip
    m, b4, bl = np.mean(all_model), np.mean(all_last4), np.mean(all_line)
    print(f"overall MAE: model {m:.2f}, last-4 mean {b4:.2f}, straight line {bl:.2f}")
    print(f"ratio to last-4 mean: {m / b4:.2f}; ratio to straight line: {m / bl:.2f} (lower wins)")
    print(f"{seconds / forecasts * 1000:.1f} ms per forecast of {HISTORY} weeks")


if __name__ == "__main__":
    main()
