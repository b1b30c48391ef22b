"""Benchmark the barometer: numpy over the map's index vs SQL GROUP BY vs Python.

Run from the repository root, on an already seeded database (``bench/seed_db.py``;
the shared 1,000,000-incident ones by default), under the shared lock::

    flock /work/benchdata/bench.lock .venv/bin/python bench/bench_barometer.py \\
        [--database URL]

Reads only. Times, on the published incidents of the database:

* *index load*: the first ``mapindex.holder().current()`` of a process — the
  one-off load the barometer shares with the map (again after each change).
* *barometer*: ``app.barometer.service.barometer`` — everything the page shows
  (series, country figures with trends, vectors and actors overall and per
  country) — with the index loaded; best of 3. *filtered*: the same with
  ``vector=information&min_confidence=50``.
* *page*: ``GET /barometer`` (and the filtered one) through the test client:
  figures, choropleth, template; best of 3.
* *SQL*: the previous implementation, six ``GROUP BY`` queries
  (``tests/barometer/sql_reference.py``); one run each.
* *naive*: only the per-country-and-quarter counts and index, fetching every
  published incident's (id, start date, confidence) and every (incident,
  country) row and summing them in Python dicts; one run.
* *same*: index figures == SQL figures (every field, both variants) and the naive
  counts agree.

Prints a Markdown table row for ``bench/README.md``.
"""
from __future__ import annotations

import argparse
import datetime
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from seed_db import bench_config  # noqa: E402

DEFAULT_URL = "sqlite:////work/benchdata/sqlite-1000000.db"
FILTERED = {"vector": "information", "min_confidence": "50"}


def best_of(function, repeat=3):
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - started)
    return best


def once(function):
    started = time.perf_counter()
    value = function()
    return value, time.perf_counter() - started


def naive_country_quarters():
    """Per (country, quarter): count and confidence sum, aggregated in Python."""
    incidents = {i: (d, c) for i, d, c in db.session.execute(sa.text(
        "SELECT id, start_date, confidence FROM incidents WHERE status = 'published'"))}
    out = {}
    for incident_id, iso in db.session.execute(sa.text(
            "SELECT incident_id, iso_a3 FROM incident_countries")):
        if incident_id not in incidents:
            continue
        day, confidence = incidents[incident_id]
        if isinstance(day, str):
            day = datetime.date.fromisoformat(day)
        key = (iso, day.year, (day.month - 1) // 3 + 1)
        count, total = out.get(key, (0, 0))
        out[key] = (count + 1, total + confidence)
    return out


def page(client, query):
    response = client.get("/barometer?" + query)
    assert response.status_code == 200, response.status_code
    return response


def measure(app):
    from app.barometer import service
    from app.incidents import mapindex
    from app.incidents.filters import parse_filters
    from tests.barometer import sql_reference
    everything, filtered = parse_filters({}), parse_filters(FILTERED)
    query = "&".join(f"{k}={v}" for k, v in FILTERED.items())
    r = {}
    with app.app_context():
        r["incidents"] = db.session.scalar(sa.text(
            "SELECT count(*) FROM incidents WHERE status = 'published'"))
        _, r["load"] = once(lambda: mapindex.holder().current())
        r["fast"] = best_of(lambda: service.barometer(everything))
        r["fast_f"] = best_of(lambda: service.barometer(filtered))
    client = app.test_client()
    r["page"] = best_of(lambda: page(client, "lang=en"))
    r["page_f"] = best_of(lambda: page(client, "lang=en&" + query))
    with app.app_context():
        fast, fast_f = service.barometer(everything), service.barometer(filtered)
        sql, r["sql"] = once(lambda: sql_reference.barometer(everything))
        sql_f, r["sql_f"] = once(lambda: sql_reference.barometer(filtered))
        naive, r["naive"] = once(naive_country_quarters)
    r["same"] = (fast == sql and fast_f == sql_f and all(
        naive[(f.iso_a3, *fast.quarter)][0] == f.count for f in fast.countries))
    return r


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=DEFAULT_URL,
                        help="a seeded database URL (read only)")
    args = parser.parse_args()
    r = measure(create_app(bench_config(args.database)))
    model = subprocess.run(["sh", "-c", "lscpu | sed -n 's/^Model name: *//p'"],
                           capture_output=True, text=True).stdout.strip()
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"\n{model}, Python {platform.python_version()}, "
          f"{args.database.split(':')[0]}, {datetime.date.today()}; {load}\n")
    print("| backend | incidents | index load s | barometer s | filtered s | page s "
          "| filtered page s | SQL s | SQL filtered s | naive s | same |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    print(f"| {args.database.split(':')[0]} | {r['incidents']:,} | {r['load']:.2f} "
          f"| {r['fast']:.3f} | {r['fast_f']:.3f} | {r['page']:.3f} | {r['page_f']:.3f} "
          f"| {r['sql']:.2f} | {r['sql_f']:.2f} | {r['naive']:.2f} "
          f"| {'yes' if r['same'] else 'NO'} |")


if __name__ == "__main__":
    main()
