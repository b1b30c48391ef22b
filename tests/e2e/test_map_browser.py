"""The map in real Chromium: XSS titles stay text, layers group, nothing leaves 127.0.0.1."""
from tests.e2e.map_helpers import after_render as _after_render
from tests.e2e.map_helpers import list_titles as _list_titles
from tests.e2e.map_helpers import make_editor as _editor
from tests.e2e.map_helpers import open_map as _open
from tests.e2e.map_helpers import publish as _publish

XSS_TITLES = ["<img src=x onerror=alert(1)>", "`${alert(1)}`", "\\`"]


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


def _box(page, group, key):
    return page.locator(f".atlas-control fieldset[data-group={group}] input[data-key='{key}']")


def test_toggling_a_vector_layer_hides_its_incidents(page, live_app, live_server):
    editor = _editor()
    _publish(editor, title="Info op", wkt="POINT (2.35 48.86)", vectors=["information"])
    _publish(editor, title="Grid intrusion", wkt="POINT (13.4 52.52)", vectors=["cyber"])
    _open(page, live_server.url + "/map")
    assert page.locator(".folium-map").get_attribute("data-shown") == "2"
    assert page.locator(".leaflet-marker-icon.atlas-marker").count() == 2
    _after_render(page, lambda: _box(page, "vector", "cyber").uncheck())
    assert page.locator(".folium-map").get_attribute("data-shown") == "1"
    assert page.locator(".leaflet-marker-icon.atlas-marker").count() == 1
    assert page.locator("#atlas-list tbody td:nth-child(2)").all_inner_texts() == ["Info op"]
    # The layer stays listed, unticked, with the count ticking it would add.
    assert not _box(page, "vector", "cyber").is_checked()
    assert page.watch.foreign_requests() == [] and page.watch.errors == []


def test_cross_filter_rule_on_a_crafted_set(page, live_app, live_server):
    """Actor on AND any vector on AND any country on, driven through the layer control."""
    editor = _editor()
    _publish(editor, title="A info FRA", actor="Alpha", vectors=["information"],
             countries=["FRA"], wkt="POINT (2.35 48.86)")
    _publish(editor, title="A cyber+info DEU", actor="Alpha",
             vectors=["cyber", "information"], countries=["DEU"], wkt="POINT (13.4 52.52)")
    _publish(editor, title="B cyber FRA+DEU", actor="Beta", vectors=["cyber"],
             countries=["FRA", "DEU"], wkt="POINT (7.0 50.0)")
    _publish(editor, title="B sabotage POL", actor="Beta", vectors=["sabotage"],
             countries=["POL"], wkt="POINT (21.0 52.2)")
    _open(page, live_server.url + "/map?at=51,12,5")
    assert len(_list_titles(page)) == 4
    _after_render(page, lambda: _box(page, "vector", "information").uncheck())
    # "A cyber+info DEU" stays: one of its vectors (cyber) is still on.
    assert _list_titles(page) == ["A cyber+info DEU", "B cyber FRA+DEU", "B sabotage POL"]
    _after_render(page, lambda: _box(page, "country", "DEU").uncheck())
    # "B cyber FRA+DEU" stays through FRA; "A cyber+info DEU" had only DEU.
    assert _list_titles(page) == ["B cyber FRA+DEU", "B sabotage POL"]
    beta = page.locator(".atlas-control fieldset[data-group=actor] label",
                        has_text="Beta").locator("input")
    _after_render(page, lambda: beta.uncheck())
    assert _list_titles(page) == []
    assert page.locator(".folium-map").get_attribute("data-shown") == "0"
    _after_render(page, lambda: _box(page, "vector", "information").check())
    assert _list_titles(page) == ["A info FRA"]


def test_filters_update_the_url_and_reload_restores_the_view(page, live_app, live_server):
    editor = _editor()
    _publish(editor, title="Weak info", wkt="POINT (2.35 48.86)", confidence=30)
    _publish(editor, title="Strong info", wkt="POINT (4.35 50.85)", confidence=90)
    _publish(editor, title="Strong cyber", wkt="POINT (13.4 52.52)", vectors=["cyber"],
             confidence=90)
    _open(page, live_server.url + "/map")
    _after_render(page, lambda: _box(page, "vector", "cyber").uncheck())

    def apply_confidence():
        page.fill("input[name=min_confidence]", "80")
        page.click("form.filters button[type=submit]")
    _after_render(page, apply_confidence)
    assert _list_titles(page) == ["Strong info"]
    url = page.url
    assert "vector=information" in url and "min_confidence=80" in url and "at=" in url
    page.goto(url)
    page.wait_for_selector(".folium-map[data-atlas-ready=true]", timeout=15000)
    assert _list_titles(page) == ["Strong info"]
    assert not _box(page, "vector", "cyber").is_checked()
    assert _box(page, "vector", "information").is_checked()
    assert page.input_value("input[name=min_confidence]") == "80"


def test_time_slider_and_playback_change_what_is_shown(page, live_app, live_server):
    editor = _editor()
    _publish(editor, title="January", start_date="2025-01-10", wkt="POINT (2.35 48.86)")
    _publish(editor, title="March to June", start_date="2025-03-05", end_date="2025-06-20",
             wkt="POINT (13.4 52.52)")
    _publish(editor, title="August", start_date="2025-08-01", wkt="POINT (21.0 52.2)")
    _open(page, live_server.url + "/map")
    assert len(_list_titles(page)) == 3
    slider = page.locator("#atlas-slider-from")
    assert slider.get_attribute("max") == "7"  # 2025-01 … 2025-08

    def move_to_april():
        slider.focus()
        for _ in range(3):
            page.keyboard.press("ArrowRight")
    _after_render(page, move_to_april)
    page.wait_for_function("() => document.getElementById('atlas-period').textContent"
                           " === 'April 2025 – August 2025'")
    page.wait_for_function("() => document.querySelectorAll("
                           "'#atlas-list tbody tr[data-id]').length === 2")
    assert _list_titles(page) == ["August", "March to June"]
    assert "from=2025-04-01" in page.url
    assert page.input_value("input[name=from]") == "2025-04-01"
    # Playback steps month by month from the slider's start; an interval stays
    # visible in every month it covers.
    page.evaluate("() => { AtlasMap.instances[0].cfg.playbackMs = 400; }")
    page.click("#atlas-play")
    page.wait_for_function("() => document.getElementById('atlas-period').textContent"
                           " === 'May 2025 – May 2025'", timeout=15000)
    # Pause puts back the period chosen before Play: no one-month period is left
    # silently in the URL for a later search to trip on.
    page.click("#atlas-play")
    page.wait_for_function("() => document.getElementById('atlas-period').textContent"
                           " === 'April 2025 – August 2025'", timeout=15000)
    page.wait_for_function("() => document.querySelector('.folium-map').dataset.loading"
                           " === 'false'")
    assert _list_titles(page) == ["August", "March to June"]
    assert "from=2025-04-01" in page.url and "to=2025-08-31" in page.url
    assert page.input_value("input[name=to]") == "2025-08-31"


def test_clusters_tell_the_truth_and_the_barometer_shades_countries(page, live_app,
                                                                    live_server):
    editor = _editor()
    _publish(editor, title="Riga 1", wkt="POINT (24.10 56.95)", countries=["LVA"])
    _publish(editor, title="Riga 2", wkt="POINT (24.12 56.96)", countries=["LVA"])
    _publish(editor, title="Lisbon", wkt="POINT (-9.14 38.72)", countries=["PRT"])
    _open(page, live_server.url + "/map")
    assert page.locator(".folium-map").get_attribute("data-shown") == "3"
    assert page.locator(".atlas-cluster-icon").all_inner_texts() == ["2"]
    assert _list_titles(page) == ["Lisbon"]
    assert page.locator("#atlas-list tr.cluster-row td:nth-child(2)").all_inner_texts() == [
        "Cluster of 2 incidents"]
    # Clicking the cluster zooms in until its incidents stand alone.
    for _ in range(6):
        if page.locator(".atlas-cluster-icon").count() == 0:
            break
        _after_render(page, lambda: page.locator(".atlas-cluster-icon").first.click())
    assert "Riga 1" in _list_titles(page) and "Riga 2" in _list_titles(page)
    page.goto(live_server.url + "/map?barometer=1")
    page.wait_for_selector(".folium-map[data-barometer]", timeout=15000)
    assert page.locator(".folium-map").get_attribute("data-barometer") == "2"
    assert page.locator(".atlas-legend").is_visible()
    assert page.watch.foreign_requests() == [] and page.watch.errors == []


def test_actor_and_layer_names_are_text(page, live_app, live_server):
    editor = _editor()
    evil = "<img src=x onerror=alert(2)>"
    _publish(editor, title="Named by a troll", actor=evil, wkt="POINT (2.35 48.86)")
    _open(page, live_server.url + "/map")
    labels = page.locator(".atlas-control fieldset[data-group=actor] label").all_inner_texts()
    assert any(evil in text for text in labels)
    assert page.locator("#atlas-list tbody td:nth-child(4)").inner_text().strip() == evil
    assert page.locator("img[src=x]").count() == 0
    assert page.watch.dialogs == [] and page.watch.errors == []
    assert page.watch.foreign_requests() == []


def test_none_layers_hold_incidents_without_actor_vector_or_country(page, live_app,
                                                                    live_server):
    """Every incident sits under some layer of each group, so the rule reaches all."""
    editor = _editor()
    _publish(editor, title="Alpha info FRA", actor="Alpha", countries=["FRA"],
             wkt="POINT (2.35 48.86)")
    _publish(editor, title="Anonymous", actor=None, vectors=[], countries=["DEU"],
             wkt="POINT (13.4 52.52)")
    _publish(editor, title="At sea", actor="Alpha", vectors=["cyber"], countries=[],
             wkt="POINT (-20 40)")
    _open(page, live_server.url + "/map?at=45,0,3")
    assert len(_list_titles(page)) == 3
    labels = page.locator(".atlas-control fieldset[data-group=actor] label").all_inner_texts()
    assert labels[-1].split("\n")[0].strip().startswith("No actor")
    assert _box(page, "vector", "none").is_checked()
    _after_render(page, lambda: _box(page, "actor", "none").uncheck())
    assert _list_titles(page) == ["Alpha info FRA", "At sea"]
    assert "actor=" in page.url and "none" not in page.url.split("actor=")[1].split("&")[0]
    _after_render(page, lambda: _box(page, "country", "none").uncheck())
    assert _list_titles(page) == ["Alpha info FRA"]
    # Only the "none" layers on: what has no actor, vector or country at all.
    page.goto(live_server.url + "/map?at=45,0,3&vector=none")
    page.wait_for_selector(".folium-map[data-atlas-ready=true]", timeout=15000)
    assert _list_titles(page) == ["Anonymous"]
    assert _box(page, "vector", "none").is_checked()
    assert not _box(page, "vector", "information").is_checked()
    assert page.watch.errors == [] and page.watch.foreign_requests() == []


def test_popup_speaks_the_readers_language(page, live_app, live_server):
    """Labels from the page, dates written per locale and to the incident's precision."""
    editor = _editor()
    _publish(editor, title="Leak", wkt="POINT (2 48)", end_date="2025-03-04",
             geo_precision="city")
    _publish(editor, title="Campaign", wkt="POINT (24 56)", start_date="2024-11",
             time_precision="month")
    for lang, leak, campaign, actor in [
            ("en", "1 March 2025 – 4 March 2025", "November 2024",
             "Actor: Test Actor (unknown)"),
            ("fr", "1 mars 2025 – 4 mars 2025", "novembre 2024",
             "Acteur\u00a0: Test Actor (inconnu)")]:
        _open(page, f"{live_server.url}/map?lang={lang}")
        seen = {}
        markers = page.locator(".leaflet-marker-icon.atlas-marker")
        for i in range(markers.count()):
            markers.nth(i).click()
            page.wait_for_selector(".leaflet-popup .atlas-popup h3")
            texts = page.locator(".leaflet-popup .atlas-popup p").all_inner_texts()
            seen[page.locator(".leaflet-popup .atlas-popup h3").inner_text()] = texts
            page.evaluate("() => AtlasMap.instances[0].map.closePopup()")
            page.wait_for_selector(".leaflet-popup", state="detached")
        assert seen["Leak"][0] == leak and seen["Campaign"][0] == campaign
        assert seen["Leak"][1] == actor
    assert page.watch.errors == []
