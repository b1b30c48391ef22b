"""Time to a drawn map with its data, in headless Chromium (Debian's), via Playwright.

Usage: ``python bench/bench_map_browser.py URL [RUNS]`` with ``URL`` a seeded
database (``seed_db.py``). Serves the app on 127.0.0.1 (Werkzeug, threaded) and
measures, per run, from ``page.goto`` to the map container's
``data-atlas-ready=true`` (set after the first ``/api/v1/map`` answer is
drawn: clusters, incidents, layer control, list). The first run finds the
process's index not built yet (as after a restart or a change); the others
find it warm.
"""
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from playwright.sync_api import sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from app import create_app  # noqa: E402
from seed_db import bench_config  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def main(url, runs=6):
    app = create_app(bench_config(url))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    times = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for _ in range(runs):
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
    warm = times[1:]
    print(f"| {url.rsplit('/', 1)[-1]} | {shown} | {times[0]:.2f} s | "
          f"{statistics.median(warm):.2f} s | {max(warm):.2f} s |")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 6)
