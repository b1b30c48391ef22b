"""Time to interactive of an embed in headless Chromium at 1,000,000 incidents.

Run from the repository root::

    .venv/bin/python bench/bench_embed.py [--count 1000000] [--runs 5]

Seeds ``bench/out/embed-<count>.db`` once (``app.demo.seed.seed``, several minutes
at 1,000,000), creates a live and a frozen embed of one vector and country over
the whole period, serves the app with a real WSGI server on 127.0.0.1 and opens
each embed in a fresh Chromium context (empty cache) at 800×533 px, timing from
navigation to ``data-embed-ready`` (data loaded, markers drawn, legend placed,
view fitted). Naive baseline in the same run: the full ``/map`` page for the
same filters until ``data-atlas-ready``. Prints a Markdown table.
"""
import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.conftest import config_for, migrate_and_load  # noqa: E402
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, LiveServer  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"
FILTERS = "vector=cyber&country=POL"


def seeded_app(count):
    """The app on a SQLite file holding ``count`` published demo incidents."""
    from app import create_app
    from app.auth.service import create_user
    from app.demo.seed import seed
    OUT.mkdir(exist_ok=True)
    path = OUT / f"embed-{count}.db"
    url = f"sqlite:///{path}"
    if not path.exists():
        migrate_and_load(url)
        app = create_app(config_for(url))
        with app.app_context():
            author = create_user(email="bench@example.org", password="bench bench bench",
                                 role="editor")
            started = time.perf_counter()
            seed(count=count, seed_value=42, author=author)
            print(f"seeded {count} in {time.perf_counter() - started:.0f} s", flush=True)
    return create_app(config_for(url))


def make_embeds(app):
    """A live and a frozen embed of :data:`FILTERS` (created once per database)."""
    from app.auth.models import User
    from app.embeds import service
    from app.extensions import db
    author = db.session.scalars(db.select(User)).first()
    data = {"title": "Bench", "caption": "", "filters": FILTERS,
            "layers": ["actor", "vector", "country"], "fit_to_data": True,
            "center_lat": None, "center_lon": None, "zoom": None,
            "legend_position": "bottomleft", "refreeze": False, "allowed_hosts": []}
    started = time.perf_counter()
    frozen = service.create(data={**data, "frozen": True}, author=author)
    freeze_s = time.perf_counter() - started
    live = service.create(data={**data, "frozen": False}, author=author)
    return live.key, frozen.key, freeze_s


def time_to(browser, url, selector):
    """Seconds from navigation to ``selector`` appearing, in a fresh context."""
    context = browser.new_context(viewport={"width": 800, "height": 533})
    page = context.new_page()
    started = time.perf_counter()
    page.goto(url)
    page.wait_for_selector(selector, timeout=60000)
    elapsed = time.perf_counter() - started
    shown = page.locator(".folium-map").get_attribute("data-shown")
    context.close()
    return elapsed, shown


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    app = seeded_app(args.count)
    from playwright.sync_api import sync_playwright
    with app.app_context():
        live, frozen, freeze_s = make_embeds(app)
        server = LiveServer(app).start()
        cases = [("embed, frozen", f"/embed/{frozen}", "[data-embed-ready=true]"),
                 ("embed, live", f"/embed/{live}", "[data-embed-ready=true]"),
                 ("naive: full /map page", f"/map?{FILTERS}", "[data-atlas-ready=true]")]
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            time_to(browser, server.url + cases[0][1], cases[0][2])  # warm the server
            cold = time_to(browser, server.url + cases[1][1], cases[1][2])
            rows = [("embed, live, first reader (cold)", cold[0], cold[0], cold[0], cold[1])]
            for name, path, selector in cases:
                runs = [time_to(browser, server.url + path, selector)
                        for _ in range(args.runs)]
                times = [r[0] for r in runs]
                rows.append((name, statistics.median(times), min(times), max(times),
                             runs[0][1]))
            browser.close()
        server.stop()
    print(f"\n{args.count:,} incidents, filters `{FILTERS}`, {datetime.date.today()}, "
          f"load average {os.getloadavg()[0]:.1f}; freezing took {freeze_s:.2f} s\n")
    print("| page | median s | min s | max s | markers shown |")
    print("|---|---|---|---|---|")
    for name, median, lo, hi, shown in rows:
        print(f"| {name} | {median:.2f} | {lo:.2f} | {hi:.2f} | {shown} |")


if __name__ == "__main__":
    main()
