"""Retake the screenshots of docs/gallery.md from the current code, reproducibly.

    .venv/bin/python scripts/gallery.py [--out docs/screenshots] [--count 600]

A fresh SQLite database in a temporary folder gets the real migrations, the
reference data and ``--count`` synthetic demo incidents (``app.demo.seed``,
seed 1: the same incidents every time), plus one embed and one draft. The app
is served on 127.0.0.1 with the offline basemap (no request leaves the
machine) and a second local server plays a news site that pastes the embed
builder's snippet into an article. Debian's Chromium (``ATLAS_CHROMIUM``,
default /usr/bin/chromium) takes each page at 1366 × 900 and 390 × 844; each
PNG is reduced to a 256-colour palette (Pillow) to keep the gallery light.
"""
import argparse
import io
import logging
import os
import shutil
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

# The browser tests' news site and sign-in (the gallery is taken as they drive pages).
from tests.conftest import PASSWORD  # noqa: E402
from tests.e2e.test_editor_browser import _sign_in as sign_in  # noqa: E402
from tests.e2e.test_embed_browser import HostSite  # noqa: E402

SIZES = {"desktop": (1366, 900), "phone": (390, 844)}
EDITOR = "editor@example.org"
CHROMIUM = os.environ.get("ATLAS_CHROMIUM", "/usr/bin/chromium")
ARTICLE = ("<p>Across the region, officials have counted a steady rise in hostile "
           "operations below the threshold of war: cables cut, elections targeted, "
           "migrants pushed towards borders. The map below, kept by researchers, "
           "shows every incident they have verified.</p>")


def build_app(folder, count):
    """The app on a new SQLite database in ``folder``, seeded; ``(app, ids)``."""
    from flask_migrate import upgrade

    from app import create_app
    from app.auth.service import create_user
    from app.demo.seed import seed
    from app.embeds import service as embeds
    from app.extensions import db
    from app.incidents import service as incidents
    from app.incidents.models import Incident
    from app.incidents.schema import parse_incident
    from app.incidents.taxonomy import load_reference_data
    from config import TestingConfig
    import sqlalchemy as sa

    settings = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/gallery.db",
                "TESTING": False, "ATLAS_TILES": "offline", "ATLAS_LOG_LEVEL": "WARNING"}
    app = create_app(type("GalleryConfig", (TestingConfig,), settings))
    for name in ("werkzeug", "atlas", "alembic"):  # the pictures' names are the output
        logging.getLogger(name).setLevel(logging.WARNING)
    with app.app_context():
        upgrade()
        load_reference_data()
        editor = create_user(email=EDITOR, password=PASSWORD, role="editor")
        seed(count=count, seed_value=1, author=editor)
        shown = db.session.scalar(sa.select(Incident.id).where(
            Incident.geo_precision == "city", Incident.status == "published")
            .order_by(Incident.id).limit(1))
        draft = incidents.create_incident(data=parse_incident({
            "title": "Undersea cable damaged off the coast (synthetic)",
            "summary": "A data cable between two Baltic ports stopped carrying traffic; "
                       "an anchor trail crosses it.",
            "start_date": "2026-09-14", "wkt": "POINT (24.4 59.7)", "vectors": ["sabotage"],
            "geo_precision": "region", "precision_m": 30000, "confidence": 55}),
            author=editor, status="draft")
        embed = embeds.create(data={
            "title": "Hybrid threats in the Baltic states", "caption": "Verified incidents",
            "filters": "country=EST&country=LVA&country=LTU", "layers": ["vector"],
            "fit_to_data": True, "center_lat": None, "center_lon": None, "zoom": None,
            "legend_position": "bottomleft", "frozen": False, "refreeze": False,
            "allowed_hosts": []}, author=editor)
        db.session.commit()
        ids = {"incident": shown, "draft": draft.id, "embed_key": embed.key}
        db.session.remove()
    return app, ids


def article(snippet, width):
    """A news site's article page holding ``snippet`` in a ``width`` px column."""
    return (
        '<!doctype html><html lang="en"><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>The Northern Tribune</title>"
        "<style>body{margin:0;font:17px/1.5 Georgia,serif;color:#222;background:#fbfaf7}"
        "header{background:#222;color:#fff;padding:.6rem 1rem;font:bold 1.3rem sans-serif}"
        f"main{{max-width:{width}px;margin:0 auto;padding:0 12px}}"
        "h1{font-size:1.6rem;line-height:1.2}</style>"
        "<header>The Northern Tribune</header><main>"
        "<h1>Below the threshold: a year of hybrid attacks</h1>"
        f"{ARTICLE}{snippet}<p>Read the methodology on the atlas itself.</p>"
        "</main></html>").encode()


def save(png, path):
    """``png`` bytes as a 256-colour PNG at ``path``; its size in bytes."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                   dither=Image.Dither.NONE).save(path, format="PNG", optimize=True)
    return path.stat().st_size


def squeeze(paths):
    """Re-save each PNG of ``paths`` as ``save`` would when that makes it smaller."""
    for path in paths:
        before = path.stat().st_size
        trial = path.with_suffix(".squeezed")
        buffer = io.BytesIO()
        Image.open(path).convert("RGB").save(buffer, format="PNG")
        after = save(buffer.getvalue(), trial)
        if after < before:
            trial.replace(path)
        else:
            trial.unlink()
        print(f"{path.name}: {before // 1024} KB -> {min(before, after) // 1024} KB")


def scroll_to(selector):
    """A ``before`` step: bring the element to the top of the screen."""
    return lambda page: page.evaluate(
        "(s) => document.querySelector(s).scrollIntoView({block: 'start'})", selector)


def upload_example(base, out):
    """A ``before`` step: a dry run of the example CSV (the import page's preview)."""
    def step(page):
        path = out / ".example.csv"
        path.write_bytes(page.request.get(base + "/import/example.csv").body())
        try:
            page.set_input_files("#file", str(path))
            page.click("main form button[type=submit]")
            page.wait_for_selector(".locator-map[data-ready=true]", timeout=30000)
        finally:
            path.unlink()
        scroll_to("#import-result")(page)
    return step


def shoot(browser, base, ids, news, out):
    """Every picture of the gallery; yields ``(name, bytes)`` as each is saved."""
    from app.maps.embed_page import responsive_snippet
    for size, (width, height) in SIZES.items():
        # Each language its own browser locale, so that date fields read as they should.
        pages = {lang: browser.new_context(viewport={"width": width, "height": height},
                                           locale=locale).new_page()
                 for lang, locale in (("en", "en-GB"), ("fr", "fr-FR"))}

        def take(name, path, ready=None, lang="en", before=None):
            page = pages[lang]
            page.goto(f"{base}{path}{'&' if '?' in path else '?'}lang={lang}")
            if ready:
                page.wait_for_selector(ready, timeout=30000)
            if before:
                before(page)
            page.wait_for_timeout(400)  # fonts and the last tiles of the basemap
            return name, save(page.screenshot(), out / f"{name}-{size}.png")

        yield take("map", "/map", ".folium-map[data-atlas-ready=true]")
        yield take("incident", f"/incidents/{ids['incident']}", ".locator-map[data-ready=true]")
        yield take("barometer", "/barometer", lang="fr",
                   before=scroll_to("main h2") if size == "phone" else None)
        page = pages["en"]
        snippet = responsive_snippet(f"{base}/embed/{ids['embed_key']}",
                                     title="Hybrid threats in the Baltic states")
        news.body = article(snippet, 680 if size == "desktop" else 390)
        page.goto(news.origin + "/")
        frame = page.frame_locator("iframe")
        frame.locator(".folium-map[data-embed-ready=true]").wait_for(timeout=30000)
        page.locator("iframe").scroll_into_view_if_needed()
        page.wait_for_timeout(400)
        yield "embed-article", save(page.screenshot(), out / f"embed-article-{size}.png")
        sign_in(page, base, EDITOR)
        yield take("editor", f"/incidents/{ids['draft']}/edit", "#editor-map[data-ready=true]",
                   before=scroll_to("#editor-map"))
        yield take("import-preview", "/import", before=upload_example(base, out))
        if size == "phone":
            yield take("menu-open", "/barometer",
                       before=lambda p: p.get_by_role("button", name="Menu").click())
        for page in pages.values():
            page.context.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--count", type=int, default=600)
    parser.add_argument("--squeeze", nargs="+", type=Path, metavar="PNG",
                        help="only re-save these PNGs (pictures the browser tests saved) "
                             "as a 256-colour palette, keeping each that shrinks")
    args = parser.parse_args()
    if args.squeeze:
        return squeeze(args.squeeze)
    from playwright.sync_api import sync_playwright
    folder = tempfile.mkdtemp(prefix="atlas-gallery-")
    try:
        app, ids = build_app(folder, args.count)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        news = HostSite()  # another origin: its own port
        args.out.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM,
                                         args=["--headless", "--no-sandbox", "--disable-gpu"])
            for name, size in shoot(browser, base, ids, news, args.out):
                print(f"{name}: {size // 1024} KB")
            browser.close()
        server.shutdown()
        news.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
