"""The map page in headless Chromium at 1,000,000 incidents: data shown, filter redraw, phone.

Usage::

    python bench/bench_map_ui.py URL [ROOT ...]

``URL`` is a seeded database you may write to (a copy); each ``ROOT`` is a checkout
of the app (default: this one). Each root is measured in its own process, one after
the other in the same run, on the same database, so two versions compare fairly
(e.g. this branch and ``main``). Per root, with the index built before the server
listens (as gunicorn's ``post_worker_init`` does):

- *data shown*: desktop 1366×900, from ``page.goto('/map')`` to ``data-atlas-ready``
  (clusters, incidents, layer control, list drawn), median of ``RUNS``;
- *filter redraw*: "only France" (the page's ``state.country = ['FRA']`` and one
  refresh — the same change in any version of the page, whatever its controls):
  from the ``/api/v1/map`` answer's ``responseEnd`` (Resource Timing) to the end of
  the render it caused, median of ``RUNS`` alternating France / all;
- *phone*: 390×844, CPU slowed 4× and "slow 4G" (150 ms latency, 1.6 Mbit/s down,
  750 kbit/s up) through the DevTools protocol, a fresh context (empty cache), from
  ``goto`` to ``data-atlas-ready``, and the bytes received until then.

The server compresses what the project's nginx configuration compresses
(``bench/deployed.py``), so the bytes are those a reader of a deployed site receives.

Prints one Markdown row per root.
"""
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
RUNS = 5

# Timestamps, in the page: the map answer's arrival and the render that follows it.
WATCH = """() => {
  const m = document.querySelector('.folium-map');
  window.__renders = [];
  new MutationObserver(() => window.__renders.push([Number(m.dataset.renders), performance.now()]))
    .observe(m, { attributes: true, attributeFilter: ['data-renders'] });
}"""
REDRAW = """async (countries) => {
  const a = AtlasMap.instances[0], m = document.querySelector('.folium-map');
  const before = Number(m.dataset.renders), seen = performance.getEntriesByType('resource').length;
  a.state.country = countries;
  a.refresh(0);
  while (Number(m.dataset.renders) <= before || m.dataset.loading !== 'false') {
    await new Promise(r => setTimeout(r, 5));
  }
  const answer = performance.getEntriesByType('resource').slice(seen)
    .filter(e => e.name.includes('/api/v1/map?')).pop();
  const drawn = window.__renders.filter(r => r[0] > before)[0][1];
  return [drawn - answer.responseEnd, a.data.total];
}"""


def measure(url, runs=RUNS):
    """Serve ``url`` with the app importable from ``sys.path`` and measure; a dict."""
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from app import create_app
    from app.incidents import mapindex
    from deployed import Gzipped
    from phone import phone_page
    from seed_db import bench_config

    app = create_app(type("MapUiBench", (bench_config(url),), {"ATLAS_MAP_SAVED_DIR": None}))
    with app.app_context():
        mapindex.warm()
    server = make_server("127.0.0.1", 0, Gzipped(app), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    out = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        shown, redraws = [], []
        for run in range(runs):
            context = browser.new_context(viewport={"width": 1366, "height": 900})
            page = context.new_page()
            t0 = time.perf_counter()
            page.goto(base + "/map")
            page.wait_for_selector(".folium-map[data-atlas-ready=true]", timeout=300_000)
            shown.append(time.perf_counter() - t0)
            page.evaluate(WATCH)
            for countries in (["FRA"], []):
                ms, total = page.evaluate(REDRAW, countries)
                if countries:
                    redraws.append(ms)
                    out["france"] = total
            out["all"] = int(page.locator(".folium-map").get_attribute("data-shown"))
            context.close()
        phone, transferred = [], []
        for run in range(max(2, runs // 2)):
            context, page, transfer = phone_page(browser)
            t0 = time.perf_counter()
            page.goto(base + "/map")
            page.wait_for_selector(".folium-map[data-atlas-ready=true]", timeout=300_000)
            phone.append(time.perf_counter() - t0)
            transferred.append(transfer.bytes)
            context.close()
        browser.close()
    server.shutdown()
    out.update(shown=statistics.median(shown), shown_max=max(shown),
               redraw=statistics.median(redraws), redraw_max=max(redraws),
               phone=statistics.median(phone), phone_max=max(phone),
               phone_kb=statistics.median(transferred) / 1024)
    return out


def main(url, roots):
    print("| code | incidents drawn (all / only France) | data shown, desktop: median (max) "
          "| \"only France\" redraw after the answer: median (max) "
          "| phone, 4× CPU, slow 4G: data shown, median (max) | phone: KB transferred "
          "until then |")
    print("|---|---:|---:|---:|---:|---:|")
    for root in roots:
        env = dict(os.environ, PYTHONPATH=f"{root}:{Path(root) / 'bench'}")
        done = subprocess.run([sys.executable, str(HERE / "bench_map_ui.py"), "--one", url],
                              cwd=root, env=env, capture_output=True, text=True, check=True)
        r = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"| {root} | {r['all']:,} / {r['france']:,} | {r['shown']:.2f} s "
              f"({r['shown_max']:.2f} s) | {r['redraw']:.0f} ms ({r['redraw_max']:.0f} ms) "
              f"| {r['phone']:.2f} s ({r['phone_max']:.2f} s) "
              f"| {r.get('phone_kb', float('nan')):,.0f} |")


if __name__ == "__main__":
    if sys.argv[1] == "--one":
        sys.path[:0] = [os.getcwd(), os.path.join(os.getcwd(), "bench")]
        print(json.dumps(measure(sys.argv[2])))
    else:
        main(sys.argv[1], sys.argv[2:] or [str(HERE.parent)])
