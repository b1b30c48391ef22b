"""Benchmark the barometer: SQL GROUP BY aggregates vs aggregating rows in Python.

Run from the repository root::

    .venv/bin/python bench/bench_barometer.py [--sizes 100000 1000000] [--database URL]

Seeds synthetic published incidents with ``demo seed`` (seed 1) into a fresh SQLite
file under ``bench/out/`` (or the given empty PostgreSQL+PostGIS database), growing it
to each size in turn, and times at each size:

* *barometer (SQL)*: ``app.barometer.service.barometer`` — everything the page shows
  (series, country figures with trends, vectors and actors overall and per country),
  six ``GROUP BY`` queries; best of 3.
* *filtered (SQL)*: the same with ``vector=information&min_confidence=50``; best of 3.
* *naive (Python)*: only the per-country-and-quarter counts and index, computed by
  fetching every published incident's (id, start date, confidence) and every
  (incident, country) row and summing them in Python dicts; one run.

Prints a Markdown table for ``bench/README.md``.
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
from config import TestingConfig  # noqa: E402


def make_app(url):
    config = type("BenchConfig", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": url})
    return create_app(config)


def best_of(function, repeat=3):
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - started)
    return best


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


def measure(size):
    from app.barometer import service
    from app.incidents.filters import parse_filters
    everything, filtered = parse_filters({}), parse_filters(
        {"vector": "information", "min_confidence": "50"})
    sql = best_of(lambda: service.barometer(everything))
    sql_filtered = best_of(lambda: service.barometer(filtered))
    started = time.perf_counter()
    naive = naive_country_quarters()
    naive_s = time.perf_counter() - started
    b = service.barometer(everything)
    sql_rows = {(f.iso_a3, *b.quarter): f.count for f in b.countries}
    same = all(naive[key][0] == n for key, n in sql_rows.items())
    return sql, sql_filtered, naive_s, same, len(b.countries)


def grow_to(size, author):
    from app.demo.seed import seed
    from app.incidents.models import Incident
    have = db.session.scalar(sa.select(sa.func.count()).select_from(Incident))
    if have < size:
        started = time.perf_counter()
        seed(count=size - have, seed_value=size, author=author)
        print(f"seeded {size - have:,} in {time.perf_counter() - started:.0f} s",
              file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--database", help="an empty PostgreSQL+PostGIS URL")
    parser.add_argument("--keep", action="store_true",
                        help="reuse bench/out/barometer.db from a previous run")
    args = parser.parse_args()
    url = args.database
    if not url:
        out = ROOT / "bench" / "out"
        out.mkdir(exist_ok=True)
        path = out / "barometer.db"
        if not args.keep:
            path.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    app = make_app(url)
    with app.app_context():
        from flask_migrate import upgrade

        from app.auth.service import create_user
        from app.incidents.taxonomy import load_reference_data
        upgrade()
        load_reference_data()
        from app.auth.models import User
        author = db.session.scalar(sa.select(User).filter_by(email="bench@example.org")) \
            or create_user(email="bench@example.org", password="bench password 1",
                           role="editor")
        rows = []
        for size in args.sizes:
            grow_to(size, author)
            rows.append((size, *measure(size)))
    model = subprocess.run(["sh", "-c", "lscpu | sed -n 's/^Model name: *//p'"],
                           capture_output=True, text=True).stdout.strip()
    print(f"\n{model}, Python {platform.python_version()}, {url.split(':')[0]}, "
          f"{datetime.date.today()}\n")
    print("| incidents | barometer (SQL) s | filtered (SQL) s | naive country×quarter (Python) s "
          "| naive / SQL | same counts | countries |")
    print("|---:|---:|---:|---:|---:|---|---:|")
    for size, sql, sql_f, naive, same, countries in rows:
        print(f"| {size:,} | {sql:.2f} | {sql_f:.2f} | {naive:.2f} | {naive / sql:.1f}x | "
              f"{'yes' if same else 'NO'} | {countries} |")


if __name__ == "__main__":
    main()
