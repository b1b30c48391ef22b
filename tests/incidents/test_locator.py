"""The locator map's data on the incident and review pages: geometry and precision."""
import html
import json
import re

from app.incidents import service
from app.incidents.schema import parse_incident
from tests.incidents.test_editor_pages import forget_cached_user


def _locator(page):
    """The ``data-locator`` JSON of a page (HTML-escaped in its attribute)."""
    found = re.search(r'class="locator-map" role="img" aria-label="[^"]+"[^>]*'
                      r'data-locator="([^"]+)"', page)
    assert found, "no locator map on the page"
    return json.loads(html.unescape(found.group(1)))


def test_incident_page_carries_geometry_and_precision(app, client, make_incident):
    incident = make_incident(title="Leak", geo_precision="city", precision_m=10000)
    page = client.get(f"/incidents/{incident.id}").get_data(as_text=True)
    data = _locator(page)
    assert data == {"before": None, "after": {
        "geometry": {"type": "Point", "coordinates": [2.35, 48.86]},
        "geo_precision": "city", "precision_m": 10000}}
    # The text the map decorates, and the assets served by the app itself.
    assert "Point at 48.8600, 2.3500 — city-level, about 10 km" in page
    assert "/static/js/locator.js" in page and "/static/vendor/leaflet/leaflet.js" in page


def test_review_page_draws_the_published_location_and_the_proposed_one(
        app, auth, make_incident, make_user):
    editor = make_user("editor")
    incident = make_incident(title="Moved", author=editor, geo_precision="exact")
    for status in ("archived", "draft"):
        service.set_status(incident=incident, status=status, reason=None,
                           expected_version=incident.version, editor=editor)
    service.update_incident(
        incident=incident, editor=editor, expected_version=incident.version,
        data=parse_incident({"wkt": "POLYGON ((2 48, 3 48, 3 49, 2 49, 2 48))",
                             "geo_precision": "region"}, partial=True))
    client = app.test_client()
    forget_cached_user()
    auth.client = client
    auth.login(editor.email)
    forget_cached_user()
    page = client.get(f"/incidents/{incident.id}/review").get_data(as_text=True)
    data = _locator(page)
    assert data["before"] == {"geometry": {"type": "Point", "coordinates": [2.35, 48.86]},
                              "geo_precision": "exact", "precision_m": None}
    assert data["after"]["geometry"]["type"] == "Polygon"
    assert data["after"]["geo_precision"] == "region"
    # The legend says in words which shape is which.
    assert re.search(r"Grey, dashed: last published — Point at 48\.8600, 2\.3500 — exact", page)
    assert re.search(r"In colour: now — An area — region-level", page)
