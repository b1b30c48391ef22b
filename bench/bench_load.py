"""Load on loopback: readers of the map and the API, contributors writing drafts.

Starts the real server (``gunicorn -c gunicorn.conf.py``, several workers) on a
database, then drives it with ``wrk`` (C, one thread per request kind, so the
load generator takes little of the CPU the server needs), all kinds at once:

- **map data**: ``GET /api/v1/map?bbox=&zoom=&…filters…``, what
  ``static/js/atlas-map.js`` asks for each view: world, continent and city
  views under a few filter sets (the permalinks of a viral article), and a
  share of panned views (a fresh bbox each time, as a reader dragging the map);
- **api incident**: ``GET /api/v1/incidents/<random id>`` (the popup's details);
- **api list**: ``GET /api/v1/incidents?bbox=<a cluster>&status=published&limit=50``
  (what the map asks when a cluster is clicked);
- **write**: ``POST /api/v1/incidents`` with a Bearer token: a new draft;
- map readers ask back to back (the server's capacity for map data beside the
  rest); writers, popup and cluster readers pause between requests (``--*-think``,
  a human pace), so their rates are what they achieve at that pace, reported;
- **healthz** (baseline, same server, just before): ``GET /healthz``, the bare
  request cost plus ``SELECT 1``.

Databases: ``--database URL`` uses an existing (large, seeded) one, migrated
and given contributor tokens here, so use a copy; ``--incidents N`` seeds a
fresh one per backend instead. Needs ``wrk`` (``apt-get install wrk``).

    createdb -T atlas_bench_map atlas_bench_prod
    flock /work/benchdata/bench.lock .venv/bin/python bench/bench_load.py \\
        --database postgresql://postgres@127.0.0.1:5432/atlas_bench_prod --seconds 30
"""
import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.ops.liveproc import GunicornServer, flask_cli  # noqa: E402

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
BASELINE_CLIENTS = 8  # the warm-up's and the healthz baseline's connections
PASSWORD = "bench password 123"

# Views as Leaflet asks for them on a 1400×800 px map (bench/README.md, "## Map").
VIEWS = {
    "world": ((-180.0, -85.0, 180.0, 85.0), 2),
    "continent": ((-25.0, 34.0, 45.0, 66.0), 4),
    "paris": ((2.1, 48.7, 2.6, 49.0), 11),
    "berlin": ((13.1, 52.35, 13.7, 52.65), 11),
}
FILTER_SETS = ("", "vector=cyber", "vector=information&vector=cyber&from=2024-01-01",
               "actor=1&min_confidence=40")
CLUSTERS = ((2.2, 48.8, 2.5, 48.95), (13.2, 52.4, 13.6, 52.6), (20.9, 52.1, 21.2, 52.35))

LUA_DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d %d %d %d\\n", summary.requests,
    summary.duration, latency:percentile(50), latency:percentile(95),
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def _lua_list(items):
    return "{" + ", ".join(f'"{item}"' for item in items) + "}"


def map_script(pan_share):
    """Canonical views (cache-friendly) and, with probability ``pan_share``, a panned one."""
    canonical = []
    for (west, south, east, north), zoom in VIEWS.values():
        for filters in FILTER_SETS:
            query = f"bbox={west},{south},{east},{north}&zoom={zoom}"
            canonical.append(f"/api/v1/map?{query}" + (f"&{filters}" if filters else ""))
    pans = [(VIEWS[name][0], VIEWS[name][1]) for name in ("continent", "paris", "berlin")]
    pan_rows = ", ".join("{%s, %s, %s, %s, %d}" % (*box, zoom) for box, zoom in pans)
    return f"""
local canonical = {_lua_list(canonical)}
local pans = {{{pan_rows}}}
local filters = {_lua_list(FILTER_SETS)}
math.randomseed(os.time())
request = function()
  if math.random() < {pan_share} then
    local p = pans[math.random(#pans)]
    local dx, dy = (math.random() - 0.5) * (p[3] - p[1]) * 0.3, (math.random() - 0.5) * (p[4] - p[2]) * 0.3
    local path = string.format("/api/v1/map?bbox=%.5f,%.5f,%.5f,%.5f&zoom=%d",
      p[1] + dx, p[2] + dy, p[3] + dx, p[4] + dy, p[5])
    local f = filters[math.random(#filters)]
    if f ~= "" then path = path .. "&" .. f end
    return wrk.format("GET", path)
  end
  return wrk.format("GET", canonical[math.random(#canonical)])
end
""" + LUA_DONE


def incident_script(max_id):
    return f"""
math.randomseed(os.time() + 1)
request = function()
  return wrk.format("GET", "/api/v1/incidents/" .. math.random({max_id}))
end
""" + LUA_DONE


def list_script():
    boxes = [",".join(str(v) for v in box) for box in CLUSTERS]
    return f"""
local boxes = {_lua_list(boxes)}
math.randomseed(os.time() + 2)
request = function()
  return wrk.format("GET", "/api/v1/incidents?status=published&limit=50&bbox=" .. boxes[math.random(#boxes)])
end
""" + LUA_DONE


def write_script(token):
    return f"""
local n = 0
math.randomseed(os.time() + 3)
request = function()
  n = n + 1
  local body = string.format('{{"type": "Feature", "geometry": {{"type": "Point", ' ..
    '"coordinates": [%.5f, %.5f]}}, "properties": {{"title": "load %d", ' ..
    '"start_date": "2025-05-01", "vectors": ["cyber"], "actor": "Load Actor", ' ..
    '"confidence": 50}}}}', -10 + math.random() * 40, 36 + math.random() * 24, n)
  return wrk.format("POST", "/api/v1/incidents", {{["Authorization"] = "Bearer {token}",
    ["Content-Type"] = "application/json"}}, body)
end
""" + LUA_DONE


def with_think_time(script, think_ms):
    """``script`` whose connections each pause about ``think_ms`` between requests.

    A contributor reads and types between two saves, a reader looks at a popup
    before the next click: those kinds run at a human pace (±50 % jitter, so
    the connections do not march in step), while map readers ask back to back
    and measure how many map requests the server can answer beside them.
    """
    if not think_ms:
        return script
    low, high = max(1, think_ms // 2), think_ms * 3 // 2
    return script + f"\ndelay = function() return math.random({low}, {high}) end\n"


def healthz_script():
    return 'request = function() return wrk.format("GET", "/healthz") end\n' + LUA_DONE


def start_wrk(base, script, connections, seconds, workdir, name):
    """Start one ``wrk`` process (one thread) running ``script``; return it."""
    path = workdir / f"{name.replace(' ', '_')}.lua"
    path.write_text(script)
    return subprocess.Popen(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
         "-s", str(path), base], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def result(proc):
    """``(requests, seconds, p50 ms, p95 ms, errors)`` from a finished ``wrk``."""
    out, _ = proc.communicate()
    line = next((ln for ln in out.splitlines() if ln.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{out}")
    requests, duration, p50, p95, *errors = (int(v) for v in line.split()[1:])
    if not requests:
        print(f"<!-- wrk got no answer:\n{out} -->", file=sys.stderr)
    return requests, duration / 1e6, p50 / 1000, p95 / 1000, sum(errors)


def run(base, kinds, seconds, workdir):
    """Run every ``(name, script, connections)`` at once; return their results."""
    procs = [(name, start_wrk(base, script, conns, seconds, workdir, name))
             for name, script, conns in kinds]
    return [(name, *result(proc)) for name, proc in procs]


def row(label, name, requests, seconds, p50, p95, errors):
    return (f"| {label} | {name} | {requests / seconds:,.0f} | {p50:.0f} | {p95:.0f} | "
            f"{errors} |")


def load_average():
    return os.getloadavg()


def _fresh_database(backend, workdir, incidents):
    if backend == "sqlite":
        url = f"sqlite:///{workdir / 'load.db'}"
        drop = lambda: None  # noqa: E731
    else:
        name = f"atlas_load_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

        def drop():
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    flask_cli(url, "db", "upgrade")
    flask_cli(url, "setup", ATLAS_DEMO="1", ATLAS_DEMO_COUNT=incidents, ATLAS_PASSWORD=PASSWORD)
    return url, drop


def prepare(url):
    """Migrate, ANALYZE and flush ``url``; add a contributor with an API token; return it.

    ANALYZE: a freshly seeded database has no planner statistics (autovacuum
    would gather them later); without them PostgreSQL chose a full scan of the
    status index for every bbox query.
    """
    flask_cli(url, "db", "upgrade")
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("ANALYZE"))
            if engine.dialect.name == "postgresql":
                conn.execute(sa.text("CHECKPOINT"))
    finally:
        engine.dispose()
    # The copy just made (createdb -T, cp: ~2 GB) is still being written back by
    # the kernel; commits' fsyncs would queue behind it and the writes' p95
    # would measure the disk flushing that copy, not the server.
    os.sync()
    email = f"load-{uuid.uuid4().hex[:6]}@example.org"
    flask_cli(url, "user", "create", email, "--role", "contributor", ATLAS_PASSWORD=PASSWORD)
    return flask_cli(url, "token", "create", email).stdout.strip()


def max_incident_id(url):
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.scalar(sa.text("SELECT max(id) FROM incidents")) or 1
    finally:
        engine.dispose()


def warm_up(base, args, workdir):
    """Until map data answers fast: every worker builds its index on first use."""
    deadline = time.monotonic() + args.warmup
    while True:
        (_, requests, seconds, _, p95, errors), = run(
            base, [("map data", map_script(0), BASELINE_CLIENTS)], 8, workdir)
        print(f"<!-- warm-up: {requests / seconds:.0f} map req/s, p95 {p95:.0f} ms, "
              f"{errors} errors -->", flush=True)
        if (requests and p95 < 200 and not errors) or time.monotonic() > deadline:
            return


def scenario(url, label, args):
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        token = prepare(url)
        max_id = max_incident_id(url)
        server = GunicornServer(url, workers=args.workers, THREADS=args.threads,
                                ATLAS_API_WRITE_LIMIT="1000000 per minute")
        try:
            base = server.url
            warm_up(base, args, workdir)
            load = load_average()
            rows = [row(label, *res) for res in run(
                base, [("healthz (baseline)", healthz_script(), BASELINE_CLIENTS)],
                max(5, int(args.seconds // 3)), workdir)]
            kinds = [("map data", with_think_time(map_script(args.pan), args.map_think),
                      args.map_clients),
                     ("api incident", with_think_time(incident_script(max_id), args.api_think),
                      args.api_clients),
                     ("api list", with_think_time(list_script(), args.list_think),
                      args.list_clients),
                     ("write", with_think_time(write_script(token), args.write_think),
                      args.write_clients)]
            kinds = [kind for kind in kinds if kind[2] > 0]  # 0 clients: kind left out
            rows += [row(label, *res) for res in run(base, kinds, args.seconds, workdir)]
            load_after = load_average()
        finally:
            server.stop()
    print(f"<!-- {label}: load average {load[0]:.2f} before, {load_after[0]:.2f} after "
          f"(1 min) -->", flush=True)
    return rows


def _server(args):
    threads = f" × {args.threads} threads" if args.threads > 1 else ""
    pace = (f"{args.map_clients} map readers pausing {args.map_think} ms" if args.map_think
            else f"{args.map_clients} map readers back to back")
    return f"{args.workers} workers{threads}, {pace}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", action="append", default=[],
                        help="an existing database URL (a copy: it is migrated and written)")
    parser.add_argument("--backend", action="append", choices=["sqlite", "postgis"],
                        help="seed a fresh database of --incidents on this backend")
    parser.add_argument("--incidents", type=int, default=20_000)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=120,
                        help="at most this many seconds of unmeasured map requests first")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4,
                        help="threads per worker (gthread when more than 1)")
    parser.add_argument("--map-clients", type=int, default=2)
    parser.add_argument("--map-think", type=int, default=0,
                        help="ms each map reader pauses (0: back to back, the capacity)")
    parser.add_argument("--api-clients", type=int, default=2)
    parser.add_argument("--list-clients", type=int, default=1)
    parser.add_argument("--write-clients", type=int, default=20)
    parser.add_argument("--write-think", type=int, default=250,
                        help="ms each writer pauses between two writes (0: none)")
    parser.add_argument("--api-think", type=int, default=20,
                        help="ms each popup reader pauses between two requests")
    parser.add_argument("--list-think", type=int, default=100,
                        help="ms each cluster-list reader pauses between two requests")
    parser.add_argument("--pan", type=float, default=0.05,
                        help="share of map requests that are panned (uncached) views")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("bench_load needs wrk: apt-get install wrk")
    random.seed(1)
    print("| server | requests | per second | p50 ms | p95 ms | errors |")
    print("|---|---|---:|---:|---:|---:|", flush=True)
    for url in args.database:
        backend = "postgis" if url.startswith("postgresql") else "sqlite"
        for line in scenario(url, f"{backend}, {_server(args)}", args):
            print(line, flush=True)
    for backend in args.backend or []:
        with tempfile.TemporaryDirectory() as tmp:
            url, drop = _fresh_database(backend, Path(tmp), args.incidents)
            try:
                for line in scenario(url, f"{backend} {args.incidents:,}, {_server(args)}",
                                     args):
                    print(line, flush=True)
            finally:
                drop()


if __name__ == "__main__":
    main()
