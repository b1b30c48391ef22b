"""The map in real Chromium: XSS titles stay text, layers group, nothing leaves 127.0.0.1."""
from app.incidents import service
from app.incidents.schema import parse_incident

XSS_TITLES = ["<img src=x onerror=alert(1)>", "`${alert(1)}`", "\\`"]


def _publish(user, **fields):
    data = {"start_date": "2025-03-01", "vectors": ["information"], "actor": "Test Actor",
            "confidence": 70, **fields}
    return service.create_incident(data=parse_incident(data), author=user,
                                   status="published")


def _editor():
    from app.auth.service import create_user
    return create_user(email="ed@example.org", password="correct horse battery",
                       role="editor")


def test_xss_titles_render_as_text_and_nothing_leaves_localhost(page, live_app, live_server):
    editor = _editor()
    for i, title in enumerate(XSS_TITLES):
        _publish(editor, title=title, wkt=f"POINT ({2 + i * 8} {48 + i})")
    _publish(editor, title="Cable line", vectors=["sabotage"],
             wkt="LINESTRING (22.93 54.10, 23.97 54.02)")
    page.goto(live_server.url + "/map")
    page.wait_for_selector(".folium-map[data-atlas-ready=true]", timeout=15000)
    # The map rendered: Leaflet panes, markers and the offline basemap are there.
    assert page.locator(".leaflet-marker-icon").count() >= 1
    assert page.locator(".leaflet-overlay-pane path").count() >= 1
    # The list twin shows each title as literal text.
    cells = page.locator("#atlas-list tbody td:nth-child(2)").all_inner_texts()
    assert sorted(cells) == sorted(XSS_TITLES + ["Cable line"])
    # The layer control holds the three groups.
    legends = page.locator(".atlas-control legend").all_inner_texts()
    assert legends == ["Actors", "Vectors", "Countries"]
    # Open the popup of every marker: its title is text, no script runs.
    markers = page.locator(".leaflet-marker-icon.atlas-marker")
    assert markers.count() == len(XSS_TITLES)
    titles = []
    for i in range(markers.count()):
        markers.nth(i).click()
        titles.append(page.locator(".leaflet-popup .atlas-popup h3").inner_text())
        page.evaluate("() => AtlasMap.instances[0].map.closePopup()")
        page.wait_for_selector(".leaflet-popup", state="detached")
    assert sorted(titles) == sorted(XSS_TITLES)
    assert page.watch.dialogs == []
    assert page.locator("img[src=x]").count() == 0
    assert page.watch.errors == []
    assert page.watch.foreign_requests() == []


def test_toggling_a_vector_layer_hides_its_incidents(page, live_app, live_server):
    editor = _editor()
    _publish(editor, title="Info op", wkt="POINT (2.35 48.86)", vectors=["information"])
    _publish(editor, title="Grid intrusion", wkt="POINT (13.4 52.52)", vectors=["cyber"])
    page.goto(live_server.url + "/map")
    page.wait_for_selector(".folium-map[data-atlas-ready=true]", timeout=15000)
    assert page.locator(".folium-map").get_attribute("data-shown") == "2"
    page.locator('.atlas-control fieldset[data-group=vector] input[data-key=cyber]').uncheck()
    assert page.locator(".folium-map").get_attribute("data-shown") == "1"
    assert page.locator("#atlas-list tbody td:nth-child(2)").all_inner_texts() == ["Info op"]
