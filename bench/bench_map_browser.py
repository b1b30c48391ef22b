"""Time to a drawn map with its data, in headless Chromium (Debian's), via Playwright.

Usage: ``python bench/bench_map_browser.py URL [RUNS]`` with ``URL`` a seeded
database (``seed_db.py``). Serves the app on 127.0.0.1 (Werkzeug, threaded) and
measures, per run, from ``page.goto`` to the map container's
``data-atlas-ready=true`` (set after the first ``/api/v1/map`` answer is
drawn: clusters, incidents, layer control, list). The index is built before
the server listens, as gunicorn's ``post_worker_init`` does (its time is
printed). Run 1 is a fresh browser on that index; before each later run one
published incident is edited in another transaction, so every later run's
first map request pays the index refresh (an incremental patch) — the
first reader after a change. The database must be a copy you may write to.
"""
import statistics
import sys
import threading
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from playwright.sync_api import sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.incidents import mapindex  # noqa: E402
from seed_db import bench_config  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def publish_an_edit(app):
    """Edit one published incident (as an editor in another process would)."""
    with app.app_context():
        db.session.execute(sa.text(
            "UPDATE incidents SET confidence = (confidence + 1) % 101 WHERE id = "
            "(SELECT max(id) FROM incidents WHERE status = 'published')"))
        db.session.commit()


def main(url, runs=6):
    app = create_app(bench_config(url))
    with app.app_context():
        t0 = time.perf_counter()
        mapindex.warm()
        warm_s = time.perf_counter() - t0
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    times = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for run in range(runs):
            if run:
                publish_an_edit(app)
            context = browser.new_context(viewport={"width": 1400, "height": 900})
            page = context.new_page()
            t0 = time.perf_counter()
            page.goto(base + "/map")
            page.wait_for_selector(".folium-map[data-atlas-ready=true]", timeout=300_000)
            times.append(time.perf_counter() - t0)
            shown = page.locator(".folium-map").get_attribute("data-shown")
            context.close()
        browser.close()
    server.shutdown()
    with app.app_context():
        holder = mapindex.holder()
        assert holder.builds == 1, "a run rebuilt the index instead of patching it"
    after = times[1:]
    print(f"| {url.rsplit('/', 1)[-1]} | {shown} | {warm_s:.2f} s | {times[0]:.2f} s | "
          f"{statistics.median(after):.2f} s | {max(after):.2f} s |")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 6)
