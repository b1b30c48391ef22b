"""Embeds as a journalist pastes them: the builder's snippet in a narrow article column
of another site (a second origin: another port), in real Chromium."""
import pytest

from app.auth.service import create_user
from app.extensions import db
from app.maps.embed_page import responsive_snippet
from tests.e2e.test_embed_browser import _embed, _publish, host_site  # noqa: F401

CONTROLS = [".embed-legend-toggle", ".leaflet-control-zoom-fullscreen",
            ".leaflet-control-zoom-in", ".leaflet-control-zoom-out", ".leaflet-control-scale",
            ".leaflet-control-attribution"]
BOXES = """(selectors) => selectors.flatMap((s) => Array.from(document.querySelectorAll(s))
  .filter((e) => e.offsetParent !== null)
  .map((e) => { const r = e.getBoundingClientRect();
    return {s, x: r.left, y: r.top, r: r.right, b: r.bottom}; }))"""


def _article(live_server, embeds, width):
    """A news article whose column is ``width`` px, holding each embed's default snippet."""
    snippets = "".join(
        f'<p>Paragraph before.</p><div class="slot" id="e{i}">'
        + responsive_snippet(f"{live_server.url}/embed/{e.key}", title=e.title) + "</div>"
        for i, e in enumerate(embeds))
    return (f'<!doctype html><meta charset="utf-8"><title>Tribune</title>'
            f'<main style="width:{width}px;margin:0;padding:0">{snippets}</main>').encode()


def _overlaps(boxes):
    return [(a["s"], b["s"]) for i, a in enumerate(boxes) for b in boxes[i + 1:]
            if a["x"] < b["r"] - 0.5 and b["x"] < a["r"] - 0.5
            and a["y"] < b["b"] - 0.5 and b["y"] < a["b"] - 0.5]


@pytest.fixture
def editor(live_app):
    return create_user(email="ed@example.org", password="correct horse battery",
                       role="editor")


def test_builder_snippet_on_another_origin_loads_and_shows_data(page, live_server,
                                                                host_site, editor):
    _publish(editor, "Riga", "POINT (24.11 56.95)")
    embed = _embed(editor, title="Riga watch")  # no hosts named: any site may frame it
    db.session.commit()
    host_site.body = _article(live_server, [embed], 1000)
    assert host_site.origin != live_server.url  # another port: another origin
    page.goto(host_site.origin + "/")
    frame = page.frame_locator("#e0 iframe")
    frame.locator(".folium-map[data-embed-ready=true]").wait_for(timeout=20000)
    assert frame.locator(".leaflet-marker-icon").count() == 1
    assert frame.locator(".embed-head h1").inner_text() == "Riga watch"


def test_embed_restricted_to_named_sites_is_refused_by_another_origin(page, live_server,
                                                                     host_site, editor):
    embed = _embed(editor, allowed_hosts=["https://news.example.org"])
    db.session.commit()
    host_site.body = _article(live_server, [embed], 600)
    console = []
    page.on("console", lambda m: console.append(m.text))
    page.goto(host_site.origin + "/")
    page.wait_for_timeout(1500)
    inner = [f for f in page.frames if f != page.main_frame]
    assert inner and all(f.locator(".folium-map").count() == 0 for f in inner)
    assert any("frame-ancestors" in line for line in console)


@pytest.mark.parametrize("width", [320, 360, 400])
def test_narrow_column_no_control_covers_another_and_the_map_keeps_the_frame(
        page, live_server, host_site, editor, width):
    _publish(editor, "Paris", "POINT (2.35 48.86)", vectors=["cyber"])
    _publish(editor, "Riga", "POINT (24.11 56.95)", vectors=["energy"])
    caption = "A long caption that would take two or three lines of a narrow frame. " * 3
    embeds = [_embed(editor, title=f"Cyber incidents in Europe, {corner}", caption=caption,
                     legend_position=corner, filters="vector=cyber")
              for corner in ("topleft", "topright", "bottomleft", "bottomright")]
    db.session.commit()
    host_site.body = _article(live_server, embeds, width)
    page.set_viewport_size({"width": 1000, "height": 900})
    page.goto(host_site.origin + "/")
    for i, embed in enumerate(embeds):
        page.locator(f"#e{i}").scroll_into_view_if_needed()
        frame = page.frame_locator(f"#e{i} iframe")
        frame.locator(".folium-map[data-embed-ready=true]").wait_for(timeout=20000)
        inner = next(f for f in page.frames if embed.key in f.url)
        assert inner.evaluate("innerWidth") == width
        # Folded by default in a narrow frame; no control covers another, folded or open.
        assert not frame.locator(".atlas-control").is_visible()
        boxes = inner.evaluate(BOXES, CONTROLS)
        assert _overlaps(boxes) == [], (embed.legend_position, boxes)
        frame.locator(".embed-legend-toggle").click()
        assert frame.locator(".atlas-control").is_visible()
        boxes = inner.evaluate(BOXES, CONTROLS)
        assert _overlaps(boxes) == [], (embed.legend_position, boxes)
        # The legend lists only layers with incidents under the filters: cyber, not energy.
        chips = frame.locator(".atlas-control fieldset[data-group=vector] label:visible")
        assert chips.all_inner_texts() and all("1" in t for t in chips.all_inner_texts())
        assert chips.count() == 1
        # The map keeps ≥ 60 % of the frame; the caption is folded behind one line.
        share = inner.evaluate("document.querySelector('.embed-map').offsetHeight"
                               " / innerHeight")
        assert share >= 0.6, (width, embed.legend_position, share)
        assert frame.locator("details.caption").get_attribute("open") is None
