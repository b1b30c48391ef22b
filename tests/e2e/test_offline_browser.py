"""Served as ``make run`` serves it, the site makes no reader's browser leave the machine.

gunicorn with ``gunicorn.conf.py``, production settings and nothing about tiles in
the environment (the offline basemap is the default); real Chromium opens the map
and an embed and every request that is not to the app itself is aborted and fails
the test.
"""
import pytest

from app import create_app
from app.auth.service import create_user
from app.embeds import service as embeds
from app.extensions import db
from app.incidents import service as incidents
from app.incidents.schema import parse_incident
from tests.conftest import config_for
from tests.embeds.conftest import DEFAULTS
from tests.ops.liveproc import GunicornServer, prepare_database


@pytest.fixture
def served(tmp_path, monkeypatch):
    """gunicorn on a fresh SQLite file holding one published incident and one embed."""
    monkeypatch.delenv("ATLAS_TILES", raising=False)
    monkeypatch.delenv("ATLAS_TILES_ATTRIBUTION", raising=False)
    url = f"sqlite:///{tmp_path / 'atlas.db'}"
    prepare_database(url)
    app = create_app(config_for(url))
    with app.app_context():
        editor = create_user(email="ed@example.org", password="correct horse battery",
                             role="editor")
        incidents.create_incident(data=parse_incident({
            "title": "Cable cut", "start_date": "2025-03-01", "wkt": "POINT (24.11 56.95)",
            "vectors": ["cyber"], "actor": "A"}), author=editor, status="published")
        key = embeds.create(data=dict(DEFAULTS), author=editor).key
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    server = GunicornServer(url, workers=1, ATLAS_MAP_SAVED_DIR="")
    yield server, key
    server.stop()


def test_map_and_embed_make_no_request_off_the_machine(browser, served):
    server, key = served
    context = browser.new_context()
    off_site = []

    def guard(route):
        if route.request.url.startswith((server.url + "/", "data:", "blob:")):
            route.continue_()
        else:
            off_site.append(route.request.url)
            route.abort()
    context.route("**/*", guard)
    page = context.new_page()
    try:
        page.goto(server.url + "/map")
        page.wait_for_selector(".folium-map[data-atlas-ready=true]", timeout=20000)
        page.wait_for_load_state("networkidle")
        assert page.locator(".leaflet-marker-icon, .atlas-cluster").count() >= 1
        assert page.get_attribute(".folium-map", "data-basemap") == "coarse"  # Europe, zoom 4
        # Close in (a permalink at zoom 9 on Riga), the 1:10m tiles of the view are drawn
        # over the 1:110m outline: a coast and borders far finer than either file's.
        page.goto(server.url + "/map?at=56.95,24.11,9")
        page.wait_for_selector(".folium-map[data-basemap^='tiles:']", timeout=20000)
        tiles = int(page.get_attribute(".folium-map", "data-basemap").split(":")[1])
        assert 1 <= tiles <= 6
        points = page.evaluate("""() => [...document.querySelectorAll(
            '.leaflet-atlas-basemap-pane path.atlas-basemap-fine')].reduce((n, p) =>
            n + (p.getAttribute('d').match(/L/g) || []).length, 0)""")
        assert points > 25  # the Gulf of Riga's coast on screen (1:110m: two or three)
        page.goto(f"{server.url}/embed/{key}")
        page.wait_for_selector(".folium-map[data-embed-ready=true]", timeout=20000)
        page.wait_for_load_state("networkidle")
    finally:
        context.close()
    assert off_site == []
