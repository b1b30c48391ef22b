"""Benchmark the threat map: page shell, map-data requests, index build, baselines.

Usage::

    python bench/seed_db.py sqlite:///$PWD/bench/out/sqlite-1000.db 1000   # once per size
    python bench/bench_map.py URL [URL ...] [--no-naive]   # Markdown tables

Each URL names a seeded database (see ``seed_db.py``). Measured through the
Flask test client (routing, parsing, JSON included; no network), wall clock,
one thread. Data requests: 30 per view, each panned a little (so the bbox
changes as when a reader drags the map); "cold" requests clear the per-filter
cache first, as when every request brings new filters. The naive folium
baseline (one ``folium.Marker`` with popup and tooltip per incident) and a SQL
``GROUP BY`` grid run in the same process and run.
"""
import gzip
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import folium  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.incidents import mapindex  # noqa: E402
from seed_db import bench_config  # noqa: E402

VIEWS = {  # name: (bbox W,S,E,N, zoom) — as Leaflet asks for a 1400x800 px map
    "world": ((-180.0, -85.0, 180.0, 85.0), 2),
    "continent": ((-25.0, 34.0, 45.0, 66.0), 4),
    "city": ((2.10, 48.70, 2.60, 49.00), 11),
}
FILTERS = "vector=cyber&vector=information&from=2024-01-01&min_confidence=40&actor=1"
REQUESTS = 30


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def timed(fn, repeat):
    out = []
    for i in range(repeat):
        t0 = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def bench_page(client):
    """Bytes (raw, gzip) and p50 build time of ``GET /map``."""
    body = client.get("/map").get_data()
    times = timed(lambda i: client.get("/map"), 20)
    return len(body), len(gzip.compress(body, 6)), statistics.median(times)


def data_url(view, filters, i):
    (w, s, e, n), zoom = VIEWS[view]
    shift = (e - w) * 0.002 * i  # pan a little on every request
    bbox = f"{max(-180, w + shift)},{s},{min(180, e + shift)},{n}"
    return f"/api/v1/map?bbox={bbox}&zoom={zoom}" + (f"&{filters}" if filters else "")


def bench_data(app, client):
    """p50/p95 (ms) per view, filtered or not, panning and cold; items per response."""
    rows = []
    for view in VIEWS:
        for label, filters in (("no filters", ""), ("filters", FILTERS)):
            client.get(data_url(view, filters, 0))  # warm the per-filter cache
            pan = timed(lambda i: client.get(data_url(view, filters, i)), REQUESTS)

            def cold(i):
                mapindex.holder().cache.clear()
                client.get(data_url(view, filters, i))
            with app.app_context():
                cold_times = timed(cold, REQUESTS // 2)
            data = client.get(data_url(view, filters, 0)).get_json()
            rows.append((view, label, percentile(pan, 50), percentile(pan, 95),
                         percentile(cold_times, 50), percentile(cold_times, 95),
                         len(data["clusters"]) + len(data["features"]), data["total"]))
    return rows


def bench_index_build(app):
    """Seconds to build the index (what a process pays after any change); keeps it."""
    with app.app_context():
        t0 = time.perf_counter()
        index = mapindex.build_index(mapindex.read_generation())
        seconds = time.perf_counter() - t0
        mapindex.holder().index = index
        return seconds, len(index)


def bench_sql_group_by(app):
    """A world-view grid (zoom 2, 64 px cells) by SQL ``GROUP BY``: best of 3, ms."""
    sql = sa.text("SELECT CAST((rep_x + 180) / 5.625 AS INTEGER) AS cx, "
                  "CAST((rep_y + 90) / 5.625 AS INTEGER) AS cy, count(*), avg(rep_x), "
                  "avg(rep_y) FROM incidents WHERE status = 'published' GROUP BY cx, cy")
    with app.app_context():
        return min(timed(lambda i: db.session.execute(sql).all(), 3))


def bench_folium_naive(app, counts=(1000, 10000)):
    """One folium Marker (popup + tooltip) per incident: build ms, raw and gzip bytes."""
    out = []
    with app.app_context():
        rows = db.session.execute(sa.text(
            "SELECT rep_y, rep_x, title FROM incidents ORDER BY id LIMIT :n"),
            {"n": max(counts)}).all()
    for n in counts:
        if n > len(rows):
            continue
        t0 = time.perf_counter()
        m = folium.Map(location=[50, 15], zoom_start=4)
        for lat, lon, title in rows[:n]:
            folium.Marker([lat, lon], popup=title, tooltip=title).add_to(m)
        html = m.get_root().render().encode()
        out.append((n, (time.perf_counter() - t0) * 1000, len(html),
                    len(gzip.compress(html, 6))))
    return out


def run(url, naive=True):
    app = create_app(bench_config(url))
    client = app.test_client()
    with app.app_context():
        from flask_migrate import upgrade
        upgrade()
        count = db.session.scalar(sa.text("SELECT count(*) FROM incidents"))
    build_s, indexed = bench_index_build(app)
    page = bench_page(client)
    return {"url": url, "count": count, "indexed": indexed, "build_s": build_s,
            "page": page, "data": bench_data(app, client),
            "group_by_ms": bench_sql_group_by(app),
            "naive": bench_folium_naive(app) if naive and count >= 10000 else []}


def backend(url):
    return "PostGIS" if url.startswith("postgresql") else "SQLite"


def print_tables(results):
    print("| backend | incidents | page raw | page gzip | page build p50 | index build |"
          " SQL GROUP BY world |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        raw, gz, ms = r["page"]
        print(f"| {backend(r['url'])} | {r['count']:,} | {raw / 1024:.1f} KB | "
              f"{gz / 1024:.1f} KB | {ms:.1f} ms | {r['build_s']:.2f} s | "
              f"{r['group_by_ms']:.0f} ms |")
    print()
    print("| backend | incidents | view | filters | pan p50 | pan p95 | cold p50 | cold p95 |"
          " items | in view |")
    print("|---|---:|---|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        for view, label, p50, p95, c50, c95, items, total in r["data"]:
            print(f"| {backend(r['url'])} | {r['count']:,} | {view} | {label} | {p50:.1f} | "
                  f"{p95:.1f} | {c50:.1f} | {c95:.1f} | {items} | {total:,} |")
    print()
    print("| naive folium (one Marker each) | build | raw | gzip |")
    print("|---:|---:|---:|---:|")
    seen = set()
    for r in results:
        for n, ms, raw, gz in r["naive"]:
            if n not in seen:
                seen.add(n)
                print(f"| {n:,} | {ms / 1000:.2f} s | {raw / 1e6:.2f} MB | {gz / 1e6:.2f} MB |")


if __name__ == "__main__":
    results, urls = [], [a for a in sys.argv[1:] if a != "--no-naive"]
    for url in urls:  # the naive baseline once, on the first base with 10,000
        results.append(run(url, naive="--no-naive" not in sys.argv
                           and not any(r["naive"] for r in results)))
    print_tables(results)
