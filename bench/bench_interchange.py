"""Benchmark imports and exports: rows per second and peak memory, 100k and 1M rows.

Run from the repository root::

    .venv/bin/python bench/bench_interchange.py [--rows 100000 1000000] [--quick]

Each measurement runs in its own child process on a fresh, migrated SQLite file
(reference data loaded), so its peak resident memory (``ru_maxrss``) is its
own. A deterministic CSV in the docs/product.md columns (80 % points, 10 % lines,
10 % polygons around European cities, empty ``countries`` so that country
assignment runs on every row) is imported with ``incidents import`` logic
(``import_stream``: validation, duplicates, countries, bulk insert, one
transaction), then exported in each format with ``export_to_path``.

Imports run on two paths, each into a fresh copy of the template: ``import``
is the plain path every web upload takes (one process; SQLite's row triggers
dropped per batch and their work done once, ``rows.write_tables``;
``import-row-triggers`` is the same with the triggers left to fire row by
row, the price of not doing that); ``import-cli`` is ``flask incidents import``'s, with every device of
``app.bulk.Loader``; ``import-cli-no-<device>`` leaves one device out, so that
each shows what it earns against the others.

The naive baselines, in the same run: import = one ``service.create_incident``
per row (the ORM path the editor and API use); export = load every incident
through the ORM and ``json.dumps`` one ``feature_collection`` (everything in
memory). They run on the first ``--naive-rows`` rows only, their rate is
extrapolated.
"""
from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
HEADER = ("title", "summary", "start_date", "end_date", "actor", "vectors", "countries",
          "wkt", "geo_precision", "confidence", "source_url")
VECTORS = ("cyber", "information", "political", "economic", "sabotage", "energy")
ACTORS = ("Northern Bear Collective", "Jade Typhoon", "Byte Ransom Crew", "")


def write_csv(path, rows, seed=7):
    """A deterministic CSV of ``rows`` incidents around European cities."""
    from app.demo.seed import CITIES
    rng = np.random.default_rng(seed)
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for start in range(0, rows, 50_000):
            n = min(50_000, rows - start)
            city = CITIES[rng.integers(0, len(CITIES), n)]
            xy = city + rng.normal(0, 0.3, (n, 2))
            kind = rng.random(n)
            days = rng.integers(0, 1800, n)
            for i in range(n):
                x, y = xy[i]
                if kind[i] < 0.8:
                    wkt = f"POINT ({x:.5f} {y:.5f})"
                elif kind[i] < 0.9:
                    wkt = f"LINESTRING ({x:.5f} {y:.5f}, {x + 0.2:.5f} {y + 0.1:.5f})"
                else:
                    wkt = (f"POLYGON (({x:.5f} {y:.5f}, {x + 0.1:.5f} {y:.5f}, "
                           f"{x + 0.1:.5f} {y + 0.1:.5f}, {x:.5f} {y:.5f}))")
                day = datetime.date(2021, 1, 1) + datetime.timedelta(days=int(days[i]))
                number = start + i
                writer.writerow((f"Synthetic incident {number}", "", day.isoformat(), "",
                                 ACTORS[number % 4], VECTORS[number % 6], "", wkt,
                                 "city", number % 101, f"https://example.org/{number}"))


def _app(db_path):
    from app import create_app
    from config import TestingConfig
    url = f"sqlite:///{db_path}"
    return create_app(type("BenchConfig", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": url}))


def make_template(path):
    """A migrated SQLite database with reference data and one admin."""
    from flask_migrate import upgrade

    from app.auth.service import create_user
    from app.incidents.taxonomy import load_reference_data
    app = _app(path)
    with app.app_context():
        upgrade()
        load_reference_data()
        create_user(email="bench@example.org", password="bench-password-1", role="admin")
        from app.extensions import db
        db.session.remove()
        db.engine.dispose()  # checkpoints the WAL, so that copying the file copies it all


def _admin():
    import sqlalchemy as sa

    from app.auth.models import User
    from app.extensions import db
    return db.session.scalar(sa.select(User).where(User.role == "admin"))


def step(name, db_path, csv_path, out_path, rows):
    """Run one measurement in this process; print ``{"rows", "seconds"}`` as JSON."""
    app = _app(db_path)
    with app.app_context():
        started, cpu, own = time.perf_counter(), _cpu_seconds(), time.process_time()
        count = STEPS[name](csv_path, out_path, rows)
        elapsed, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
        own = time.process_time() - own
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # A worker's (the import's reader, the GeoJSON export's second renderer).
    worker_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"rows": count, "seconds": elapsed, "cpu": cpu, "own_cpu": own,
                      "peak": peak, "worker_peak": worker_peak}))


def _cpu_seconds():
    """CPU time of this process and of its finished children (the import's worker)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


DEVICES = ("packed_rtree", "checkpoint", "worker")


def _import(loader=None):
    def run(csv_path, _out, _rows):
        from app.interchange.importer import import_stream
        with open(csv_path, "rb") as stream:
            result = import_stream(stream, fmt="csv", user=_admin(), publish=True,
                                   loader=loader and loader())
        assert result.ok, result.report()[:2000]
        from app.bulk import checkpoint
        checkpoint.wait()  # the background checkpoint is part of the import's cost
        return result.count
    return run


def _row_triggers(csv_path, out, rows):
    """``import``, with SQLite's row triggers firing on every row instead."""
    from app.extensions import db
    from app.incidents import rows as incident_rows

    def write(tables, *, ids, status, rtree=True):
        db.session.flush()
        cursor = db.session.connection().connection.cursor()
        for table, values in tables:
            if values.values:
                cursor.executemany(incident_rows.insert_sql(table, values), values.values)
        cursor.close()
    incident_rows.write_tables = write
    return _import()(csv_path, out, rows)


def _cli_loader(without=None):
    def make():
        from app.bulk import Loader
        return Loader(**({without: False} if without else {}))
    return make


def _parse_csv(csv_path, _out, _rows):
    """Only the streamed CSV reading and row validation, by chunks (no database writes)."""
    from itertools import islice

    from app.incidents.schema import parse_incidents
    from app.interchange.csv_io import read_rows
    count = 0
    with open(csv_path, "rb") as stream:
        rows = read_rows(stream)
        while chunk := [props for _, props in islice(rows, 10_000)]:
            parse_incidents(chunk)
            count += len(chunk)
    return count


def _naive_import(csv_path, _out, rows):
    from itertools import islice

    from app.incidents import service
    from app.incidents.schema import parse_incident
    from app.interchange.csv_io import read_rows
    admin = _admin()
    with open(csv_path, "rb") as stream:
        for _, props in islice(read_rows(stream), rows):
            service.create_incident(data=parse_incident(props), author=admin,
                                    status="published")
    return rows


def _export(fmt):
    def run(_csv, out_path, _rows):
        from app.incidents.filters import parse_filters
        from app.interchange.export import export_to_path
        return export_to_path(out_path, fmt, parse_filters({}), None)
    return run


def _naive_export(_csv, out_path, rows):
    import sqlalchemy as sa

    from app.extensions import db
    from app.incidents.models import Incident
    from app.incidents.serialize import feature_collection
    incidents = db.session.scalars(sa.select(Incident).where(Incident.status == "published")
                                   .order_by(Incident.id).limit(rows)).all()
    with open(out_path, "w", encoding="utf-8") as out:
        out.write(json.dumps(feature_collection(incidents)))
    return len(incidents)


STEPS = {"import": _import(), "import-row-triggers": _row_triggers,
         "import-cli": _import(_cli_loader()),
         **{f"import-cli-no-{device}": _import(_cli_loader(device)) for device in DEVICES},
         "parse-csv": _parse_csv, "naive-import": _naive_import, "naive-export": _naive_export,
         **{f"export-{fmt}": _export(fmt) for fmt in ("geojson", "csv", "gpkg", "stix")}}
IMPORTS = ("import", "import-row-triggers", "import-cli", *(f"import-cli-no-{device}" for device in DEVICES))
EXPORTS = tuple(f"export-{fmt}" for fmt in ("geojson", "csv", "stix", "gpkg"))


def measure(name, db_path, csv_path, out_path, rows):
    """Run ``step`` in a child; return (rows, seconds, CPU seconds, peak MiB of that child,
    and of its worker if it had one)."""
    done = subprocess.run([sys.executable, __file__, "--step", name, str(db_path),
                           str(csv_path), str(out_path), str(rows)],
                          capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"step {name} failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    peak = f"{result['peak']:,.0f}"
    if result.get("worker_peak"):
        peak += f" (worker {result['worker_peak']:,.0f})"
    return result["rows"], result["seconds"], result["cpu"], peak


def _cpu_model():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        return next(line.split(":", 1)[1].strip() for line in out.splitlines()
                    if line.startswith("Model name"))
    except (OSError, StopIteration):
        return platform.processor() or "unknown"


def run(sizes, naive_rows, workdir=None, only=None):
    work = Path(tempfile.mkdtemp(prefix="bench-interchange-", dir=workdir))
    try:
        template = work / "template.db"
        make_template(template)
        print(f"Machine: {_cpu_model()}, {os.cpu_count()} cores, Python "
              f"{platform.python_version()}; {datetime.date.today()}; "
              f"load average {os.getloadavg()[0]:.1f}\n")
        print("| rows | step | rows/s | seconds | rows per CPU second | peak RSS MiB "
              "(whole process) | load average after |")
        print("|---:|---|---:|---:|---:|---:|---:|")
        for rows in sizes:
            csv_path = work / f"in-{rows}.csv"
            write_csv(csv_path, rows)
            db_path = work / f"db-{rows}.db"
            naive_db = work / f"naive-{rows}.db"
            shutil.copy(template, naive_db)
            for name in (*IMPORTS, *EXPORTS):
                if only and name not in only:
                    continue
                if name in IMPORTS:  # each into an empty copy; the exports read the last
                    shutil.copy(template, db_path)
                _report(rows, name, *measure(name, db_path, csv_path, work / "out", rows))
            for name in ("naive-import", "naive-export"):
                if only and name not in only:
                    continue
                _report(rows, name + f" (first {naive_rows:,})",
                        *measure(name, naive_db if name == "naive-import" else db_path,
                                 csv_path, work / "out", naive_rows))
            for path in (csv_path, db_path, naive_db):
                path.unlink()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def parse_only(rows, workdir=None):
    """Stream-parse a CSV of ``rows`` rows: rate and peak memory of reading alone."""
    work = Path(tempfile.mkdtemp(prefix="bench-interchange-", dir=workdir))
    try:
        make_template(work / "template.db")
        csv_path = work / "in.csv"
        write_csv(csv_path, rows)
        print(f"CSV of {rows:,} rows: {csv_path.stat().st_size / 2**20:,.0f} MiB")
        _report(rows, "parse-csv", *measure("parse-csv", work / "template.db", csv_path,
                                            work / "out", rows))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _report(rows, name, count, seconds, cpu, peak):
    print(f"| {rows:,} | {name} | {count / seconds:,.0f} | {seconds:.1f} | "
          f"{count / cpu:,.0f} | {peak} | {os.getloadavg()[0]:.1f} |", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--naive-rows", type=int, default=5_000)
    parser.add_argument("--quick", action="store_true", help="10,000 rows only")
    parser.add_argument("--parse-only", type=int, default=None, metavar="ROWS",
                        help="only stream-parse and validate a CSV of ROWS rows")
    parser.add_argument("--work", default=None, metavar="DIR",
                        help="where the CSV and databases go (default: a temporary folder)")
    parser.add_argument("--only", nargs="+", default=None, metavar="STEP",
                        help="run only these steps (import, import-cli, export-geojson…)")
    parser.add_argument("--step", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        name, db_path, csv_path, out_path, rows = args.step
        return step(name, db_path, csv_path, out_path, int(rows))
    if args.parse_only:
        return parse_only(args.parse_only, args.work)
    run([10_000] if args.quick else args.rows, min(args.naive_rows, 1000) if args.quick
        else args.naive_rows, args.work, args.only)


if __name__ == "__main__":
    main()
