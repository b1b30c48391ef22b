"""Benchmark the threat map: page shell, map-data requests, index build, baselines.

Usage::

    python bench/seed_db.py sqlite:///$PWD/bench/out/sqlite-1000.db 1000   # once per size
    python bench/bench_map.py URL [URL ...] [--no-naive]   # Markdown tables

Each URL names a seeded database (see ``seed_db.py``). Measured through the
Flask test client (routing, parsing, JSON included; no network), wall clock,
one thread. Data requests: 30 per view, each panned a little (so the bbox
changes as when a reader drags the map); "cold" requests clear the per-filter
cache first, as when every request brings new filters. *Repeat*: the same
URL again (answered from the per-process LRU of serialized bodies) and with
``If-None-Match`` (a 304), against ``/healthz`` in the same run. *Change*: one
published incident edited, then the next map request's refresh (an
incremental patch), and one draft edited (the published set unchanged), against
the full index build. The naive folium baseline (one ``folium.Marker`` with
popup and tooltip per incident) and a SQL ``GROUP BY`` grid run in the same
process and run.

The database must be a copy you may write to: the run applies the migrations
and the *change* rows edit one incident (put back afterwards).
"""
import gzip
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import folium  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.incidents import mapindex  # noqa: E402
from app.incidents.mapindex.holding import save_index  # noqa: E402
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


def _clear_caches():
    holder = mapindex.holder()
    holder.cache.clear()
    holder.bodies.clear()


def bench_data(app, client):
    """p50/p95 (ms) per view, filtered or not, panning and cold; items per response."""
    rows = []
    for view in VIEWS:
        for label, filters in (("no filters", ""), ("filters", FILTERS)):
            client.get(data_url(view, filters, 0))  # warm the per-filter cache
            # Each pan moves the bbox: a new answer (no body from the LRU).
            pan = timed(lambda i: client.get(data_url(view, filters, i + 1)), REQUESTS)

            def cold(i):
                _clear_caches()
                client.get(data_url(view, filters, i))
            with app.app_context():
                cold_times = timed(cold, REQUESTS // 2)
            data = client.get(data_url(view, filters, 0)).get_json()
            rows.append((view, label, percentile(pan, 50), percentile(pan, 95),
                         percentile(cold_times, 50), percentile(cold_times, 95),
                         len(data["clusters"]) + len(data["features"]), data["total"]))
    return rows


def bench_repeat(client):
    """p50/p95 (ms): a view asked again (LRU body), with If-None-Match (304), /healthz."""
    rows = []
    for view, filters in (("world", ""), ("city", ""), ("city", FILTERS)):
        url = data_url(view, filters, 0)
        etag = client.get(url).headers["ETag"]
        again = timed(lambda i: client.get(url), REQUESTS)
        not_modified = timed(lambda i: client.get(url, headers={"If-None-Match": etag}),
                             REQUESTS)
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
        rows.append((f"{view}, {'filters' if filters else 'no filters'}",
                     percentile(again, 50), percentile(again, 95),
                     percentile(not_modified, 50), percentile(not_modified, 95)))
    health = timed(lambda i: client.get("/healthz"), REQUESTS)
    rows.append(("/healthz", percentile(health, 50), percentile(health, 95), None, None))
    return rows


def bench_index_build(app):
    """Seconds to build the index (first use, or a process further behind than the log),
    and to start from the index saved to disk instead (map the files, patch, check)."""
    with app.app_context():
        holder = mapindex.holder()
        t0 = time.perf_counter()
        with holder.lock:
            holder.refresh()
        seconds = time.perf_counter() - t0
        assert holder.builds == 1
        with tempfile.TemporaryDirectory() as saved:
            epoch = db.session.scalar(sa.text(
                "SELECT value FROM change_counters WHERE name = 'map_epoch'"))
            db.session.commit()
            save_index(saved, holder.index, holder.applied, epoch)
            starting = mapindex.IndexHolder()
            t0 = time.perf_counter()
            with starting.lock:
                starting.refresh(saved_dir=saved)
            start_s = time.perf_counter() - t0
            assert starting.builds == 0 and len(starting.index) == len(holder.index)
        return seconds, len(holder.index), start_s

def _refresh_ms(app, sql, params):
    """Run ``sql`` in its own committed transaction, then time the index refresh."""
    with app.app_context():
        db.session.execute(sa.text(sql), params)
        db.session.commit()
        holder = mapindex.holder()
        t0 = time.perf_counter()
        with holder.lock:
            holder.refresh()
        ms = (time.perf_counter() - t0) * 1000
        db.session.commit()
        return ms, holder.index.generation


def bench_changes(app, repeat=7):
    """ms to bring the index up to date after one change of each kind (p50, max)."""
    with app.app_context():
        ids = db.session.scalars(sa.text(
            "SELECT id FROM incidents WHERE status = 'published' ORDER BY id DESC LIMIT 2"
        )).all()
        db.session.commit()
        holder = mapindex.holder()
    published, drafted = ids
    builds = holder.builds
    edit = "UPDATE incidents SET confidence = (confidence + 1) % 101 WHERE id = :id"
    status = "UPDATE incidents SET status = :status WHERE id = :id"
    times = {"edit": [], "unpublish": [], "republish": [], "draft": []}
    for _ in range(repeat):
        times["edit"].append(_refresh_ms(app, edit, {"id": published})[0])
    for _ in range(3):
        times["unpublish"].append(_refresh_ms(app, status, {"status": "draft",
                                                            "id": drafted})[0])
        generation = holder.index.generation
        for _ in range(repeat):
            ms, after = _refresh_ms(app, edit, {"id": drafted})
            assert after == generation  # the published set did not change
            times["draft"].append(ms)
        times["republish"].append(_refresh_ms(app, status, {"status": "published",
                                                            "id": drafted})[0])
    assert holder.builds == builds  # patched every time, never rebuilt
    return {kind: (percentile(v, 50), max(v)) for kind, v in times.items()}


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
    # No saved index: the build is measured, and the bench saves to a temporary dir.
    app = create_app(type("MapBench", (bench_config(url),), {"ATLAS_MAP_SAVED_DIR": None}))
    client = app.test_client()
    with app.app_context():
        from flask_migrate import upgrade
        upgrade()
        count = db.session.scalar(sa.text("SELECT count(*) FROM incidents"))
    build_s, indexed, start_s = bench_index_build(app)
    page = bench_page(client)
    return {"url": url, "count": count, "indexed": indexed, "build_s": build_s,
            "start_s": start_s,
            "page": page, "data": bench_data(app, client), "repeat": bench_repeat(client),
            "changes": bench_changes(app),
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
    print("| backend | incidents | request | again p50 | again p95 | 304 p50 | 304 p95 |")
    print("|---|---:|---|---:|---:|---:|---:|")
    for r in results:
        for name, a50, a95, n50, n95 in r["repeat"]:
            tail = f"{n50:.2f} | {n95:.2f}" if n50 is not None else "— | —"
            print(f"| {backend(r['url'])} | {r['count']:,} | {name} | {a50:.2f} | {a95:.2f} |"
                  f" {tail} |")
    print()
    print("| backend | incidents | full build | start from saved index |"
          " edit a published incident | unpublish one | publish one |"
          " edit a draft (no published change) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        c = r["changes"]
        cells = " | ".join(f"{c[k][0]:.1f} / {c[k][1]:.1f} ms"
                           for k in ("edit", "unpublish", "republish", "draft"))
        print(f"| {backend(r['url'])} | {r['count']:,} | {r['build_s'] * 1000:,.0f} ms | "
              f"{r['start_s'] * 1000:,.0f} ms | {cells} |")
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
