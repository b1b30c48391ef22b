"""Embeds in real Chromium, framed by a page of another origin (a second port)."""
import threading
from urllib.parse import parse_qs, urlsplit
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
    assert page.locator(".leaflet-atlas-basemap-pane path").count() > 50  # the basemap
    assert [u for u in page.watch.requests if u.startswith("http")] == []


def _publish(editor, title, wkt, **fields):
    return incidents.create_incident(data=parse_incident({
        "title": title, "start_date": "2025-03-01", "wkt": wkt, "vectors": ["cyber"],
        "actor": "A", **fields}), author=editor, status="published")


def _open_in_frame(page, host_site, live_server, embed):
    """The embed in an 800×500 iframe of the host site, once interactive."""
    from app.extensions import db
    db.session.commit()  # end the test thread's SQLite transaction before the server reads
    host_site.body = (f'<!doctype html><iframe id="ok" src="{live_server.url}/embed/'
                      f'{embed.key}" width="800" height="500"></iframe>').encode()
    page.goto(host_site.origin + "/")
    frame = page.frame_locator("#ok")
    frame.locator(".folium-map[data-embed-ready=true]").wait_for(timeout=20000)
    return frame


def test_live_embed_draws_the_servers_clusters(page, live_app, live_server, host_site):
    editor = create_user(email="ed@example.org", password="correct horse battery",
                         role="editor")
    for i in range(5):
        _publish(editor, f"Paris {i}", f"POINT (2.3{i} 48.8{i})")
    _publish(editor, "Riga", "POINT (24.11 56.95)")
    embed = _embed(editor, allowed_hosts=[host_site.origin], fit_to_data=False,
                   center_lat=52.0, center_lon=12.0, zoom=4)
    frame = _open_in_frame(page, host_site, live_server, embed)
    # One cluster of five computed by the server, and Riga on its own.
    assert frame.locator(".atlas-cluster-icon").all_inner_texts() == ["5"]
    assert frame.locator(".atlas-marker[title='Riga']").count() == 1
    assert any("/api/v1/map?" in u and "zoom=4" in u for u in page.watch.requests)
    assert frame.locator("#atlas-list").count() == 0  # no list twin in an embed
    # Clicking the cluster zooms in (a new server view), and the full-map link follows.
    frame.locator(".atlas-cluster").click()
    frame.locator(".folium-map[data-renders='2'][data-loading=false]").wait_for(timeout=10000)
    href = frame.locator("#embed-full-map").get_attribute("href")
    assert href.startswith(live_server.url + "/map?at=")
    at = parse_qs(urlsplit(href).query)["at"][0]
    assert int(at.rsplit(",", 1)[1]) > 4
    # Readers get no cookie, and the embed asks nothing of anyone but the app.
    assert page.context.cookies() == []
    assert {u.split("/")[2] for u in page.watch.foreign_requests()} == {
        host_site.origin.split("/")[2]}


def test_frozen_embed_is_unchanged_after_an_edit_and_an_archive(page, live_app,
                                                                live_server, host_site):
    editor = create_user(email="ed@example.org", password="correct horse battery",
                         role="editor")
    kept = _publish(editor, "Before edit", "POINT (2.35 48.86)")
    gone = _publish(editor, "Will be archived", "POINT (24.11 56.95)")
    # Legend open bottom-left (an 800×500 frame): the fitted view keeps clear of it.
    embed = _embed(editor, allowed_hosts=[host_site.origin], frozen=True)
    incidents.update_incident(incident=kept, data=parse_incident(
        {"title": "After edit"}, partial=True), expected_version=kept.version, editor=editor)
    incidents.set_status(incident=gone, status="archived", expected_version=gone.version,
                         editor=editor)
    _publish(editor, "Published later", "POINT (13.4 52.52)")
    frame = _open_in_frame(page, host_site, live_server, embed)
    titles = frame.locator(".atlas-marker").evaluate_all("els => els.map(e => e.title)")
    # Frozen: the edit and the later incident do not show; the archived incident has
    # left every public surface, frozen embeds included (purged when archived).
    assert sorted(titles) == ["Before edit"]
    # The popup is the frozen one too: the live API is never asked.
    frame.locator(".atlas-marker[title='Before edit']").click()
    assert frame.locator(".atlas-popup h3").inner_text() == "Before edit"
    assert "Actor: A" in frame.locator(".atlas-popup").inner_text()
    assert not [u for u in page.watch.requests if "/api/v1/" in u]
    assert any(f"/embed/{embed.key}/z/" in u for u in page.watch.requests)
    assert frame.locator(".atlas-control input:not([disabled])").count() == 0


@pytest.mark.parametrize("lang, legend, actors, full_screen", [
    ("en", "Legend", "Actors", "Full screen"),
    ("fr", "Légende", "Acteurs", "Plein écran")])
def test_embed_scripts_speak_the_readers_language(page, live_app, live_server, lang, legend,
                                                  actors, full_screen):
    """atlas-map.js (embed mode) and atlas-embed.js show only the labels the page sends."""
    editor = create_user(email="ed@example.org", password="correct horse battery",
                         role="editor")
    incidents.create_incident(data=parse_incident({
        "title": "Leak", "start_date": "2025-03-01", "wkt": "POINT (24.11 56.95)",
        "vectors": ["cyber"], "actor": "A"}), author=editor, status="published")
    page.set_viewport_size({"width": 400, "height": 300})  # the legend starts folded
    page.goto(f"{live_server.url}/embed/map?lang={lang}")
    page.wait_for_selector(".folium-map[data-embed-ready=true]", timeout=20000)
    assert page.locator(".embed-legend-toggle").text_content() == legend
    assert page.locator("fieldset[data-group=actor] legend").text_content() == actors
    assert page.locator(".leaflet-control-zoom-fullscreen").get_attribute("title") == full_screen
    assert page.watch.errors == []
