"""Time to interactive of an embed in headless Chromium at 1,000,000 incidents.

Run from the repository root (under the shared bench lock)::

    flock /work/benchdata/bench.lock .venv/bin/python bench/bench_embed.py \
        /work/benchdata/sqlite-1000000.db [--runs 5]

Copies the seeded SQLite file (creating embeds writes) to ``--work`` and
migrates the copy; creates a live and a frozen embed of :data:`FILTERS` and of
every incident; serves the app (production config, tiles offline) with a real
WSGI server on 127.0.0.1, compressing what the project's nginx configuration
compresses (``bench/deployed.py``); opens each page in a fresh Chromium context
(empty cache) at 800×533 px, timing from navigation to ``data-embed-ready`` (data
fetched, clusters and incidents drawn, legend placed). *Live cold* is the first
reader of the embed's filters in the process (the in-memory index already built,
its build timed apart); *live warm* the next readers. Naive baseline in the same
run: the full ``/map`` page for the same filters until ``data-atlas-ready``.
*Phone* rows: the builder's phone preview (360×480, the frame in a phone's article
column) under the phone profile of ``bench/phone.py`` (CPU 4× slower, "slow 4G",
cache off), with every byte the first load transferred.
Each run is broken down with the browser's Performance API: the page's HTML,
the scripts, the map data, the basemap. Prints Markdown tables.
"""
import argparse
import datetime
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.deployed import Gzipped  # noqa: E402
from bench.phone import phone_page  # noqa: E402
from bench.seed_db import bench_config, ensure_seeded  # noqa: E402
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, LiveServer  # noqa: E402

FILTERS = "vector=cyber&country=POL"
BREAKDOWN = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const res = performance.getEntriesByType('resource');
  const path = (n) => new URL(n).pathname;
  const end = (test) => Math.max(0, ...res.filter(r => test(r.name)).map(r => r.responseEnd));
  const size = (test) => res.filter(r => test(r.name))
    .reduce((a, r) => a + (r.encodedBodySize || 0), 0);
  const isData = (n) => n.includes('/api/v1/map') || /\\/z\\/\\d+\\.json/.test(n);
  return {
    html: nav.responseEnd,
    scripts: end(n => path(n).endsWith('.js')),
    data: end(isData), dataBytes: size(isData),
    basemap: end(n => n.includes('countries-110m')),
    ready: performance.now(),
  };
}"""


def prepare(source, work):
    """A migrated copy of ``source`` under ``work`` and the app on it."""
    from app import create_app
    work.mkdir(parents=True, exist_ok=True)
    target = work / Path(source).name
    shutil.copy(source, target)
    url = f"sqlite:///{target}"
    ensure_seeded(url, 0)  # migrates the copy (0008_embeds_view); seeds nothing
    return create_app(bench_config(url)), target


def make_embeds(filters):
    """``(live key, frozen key, seconds the freeze took)`` for ``filters``."""
    from app.auth.models import User
    from app.embeds import service
    from app.extensions import db
    author = db.session.scalars(db.select(User)).first()
    data = {"title": "Bench", "caption": "", "filters": filters,
            "layers": ["actor", "vector", "country"], "fit_to_data": True,
            "center_lat": None, "center_lon": None, "zoom": None,
            "legend_position": "bottomleft", "refreeze": False, "allowed_hosts": []}
    started = time.perf_counter()
    frozen = service.create(data={**data, "frozen": True}, author=author)
    freeze_s = time.perf_counter() - started
    live = service.create(data={**data, "frozen": False}, author=author)
    return live.key, frozen.key, freeze_s


PHONE_FRAME = {"width": 360, "height": 480}  # the builder's phone preview


def time_to(browser, url, selector, phone=False):
    """Seconds to ``selector`` in a fresh context, the breakdown (ms), and what was
    drawn (with the KB transferred, under the phone profile)."""
    if phone:
        context, page, transfer = phone_page(browser, PHONE_FRAME)
    else:
        context = browser.new_context(viewport={"width": 800, "height": 533})
        page, transfer = context.new_page(), None
    started = time.perf_counter()
    page.goto(url)
    page.wait_for_selector(selector, timeout=60000)
    elapsed = time.perf_counter() - started
    parts = page.evaluate(BREAKDOWN)
    drawn = page.locator(".folium-map").get_attribute("data-shown")
    markers = page.locator(".leaflet-marker-icon").count()
    context.close()
    what = f"{markers} markers, {drawn} incidents"
    if transfer:
        what += f"; {transfer.bytes / 1024:.0f} KB in {transfer.requests} responses"
    return elapsed, parts, what


def summary(name, runs):
    times = [r[0] for r in runs]
    mid = sorted(runs, key=lambda r: r[0])[len(runs) // 2]
    return (name, statistics.median(times), min(times), max(times), mid[1], mid[2])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("source", help="a seeded SQLite file (copied, never written)")
    parser.add_argument("--work", default="/work/benchdata/embeds")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    app, copy = prepare(args.source, Path(args.work))
    from playwright.sync_api import sync_playwright

    from app.incidents import mapindex
    rows, freezes = [], {}
    try:
        with app.app_context():
            started = time.perf_counter()
            mapindex.holder().current()
            index_s = time.perf_counter() - started
            embeds = {}
            for label, filters in (("filtered", FILTERS), ("all", "")):
                live, frozen, freezes[label] = make_embeds(filters)
                embeds[label] = (live, frozen)
            server = LiveServer(Gzipped(app)).start()
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                ready = "[data-embed-ready=true]"
                for label, (live, frozen) in embeds.items():
                    what = "`" + FILTERS + "`" if label == "filtered" else "all incidents"
                    rows.append(summary(f"embed, live, first reader (cold), {what}",
                                        [time_to(browser, f"{server.url}/embed/{live}", ready)]))
                    rows.append(summary(f"embed, live (warm), {what}", [
                        time_to(browser, f"{server.url}/embed/{live}", ready)
                        for _ in range(args.runs)]))
                    rows.append(summary(f"embed, frozen, {what}", [
                        time_to(browser, f"{server.url}/embed/{frozen}", ready)
                        for _ in range(args.runs)]))
                for label, (live, frozen) in embeds.items():
                    what = "`" + FILTERS + "`" if label == "filtered" else "all incidents"
                    for kind, key in (("live", live), ("frozen", frozen)):
                        rows.append(summary(f"phone, embed, {kind}, {what}", [
                            time_to(browser, f"{server.url}/embed/{key}", ready, phone=True)
                            for _ in range(max(2, args.runs // 2))]))
                rows.append(summary(f"naive: full /map page, `{FILTERS}`", [
                    time_to(browser, f"{server.url}/map?{FILTERS}", "[data-atlas-ready=true]")
                    for _ in range(args.runs)]))
                browser.close()
            server.stop()
    finally:
        for path in (copy, Path(f"{copy}-wal"), Path(f"{copy}-shm")):
            path.unlink(missing_ok=True)
    print(f"\n{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, load average "
          f"{os.getloadavg()[0]:.1f}; index build {index_s:.2f} s; freezing took "
          + ", ".join(f"{k} {v:.2f} s" for k, v in freezes.items()) + "\n")
    print("| page | median s | min s | max s | HTML ms | scripts ms | data ms | data KB "
          "| basemap ms | ready ms | drawn |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name, median, lo, hi, p, drawn in rows:
        print(f"| {name} | {median:.2f} | {lo:.2f} | {hi:.2f} | {p['html']:.0f} | "
              f"{p['scripts']:.0f} | {p['data']:.0f} | {p['dataBytes'] / 1024:.0f} | "
              f"{p['basemap']:.0f} | {p['ready']:.0f} | {drawn} |")


if __name__ == "__main__":
    main()
