"""The map page: served entirely by the app, safe config, filters in the URL."""
import json
import re

from app.maps.assets import remote_asset_urls

XSS_TITLES = ["<img src=x onerror=alert(1)>", "`${alert(1)}`", "\\`"]


def test_map_page_loads_nothing_from_other_hosts(client, make_incident):
    make_incident(title="Something")
    response = client.get("/map")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert remote_asset_urls(html) == []
    for src in re.findall(r'<script[^>]+src="([^"]+)"', html):
        assert src.startswith("/static/"), src
        assert client.get(src).status_code == 200, src
    for href in re.findall(r'<link(?![^>]+rel="alternate")[^>]+href="([^"]+)"', html):
        assert href.startswith("/static/"), href
        assert client.get(href).status_code == 200, href


def test_map_page_has_no_incident_data_inline(client, make_incident):
    """The page is a shell: titles reach the browser only as JSON from the API."""
    for title in XSS_TITLES:
        make_incident(title=title)
    html = client.get("/map").get_data(as_text=True)
    for title in XSS_TITLES:
        assert title not in html
    api = client.get("/api/v1/incidents?status=published").get_json()
    assert sorted(f["properties"]["title"] for f in api["features"]) == sorted(XSS_TITLES)


def test_config_json_cannot_close_the_script(client, app):
    from app.maps.threat_map import script_json
    text = script_json({"x": "</script><script>alert(1)</script>", "y": "\u2028"})
    assert "</script>" not in text and "<" not in text
    assert json.loads(text)["x"] == "</script><script>alert(1)</script>"


def test_inline_scripts_carry_the_csp_nonce(client):
    response = client.get("/map")
    csp = response.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    html = response.get_data(as_text=True)
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline, "the map needs its inline bootstrap script"
    for attrs in inline:
        assert f'nonce="{nonce}"' in attrs
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in csp


def test_filters_flow_into_the_data_url(client, make_incident):
    """The page's data URL carries the filters and serves published incidents only."""
    make_incident(title="Match", vectors=["cyber"], countries=["FRA"], confidence=80)
    make_incident(title="Draft match", vectors=["cyber"], countries=["FRA"], confidence=80,
                  status="draft")
    make_incident(title="Too weak", vectors=["cyber"], countries=["FRA"], confidence=60)
    html = client.get("/map?vector=cyber&country=FRA&min_confidence=70").get_data(as_text=True)
    match = re.search(r'"dataUrl":"([^"]+)"', html)
    data_url = match.group(1).replace("\\u0026", "&")
    assert data_url.startswith("/api/v1/map?")
    assert "vector=cyber" in data_url and "country=FRA" in data_url
    assert "min_confidence=70" in data_url
    data = client.get(data_url + "&bbox=-180,-85,180,85&zoom=10").get_json()
    assert [f["title"] for f in data["features"]] == ["Match"]


def test_permalink_view_sets_the_initial_map_view(client):
    html = client.get("/map?at=56.95,24.1,9").get_data(as_text=True)
    assert "center: [56.95, 24.1]" in html and '"zoom": 9,' in html
    # A malformed view falls back to the default instead of failing.
    assert client.get("/map?at=abc").status_code == 200


def test_bad_filter_is_a_clear_400_page(client):
    response = client.get("/map?from=someday")
    assert response.status_code == 400
    assert "is not a date" in response.get_data(as_text=True)


def test_offline_basemap_is_served(client):
    response = client.get("/geodata/countries-110m.geojson")
    assert response.status_code == 200
    assert response.get_json()["type"] == "FeatureCollection"


def test_tile_url_is_configurable(app, client):
    app.config["ATLAS_TILES"] = "https://tiles.example.org/{z}/{x}/{y}.png"
    app.config["ATLAS_TILES_ATTRIBUTION"] = "&copy; Example tiles"
    response = client.get("/map")
    html = response.get_data(as_text=True)
    assert "https://tiles.example.org/{z}/{x}/{y}.png" in html
    assert "https://tiles.example.org" in response.headers["Content-Security-Policy"]


def test_incident_page_shows_text_as_text(client, make_incident):
    incident = make_incident(title="<img src=x onerror=alert(1)>",
                             summary="`${alert(1)}` and \\`")
    html = client.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_healthz(client, backend):
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok"
    assert body["database"] == ("postgresql" if backend == "postgis" else "sqlite")
