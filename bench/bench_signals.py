"""Benchmark the weak-signal detector: how well it finds known surges, how often it
cries wolf, and how long it takes at 1,000,000 incidents.

Run from the repository root (the timing part under the shared lock)::

    flock /work/benchdata/bench.lock .venv/bin/python bench/bench_signals.py \\
        [--database URL] [--quick]

1. *Accuracy* (in memory, no database): ``app.demo.seed.weekly_history`` makes
   histories of 500 country × vector cells over 104 weeks (cell rates drawn from
   a gamma distribution around a mean of 0.5, 1 or 3 incidents a week; 20 % of
   cells bursty, negative-binomial with variance 3× the mean), seed 42. Surges
   of a known size are added to 100 random (cell, week) pairs in the last 52
   weeks. The detector runs with baselines of 8, 13, 26 and 52 weeks (threshold
   p < 0.001, minimum count 3). A flag is a *true* positive when it is a surge's
   (cell, week); *precision* = true flags / all flags in the surge weeks' span,
   *recall* = surges flagged / surges. *False alarms*: the same histories
   without surges, flags per 1,000 cell-weeks and per week over all 500 cells.
2. *Time* (the database given, default a COPY of the 1,000,000-incident SQLite
   bench database): the map index load (shared with the map: once per process
   and after changes), the weekly counts from the index (numpy) and from one
   SQL ``GROUP BY`` (the plain path), the detector over those counts, and
   ``current_signals`` from a cold and a warm memo. *same*: both counts equal.

Prints Markdown tables for ``bench/README.md``.
"""
from __future__ import annotations

import argparse
import datetime
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from app.demo.seed import weekly_history  # noqa: E402
from app.signals import detector  # noqa: E402

DEFAULT_URL = "sqlite:////work/benchdata/watch/sqlite-1m.db"
CELLS, WEEKS, SURGES = 500, 104, 100


def accuracy(mean, size, baseline, *, bursty=0.2, seed=42):
    """(precision, recall) for surges of ``size`` on cells of ``mean`` rate."""
    rng = np.random.default_rng(seed)
    cells = rng.integers(0, CELLS, SURGES)
    weeks = rng.integers(WEEKS - 52, WEEKS, SURGES)
    truth = set(zip(cells.tolist(), weeks.tolist()))
    counts = weekly_history(np.random.default_rng(seed + 1), cells=CELLS, weeks=WEEKS,
                            mean=mean, bursty=bursty,
                            surges=[(c, w, size) for c, w in truth])
    flags = detector.detect(counts, baseline=baseline, since=WEEKS - 52)
    found = set(zip(flags.cell.tolist(), flags.week.tolist()))
    hits = len(found & truth)
    return (hits / len(found) if found else 1.0), hits / len(truth)


def false_alarms(mean, baseline, *, bursty=0.2, seed=7):
    """Flags per 1,000 cell-weeks and per week (all cells) on surge-free histories."""
    counts = weekly_history(np.random.default_rng(seed), cells=CELLS, weeks=WEEKS,
                            mean=mean, bursty=bursty)
    flags = detector.detect(counts, baseline=baseline, since=WEEKS - 52)
    return 1000 * len(flags) / (CELLS * 52), len(flags) / 52


def accuracy_tables(quick):
    means = (0.5, 1.0, 3.0)
    sizes = (3, 5, 10) if quick else (3, 5, 8, 12, 20)
    baselines = (13, 26) if quick else (8, 13, 26, 52)
    print("| baseline (weeks) | mean a week | surge size | precision | recall |")
    print("|---:|---:|---:|---:|---:|")
    for baseline in baselines:
        for mean in means:
            for size in sizes:
                p, r = accuracy(mean, size, baseline)
                print(f"| {baseline} | {mean} | +{size} | {p:.2f} | {r:.2f} |")
    print()
    print("| baseline (weeks) | mean a week | false alarms / 1,000 cell-weeks "
          "| false alarms a week (500 cells) |")
    print("|---:|---:|---:|---:|")
    for baseline in baselines:
        for mean in means:
            per_1000, per_week = false_alarms(mean, baseline)
            print(f"| {baseline} | {mean} | {per_1000:.2f} | {per_week:.2f} |")


def timed(function):
    started = time.perf_counter()
    value = function()
    return value, time.perf_counter() - started


def time_table(url):
    from app import create_app
    from app.incidents import mapindex
    from app.signals import service
    from seed_db import bench_config
    app = create_app(bench_config(url))
    with app.test_request_context():
        until = service.week_number(datetime.date.today())
        index, load = timed(lambda: mapindex.holder().current())
        fast, t_fast = timed(lambda: service.weekly_counts_index(index, until=until))
        fast_best = min(timed(lambda: service.weekly_counts_index(index, until=until))[1]
                        for _ in range(3))
        plain, t_plain = timed(lambda: service.weekly_counts_sql(until=until))
        same = (fast.cells == plain.cells and fast.first_week == plain.first_week
                and np.array_equal(fast.counts, plain.counts))
        flags, t_detect = timed(lambda: detector.detect(fast.counts))
        _, cold = timed(service.current_signals)
        _, warm = timed(service.current_signals)
    print(f"| incidents | cells × weeks | index load s | counts: index s (best of 3) "
          f"| counts: GROUP BY s | detector s | signals cold s | signals warm ms "
          f"| flags | same |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    print(f"| {len(index):,} | {fast.counts.shape[0]:,} × {fast.counts.shape[1]} "
          f"| {load:.1f} | {min(t_fast, fast_best):.3f} | {t_plain:.1f} | {t_detect:.2f} "
          f"| {cold:.2f} | {warm * 1000:.1f} | {len(flags):,} | {'yes' if same else 'NO'} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=DEFAULT_URL)
    parser.add_argument("--quick", action="store_true", help="fewer cases, no timing")
    args = parser.parse_args()
    accuracy_tables(args.quick)
    if not args.quick:
        print()
        time_table(args.database)


if __name__ == "__main__":
    main()
