"""The map's platform filter in real Chromium: the selector narrows the map, the list and
the URL, and a reload restores it."""
from tests.e2e.test_map_browser import (_after_render, _editor, _list_titles, _open,
                                        _publish)


def test_platform_selector_filters_the_map(page, live_app, live_server):
    editor = _editor()
    _publish(editor, title="Telegram channel", wkt="POINT (2.35 48.86)",
             platforms=["telegram"])
    _publish(editor, title="TV and X", wkt="POINT (13.4 52.52)", platforms=["tv", "x"])
    _publish(editor, title="Leaflets", wkt="POINT (21.0 52.2)")
    _open(page, live_server.url + "/map?at=51,12,5")
    assert _list_titles(page) == ["Leaflets", "TV and X", "Telegram channel"]

    def choose(value):
        page.select_option("#atlas-platform", value)
        page.click("form.filters button[type=submit]")
    _after_render(page, lambda: choose("x"))
    assert _list_titles(page) == ["TV and X"]
    assert page.locator(".folium-map").get_attribute("data-shown") == "1"
    assert "platform=x" in page.url
    _after_render(page, lambda: choose("none"))
    assert _list_titles(page) == ["Leaflets"]
    page.goto(page.url)
    page.wait_for_selector(".folium-map[data-atlas-ready=true]", timeout=15000)
    assert _list_titles(page) == ["Leaflets"]
    assert page.input_value("#atlas-platform") == "none"
    _after_render(page, lambda: choose(""))
    assert len(_list_titles(page)) == 3
    assert page.watch.foreign_requests() == [] and page.watch.errors == []


def test_platform_selector_speaks_french(page, live_app, live_server):
    _open(page, live_server.url + "/map?lang=fr")
    options = page.locator("#atlas-platform option").all_inner_texts()
    assert options[0] == "Toutes les plateformes" and "Télévision" in options
    assert options[-1] == "Sans plateforme"
