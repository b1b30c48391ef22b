"""Embeds in real Chromium, framed by a page of another origin (a second port)."""
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.auth.service import create_user
from app.embeds import service
from app.incidents import service as incidents
from app.incidents.schema import parse_incident
from tests.embeds.conftest import DEFAULTS


class HostSite:
    """A news site on its own port: serves one page holding the given iframes."""

    def __init__(self):
        self.body = b""
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 — http.server's name
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(site.body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def host_site():
    site = HostSite()
    yield site
    site.stop()


def _embed(author, **fields):
    return service.create(data={**DEFAULTS, **fields}, author=author)


def test_allowed_origin_renders_the_embed_and_another_is_refused(page, live_app,
                                                                  live_server, host_site):
    editor = create_user(email="ed@example.org", password="correct horse battery",
                         role="editor")
    incidents.create_incident(data=parse_incident({
        "title": "<img src=x onerror=alert(1)>", "start_date": "2025-03-01",
        "wkt": "POINT (24.11 56.95)", "vectors": ["cyber"], "actor": "A"}),
        author=editor, status="published")
    allowed = _embed(editor, allowed_hosts=[host_site.origin])
    refused = _embed(editor, allowed_hosts=["https://news.example.org"])
    host_site.body = (
        f'<!doctype html><title>Tribune</title><p>Op-ed text</p>'
        f'<iframe id="ok" src="{live_server.url}/embed/{allowed.key}" width="360" '
        f'height="300" allow="fullscreen"></iframe>'
        f'<iframe id="no" src="{live_server.url}/embed/{refused.key}" width="360" '
        f'height="300"></iframe>').encode()
    console = []
    page.on("console", lambda m: console.append(m.text))
    page.goto(host_site.origin + "/")
    ok = page.frame_locator("#ok")
    ok.locator(".folium-map[data-embed-ready=true]").wait_for(timeout=20000)
    assert ok.locator(".leaflet-marker-icon").count() == 1
    assert ok.locator(".leaflet-control-zoom-fullscreen").count() == 1
    # A 360×300 frame: the legend starts folded behind its button, not over the map.
    assert ok.locator(".embed-legend-toggle").is_visible()
    assert not ok.locator(".atlas-control").is_visible()
    ok.locator(".embed-legend-toggle").click()
    assert ok.locator(".atlas-control").is_visible()
    # The other frame was refused by frame-ancestors: nothing of the app rendered.
    no_frame = page.frame(url=lambda u: refused.key in u) or next(
        f for f in page.frames if f != page.main_frame and allowed.key not in f.url)
    assert no_frame.locator(".folium-map").count() == 0
    assert any("frame-ancestors" in line for line in console)
    # Readers get no cookie, and the XSS title stayed text.
    assert page.context.cookies() == []
    assert page.watch.dialogs == []


def test_fullscreen_works_inside_the_iframe(page, live_app, live_server, host_site):
    editor = create_user(email="ed@example.org", password="correct horse battery",
                         role="editor")
    embed = _embed(editor, allowed_hosts=[host_site.origin])
    host_site.body = (f'<!doctype html><iframe id="ok" src="{live_server.url}/embed/'
                      f'{embed.key}" width="400" height="300" allow="fullscreen">'
                      '</iframe>').encode()
    page.goto(host_site.origin + "/")
    frame = page.frame_locator("#ok")
    frame.locator(".folium-map[data-embed-ready=true]").wait_for(timeout=20000)
    frame.locator(".leaflet-control-zoom-fullscreen").click()
    inner = next(f for f in page.frames if embed.key in f.url)
    inner.wait_for_function("document.fullscreenElement !== null", timeout=5000)
    assert inner.evaluate("document.fullscreenElement.classList.contains('folium-map')")


def test_downloaded_embed_works_offline(page, live_app, live_server, tmp_path):
    editor = create_user(email="ed@example.org", password="correct horse battery",
                         role="editor")
    incidents.create_incident(data=parse_incident({
        "title": "Offline", "start_date": "2025-03-01", "wkt": "POINT (2.35 48.86)",
        "vectors": ["cyber"], "actor": "A"}), author=editor, status="published")
    embed = _embed(editor, frozen=True)
    import urllib.request
    with urllib.request.urlopen(f"{live_server.url}/embed/{embed.key}/download.html") as r:
        (tmp_path / "embed.html").write_bytes(r.read())
    live_server.stop()  # the file must need no server at all
    page.goto((tmp_path / "embed.html").as_uri())
    page.wait_for_selector(".folium-map[data-embed-ready=true]", timeout=20000)
    assert page.locator(".leaflet-marker-icon").count() == 1
    assert page.locator(".leaflet-overlay-pane path").count() > 50  # the basemap
    assert [u for u in page.watch.requests if u.startswith("http")] == []


@pytest.mark.parametrize("lang, legend, shown, actors, full_screen", [
    ("en", "Legend", "1 of 1 incidents shown", "Actors", "Full screen"),
    ("fr", "Légende", "1 incidents affichés sur 1", "Acteurs", "Plein écran")])
def test_embed_scripts_speak_the_readers_language(page, live_app, live_server, lang, legend,
                                                  shown, actors, full_screen):
    """atlas-features.js and atlas-embed.js show only the labels the page sends."""
    editor = create_user(email="ed@example.org", password="correct horse battery",
                         role="editor")
    incidents.create_incident(data=parse_incident({
        "title": "Leak", "start_date": "2025-03-01", "wkt": "POINT (24.11 56.95)",
        "vectors": ["cyber"], "actor": "A"}), author=editor, status="published")
    page.set_viewport_size({"width": 400, "height": 300})  # the legend starts folded
    page.goto(f"{live_server.url}/embed/map?lang={lang}")
    page.wait_for_selector(".folium-map[data-embed-ready=true]", timeout=20000)
    assert page.locator(".embed-legend-toggle").text_content() == legend
    assert page.locator("#atlas-status").text_content() == shown
    assert page.locator("fieldset[data-group=actor] legend").text_content() == actors
    assert page.locator(".leaflet-control-zoom-fullscreen").get_attribute("title") == full_screen
    assert page.watch.errors == []
