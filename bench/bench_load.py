"""Load on loopback: readers on map data and the API, contributors writing via the API.

Starts the real server (``gunicorn -c gunicorn.conf.py``, several workers) on a
fresh database seeded with synthetic incidents, then runs a bounded closed-loop
load from separate processes for a fixed time and prints a Markdown table row per
scenario: throughput and p50/p95 latency per request kind.

    .venv/bin/python bench/bench_load.py --backend sqlite --backend postgis \
        --incidents 20000 --seconds 20 --readers 6 --writers 2 --workers 4

The load generator shares the machine's cores with the server, so these are
conservative figures. The baseline row ("healthz") measures the bare server
(a request that only runs ``SELECT 1``) in the same run.
"""
import argparse
import json
import multiprocessing
import random
import statistics
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.ops.liveproc import GunicornServer, flask_cli  # noqa: E402

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PASSWORD = "bench password 123"


def _get(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
        return response.status


def _post(url, token, n):
    lon, lat = random.uniform(-10, 30), random.uniform(36, 60)
    body = json.dumps({"type": "Feature",
                       "geometry": {"type": "Point", "coordinates": [lon, lat]},
                       "properties": {"title": f"load {n}", "start_date": "2025-05-01",
                                      "vectors": ["cyber"], "actor": "Load Actor",
                                      "confidence": 50}}).encode()
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
        return response.status


def _map_data_url(base):
    west, south = random.uniform(-10, 25), random.uniform(36, 58)
    return (f"{base}/api/v1/incidents?bbox={west:.3f},{south:.3f},{west + 6:.3f},"
            f"{south + 4:.3f}&limit=200")


def reader(base, max_id, until, out):
    """Alternate map-data (bbox, 200 features max) and single-incident API reads."""
    samples, errors, n = [], 0, 0
    while time.time() < until:
        kind = "map data" if n % 2 == 0 else "api read"
        url = _map_data_url(base) if kind == "map data" else \
            f"{base}/api/v1/incidents/{random.randint(1, max_id)}"
        started = time.perf_counter()
        try:
            _get(url)
        except Exception as exc:  # noqa: BLE001 — counted, the run goes on
            errors += 1
            print(f"{kind} error: {exc}", file=sys.stderr)
        samples.append((kind, time.perf_counter() - started))
        n += 1
    out.put((samples, errors))


def writer(base, token, until, out):
    """Create draft incidents through the API, one after the other."""
    samples, errors, n = [], 0, 0
    while time.time() < until:
        started = time.perf_counter()
        try:
            ok = _post(base + "/api/v1/incidents", token, n) == 201
            errors += not ok
        except Exception as exc:  # noqa: BLE001
            errors += 1
            print(f"write error: {exc}", file=sys.stderr)
        samples.append(("write", time.perf_counter() - started))
        n += 1
    out.put((samples, errors))


def baseline(base, until, out):
    samples, errors = [], 0
    while time.time() < until:
        started = time.perf_counter()
        try:
            _get(base + "/healthz")
        except Exception:  # noqa: BLE001
            errors += 1
        samples.append(("healthz", time.perf_counter() - started))
    out.put((samples, errors))


def _run(procs_args, seconds):
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    until = time.time() + seconds
    procs = [ctx.Process(target=fn, args=(*args, until, out)) for fn, args in procs_args]
    for proc in procs:
        proc.start()
    results = [out.get(timeout=seconds + 120) for _ in procs]
    for proc in procs:
        proc.join()
    samples = [s for r in results for s in r[0]]
    return samples, sum(r[1] for r in results)


def _summarise(label, samples, errors, seconds):
    rows = []
    for kind in sorted({k for k, _ in samples}):
        times = sorted(t for k, t in samples if k == kind)
        p95 = times[int(0.95 * (len(times) - 1))]
        rows.append(f"| {label} | {kind} | {len(times) / seconds:,.0f} | "
                    f"{statistics.median(times) * 1000:.0f} | {p95 * 1000:.0f} | {errors} |")
    return rows


def _database(backend, workdir):
    if backend == "sqlite":
        return f"sqlite:///{workdir / 'load.db'}", lambda: None
    name = f"atlas_load_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name, drop


def scenario(backend, args):
    with tempfile.TemporaryDirectory() as tmp:
        url, drop = _database(backend, Path(tmp))
        try:
            flask_cli(url, "db", "upgrade")
            flask_cli(url, "setup", ATLAS_DEMO="1", ATLAS_DEMO_COUNT=args.incidents,
                      ATLAS_PASSWORD=PASSWORD)
            tokens = []
            for i in range(args.writers):
                flask_cli(url, "user", "create", f"w{i}@example.org", "--role",
                          "contributor", ATLAS_PASSWORD=PASSWORD)
                tokens.append(flask_cli(url, "token", "create",
                                        f"w{i}@example.org").stdout.strip())
            server = GunicornServer(url, workers=args.workers,
                                    ATLAS_API_WRITE_LIMIT="100000 per minute")
            try:
                label = f"{backend}, {args.workers} workers"
                base = server.url
                samples, errors = _run([(baseline, (base,))] * args.readers, args.seconds / 2)
                rows = _summarise(label, samples, errors, args.seconds / 2)
                work = [(reader, (base, args.incidents))] * args.readers + \
                    [(writer, (base, t)) for t in tokens]
                samples, errors = _run(work, args.seconds)
                rows += _summarise(label, samples, errors, args.seconds)
            finally:
                server.stop()
        finally:
            drop()
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", action="append", choices=["sqlite", "postgis"])
    parser.add_argument("--incidents", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--readers", type=int, default=6)
    parser.add_argument("--writers", type=int, default=2)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    print("| server | requests | per second | p50 ms | p95 ms | errors |")
    print("|---|---|---:|---:|---:|---:|")
    for backend in args.backend or ["sqlite", "postgis"]:
        for row in scenario(backend, args):
            print(row, flush=True)


if __name__ == "__main__":
    main()
