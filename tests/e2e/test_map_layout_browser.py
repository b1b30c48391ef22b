"""The map page at phone and desktop widths in real Chromium: nothing wider than the
screen, the folding layers panel, only/all/none and the filter bar's pickers (one
request per change, kept in the URL, a chosen country fitted), and the barometer
shading drawn above the offline basemap."""
import io

import pytest
from PIL import Image

from tests.e2e.map_helpers import after_render as _after_render
from tests.e2e.map_helpers import list_titles as _list_titles
from tests.e2e.map_helpers import make_editor as _editor
from tests.e2e.map_helpers import open_map as _open
from tests.e2e.map_helpers import publish as _publish

PHONE, DESKTOP = (390, 844), (1366, 900)
PASSWORD = "correct horse battery"


def _crafted_set():
    editor = _editor()
    _publish(editor, title="Paris leak", actor="Alpha", countries=["FRA"],
             wkt="POINT (2.35 48.86)")
    _publish(editor, title="Lyon botnet", actor="Beta", vectors=["cyber"], countries=["FRA"],
             wkt="POINT (4.84 45.76)")
    _publish(editor, title="Berlin grid", actor="Beta", vectors=["cyber"], countries=["DEU"],
             wkt="POINT (13.4 52.52)")
    _publish(editor, title="Warsaw cable", actor="Gamma", vectors=["sabotage"],
             countries=["POL"], wkt="POINT (21.0 52.2)")
    return editor


def _crafted_map(browser, base, size, query):
    """The crafted set published, and the map opened on it at ``size``."""
    _crafted_set()
    page = _page(browser, base, size)
    _open(page, base + "/map" + query)
    return page


def _page(browser, base, size, lang="en", email=None):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.errors = errors
    page.map_requests = []
    page.on("request", lambda r: "/api/v1/map?" in r.url and page.map_requests.append(r.url))
    if email:
        page.goto(base + "/login")
        page.fill("#email", email)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(base + "/map")
    page.goto(f"{base}/lang/{lang}")
    return page


# The site header is shared by every page (and collapses into a menu on phones once
# the pages' half of the work lands); these pages' own content is checked here. What
# scrolls inside a box that fits (a wide table) does not widen the page.
WIDER_THAN_SCREEN = """() => {
  const main = document.querySelector('main'), w = document.documentElement.clientWidth;
  const inScroller = e => { for (let a = e.parentElement; a && a !== main; a = a.parentElement) {
      const s = getComputedStyle(a).overflowX;
      if ((s === 'auto' || s === 'scroll' || s === 'hidden') && a.getBoundingClientRect().right <= w + 1) { return true; }
    } return false; };
  const wide = [...main.querySelectorAll('*')].filter(e => {
    const r = e.getBoundingClientRect();
    return r.width && r.right > w + 1 && !e.closest('.leaflet-map-pane') && !inScroller(e);
  }).map(e => e.tagName + '.' + e.className);
  if (main.scrollWidth > main.clientWidth + 1) { wide.push('main ' + main.scrollWidth); }
  return wide;
}"""


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_map_and_barometer_fit_the_screen_in_both_languages_signed_in_or_out(
        browser, live_app, live_server, size):
    _crafted_set()
    for email in (None, "ed@example.org"):
        for lang in ("en", "fr"):
            page = _page(browser, live_server.url, size, lang, email)
            _open(page, live_server.url + "/map")
            assert page.evaluate(WIDER_THAN_SCREEN) == [], (size, lang, email, "/map")
            page.goto(live_server.url + "/barometer")
            assert page.evaluate(WIDER_THAN_SCREEN) == [], (size, lang, email, "/barometer")
            assert page.errors == []
            page.context.close()


def test_layers_panel_starts_folded_on_a_phone_and_a_popup_is_never_under_it(
        browser, live_app, live_server):
    phone = _crafted_map(browser, live_server.url, PHONE, "?at=50,8,4")
    fold = phone.locator(".atlas-control .atlas-fold")
    assert fold.get_attribute("aria-expanded") == "false"
    assert not phone.locator(".atlas-control-body").is_visible()
    # Most of the map is free: the folded panel is a button.
    box = phone.locator(".atlas-control").bounding_box()
    map_box = phone.locator(".folium-map").bounding_box()
    assert box["width"] * box["height"] < 0.05 * map_box["width"] * map_box["height"]
    fold.click()
    assert fold.get_attribute("aria-expanded") == "true"
    assert phone.locator(".atlas-control-body").is_visible()
    # The list is a drawer behind its button.
    assert not phone.locator("#atlas-list").is_visible()
    phone.click("#atlas-list-toggle")
    assert phone.locator("#atlas-list").is_visible()
    lines = phone.evaluate("() => [...document.querySelectorAll('#atlas-list tbody td.date')]"
                           ".map(td => { const r = document.createRange();"
                           " r.selectNodeContents(td); return r.getClientRects().length; })")
    assert lines and set(lines) == {1}  # dates on one line, never "2026-/10-13"
    precision = phone.locator("#atlas-list tbody td.precision").first.bounding_box()
    assert precision["x"] + precision["width"] <= 390  # the precision column in view
    phone.click("#atlas-list-toggle")
    # A tapped pin's popup opens clear of the panel: the panel folds if they would meet.
    phone.evaluate("""() => { const a = AtlasMap.instances[0];
      const box = a.controlBody.getBoundingClientRect(), cr = a.container.getBoundingClientRect();
      const at = a.map.containerPointToLatLng([box.left + 20 - cr.left, box.bottom - cr.top]);
      L.popup().setLatLng(at).setContent('x').openOn(a.map); }""")
    assert fold.get_attribute("aria-expanded") == "false"
    phone.context.close()
    desktop = _page(browser, live_server.url, DESKTOP)
    _open(desktop, live_server.url + "/map")
    assert desktop.locator(".atlas-control-body").is_visible()
    assert desktop.locator("#atlas-list").is_visible()
    assert desktop.errors == []
    desktop.context.close()


def test_only_all_none_and_pickers_each_make_one_request_and_stay_in_the_url(
        browser, live_app, live_server):
    page = _crafted_map(browser, live_server.url, DESKTOP, "?at=49,11,5")
    assert len(_list_titles(page)) == 4

    def one_request(action):
        sent = len(page.map_requests)
        _after_render(page, action)
        page.wait_for_timeout(500)  # a batched or late second request would show here
        assert len(page.map_requests) - sent == 1

    country = ".atlas-control fieldset[data-group=country]"
    one_request(lambda: page.click(f"{country} button[data-action='only-FRA']"))
    assert _list_titles(page) == ["Lyon botnet", "Paris leak"]
    assert "country=FRA" in page.url and page.locator(
        f"{country} input[data-key=DEU]").is_checked() is False
    one_request(lambda: page.click(".atlas-control fieldset[data-group=vector] "
                                   "button[data-action=none]"))
    assert _list_titles(page) == []
    one_request(lambda: page.click(".atlas-control fieldset[data-group=vector] "
                                   "button[data-action=all]"))
    one_request(lambda: page.click(f"{country} button[data-action=all]"))
    assert len(_list_titles(page)) == 4 and "country=" not in page.url
    # Unticking three vectors in quick succession is one change: one request.
    vectors = page.locator(".atlas-control fieldset[data-group=vector] input[type=checkbox]")

    def untick_three():
        for key in ("cyber", "sabotage", "information"):
            page.locator(f".atlas-control fieldset[data-group=vector] input[data-key={key}]"
                         ).uncheck()
    one_request(untick_three)
    assert _list_titles(page) == [] and vectors.count() >= 3
    one_request(lambda: page.click(".atlas-control fieldset[data-group=vector] "
                                   "button[data-action=all]"))
    # The filter bar's actor picker: type-ahead from a datalist, in the URL.
    assert "Beta" in page.locator("#atlas-actor-options option").evaluate_all(
        "os => os.map(o => o.value)")

    def pick_actor():
        page.fill("#atlas-pick-actor", "beta")
        page.press("#atlas-pick-actor", "Enter")
    one_request(pick_actor)
    assert _list_titles(page) == ["Berlin grid", "Lyon botnet"]
    assert "actor=" in page.url
    # The country picker takes a name in the page's language and fits the country.

    def pick_country():
        page.fill("#atlas-pick-country", "Germany")
        page.press("#atlas-pick-country", "Enter")
    _after_render(page, pick_country)
    assert _list_titles(page) == ["Berlin grid"] and "country=DEU" in page.url
    view = page.evaluate("() => { const m = AtlasMap.instances[0].map, b = m.getBounds();"
                         " return [m.getZoom(), b.getWest(), b.getSouth(), b.getEast(),"
                         " b.getNorth()]; }")
    zoom, west, south, east, north = view
    assert zoom >= 5 and west < 6 and east > 15 and south < 47.4 and north > 54.9
    assert east - west < 30  # Germany fills the view, not Europe
    # A name matching nothing changes nothing and says so.
    sent = len(page.map_requests)
    page.fill("#atlas-pick-vector", "no such vector")
    page.press("#atlas-pick-vector", "Enter")
    picker = page.locator("#atlas-pick-vector")
    assert picker.get_attribute("aria-invalid") == "true"
    assert "no such vector" in picker.evaluate("e => e.validationMessage")
    page.wait_for_timeout(400)
    assert len(page.map_requests) == sent
    # Reloading restores the pickers from the URL.
    _open(page, page.url)
    assert page.input_value("#atlas-pick-country") == "Germany"
    assert page.errors == []
    page.context.close()


def test_group_search_hides_rows_without_a_request(browser, live_app, live_server):
    page = _crafted_map(browser, live_server.url, DESKTOP,
                        "?at=49,11,5&country=FRA,DEU,POL,ITA,ESP,BEL,NLD,AUT,CHE")
    search = page.locator(".atlas-control fieldset[data-group=country] input.group-search")
    sent = len(page.map_requests)
    search.fill("ger")
    rows = page.locator(".atlas-control fieldset[data-group=country] .layer-row:visible")
    assert rows.all_inner_texts()[0].startswith("Germany") and rows.count() == 1
    page.wait_for_timeout(400)
    assert len(page.map_requests) == sent
    page.context.close()


def _pixel(png, x, y):
    return Image.open(io.BytesIO(png)).convert("RGB").getpixel((int(x), int(y)))


def test_barometer_shading_is_drawn_above_the_offline_basemap(browser, live_app,
                                                              live_server):
    editor = _editor()
    _publish(editor, title="Lisbon 1", countries=["PRT"], wkt="POINT (-9.14 38.72)")
    _publish(editor, title="Lisbon 2", countries=["PRT"], wkt="POINT (-9.10 38.75)")
    page = _page(browser, live_server.url, DESKTOP)
    page.goto(live_server.url + "/map?barometer=1&at=40,-5,6")
    page.wait_for_selector(".folium-map[data-barometer='1']", timeout=15000)
    page.wait_for_timeout(300)
    # Inland Portugal (shaded) and inland Spain (not): container pixels of the points.
    points = page.evaluate("""() => { const m = AtlasMap.instances[0].map;
      const r = m.getContainer().getBoundingClientRect();
      return [[-7.6, 40.6], [-4.2, 39.2]].map(([lon, lat]) => {
        const p = m.latLngToContainerPoint([lat, lon]);
        return [p.x + r.left, p.y + r.top]; }); }""")
    png = page.screenshot()
    portugal, spain = (_pixel(png, x, y) for x, y in points)
    assert spain[0] > 240 and spain[1] > 240 and spain[2] > 230, spain  # basemap land
    assert portugal[0] > 150 and portugal[1] < 120 and portugal[2] < 120, portugal  # red shade
    assert page.locator(".leaflet-atlas-barometer-pane path").count() == 1
    assert page.locator(".leaflet-atlas-basemap-pane path").count() > 100
    assert page.errors == []
    page.context.close()
