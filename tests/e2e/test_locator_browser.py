"""The locator map of the incident and review pages draws, in real Chromium:
phone (390) and desktop (1366), English and French, no overflow, nothing fetched
from elsewhere, the keyboard not held by the map.

With ``ATLAS_SCREENSHOT_DIR`` set, each view is saved there as
``incident-locator-<page>-<width>-<lang>.png`` (docs/screenshots/ holds a set)."""
import os

import pytest

from app.auth.service import create_user
from app.extensions import db
from app.incidents import service as incidents
from app.incidents.schema import parse_incident
from tests.e2e.test_editor_browser import _sign_in
from tests.e2e.test_responsive_browser import _overflow

PASSWORD = "correct horse battery"
WIDTHS = (390, 1366)


@pytest.fixture
def located(live_app):
    """A published city-level point, an exact one, and a published point since moved to a
    region-level area and resubmitted (the review page's before and after)."""
    editor = create_user(email="locator.editor@example.org", password=PASSWORD, role="editor")
    base = {"start_date": "2025-06-15", "vectors": ["information"], "actor": "Unattributed",
            "confidence": 60}
    point = incidents.create_incident(data=parse_incident(
        {**base, "title": "Leak in Paris", "wkt": "POINT (2.35 48.86)",
         "geo_precision": "city", "precision_m": 10000}), author=editor, status="published")
    moved = incidents.create_incident(data=parse_incident(
        {**base, "title": "Moved", "wkt": "POINT (4.35 50.85)", "geo_precision": "exact"}),
        author=editor, status="published")
    pin = incidents.create_incident(data=parse_incident(
        {**base, "title": "Exact", "wkt": "POINT (13.4 52.52)", "geo_precision": "exact"}),
        author=editor, status="published")
    for status in ("archived", "draft"):
        incidents.set_status(incident=moved, status=status, reason=None,
                             expected_version=moved.version, editor=editor)
    incidents.update_incident(incident=moved, editor=editor, expected_version=moved.version,
                              data=parse_incident({
                                  "wkt": "POLYGON ((3 50, 6 50, 6 51.5, 3 51.5, 3 50))",
                                  "geo_precision": "region"}, partial=True))
    located = editor.email, {"point": point.id, "moved": moved.id, "pin": pin.id}
    db.session.commit()
    db.session.close()
    return located


def _check(page, name, width, lang):
    page.wait_for_selector(".locator-map[data-ready=true]")
    assert _overflow(page)[0] <= 0, f"{name} {width} {lang} is wider than the screen"
    mapbox = page.locator(".locator-map")
    assert mapbox.get_attribute("role") == "img" and mapbox.get_attribute("aria-label")
    # Decorative: nothing in it takes the keyboard's focus.
    assert page.evaluate("""() => [...document.querySelectorAll('.locator-map, .locator-map *')]
        .filter(e => e.tabIndex >= 0).length""") == 0
    shot = os.environ.get("ATLAS_SCREENSHOT_DIR")
    if shot:
        page.locator("figure.locator").scroll_into_view_if_needed()
        page.screenshot(path=os.path.join(shot, f"incident-locator-{name}-{width}-{lang}.png"))


@pytest.mark.parametrize("lang", ("en", "fr"))
def test_locator_draws_on_incident_and_review_pages(browser, live_server, located, lang):
    email, ids = located
    base = live_server.url
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        errors, foreign = [], []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: r.url.startswith(base + "/") or foreign.append(r.url))
        _sign_in(page, base, email)
        page.goto(f"{base}/lang/{lang}?next=/incidents/{ids['point']}")
        # A city-level point: a soft dashed circle, no pin.
        _check(page, "incident", width, lang)
        assert page.locator(".locator-map path.locator-after").count() == 1
        assert page.locator(".locator-map path.locator-after").get_attribute("stroke-dasharray")
        assert page.locator(".locator-map .leaflet-marker-icon").count() == 0
        text = page.inner_text("figure.locator figcaption")
        assert "48.8600, 2.3500" in text and "10\u00a0km" in text.replace(" km", "\u00a0km")
        # An exact point: a pin (Leaflet's marker image, served by the app).
        page.goto(f"{base}/incidents/{ids['pin']}")
        page.wait_for_selector(".locator-map[data-ready=true]")
        page.wait_for_function("document.querySelector('.locator-map img.leaflet-marker-icon')"
                               "?.naturalWidth > 0")
        assert page.locator(".locator-map path.locator-after").count() == 0
        # The review page: the exact published point in grey, the area in colour.
        page.goto(f"{base}/incidents/{ids['moved']}/review")
        _check(page, "review", width, lang)
        assert page.locator(".locator-map path.locator-before").count() == 1
        assert page.locator(".locator-map path.locator-after").count() == 1
        assert page.locator(".locator-legend li").count() == 2
        # The basemap (the app's own, static/js/basemap.js) is drawn under the shapes.
        assert page.locator(".locator-map .leaflet-tile-pane path").count() > 2
        assert errors == [] and foreign == []
        context.close()
