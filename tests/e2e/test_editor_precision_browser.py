"""The editor's honest precision and French drawing tool, in real Chromium."""
from app.auth.service import create_user
from app.extensions import db

PASSWORD = "correct horse battery"


def _editor_page(browser, base, lang):
    create_user(email=f"contrib-{lang}@example.org", password=PASSWORD, role="contributor")
    db.session.commit()
    db.session.close()
    page = browser.new_context().new_page()
    page.goto(base + "/login")
    page.fill("#email", f"contrib-{lang}@example.org")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/map")
    page.goto(f"{base}/lang/{lang}?next=/incidents/new")
    page.wait_for_selector("#editor-map[data-ready=true]")
    return page


def test_point_clicked_on_a_continent_map_is_country_level_and_says_why(
        browser, live_app, live_server):
    page = _editor_page(browser, live_server.url, "en")
    assert page.input_value("#geo_precision") == "exact"  # the form's default
    page.click(".leaflet-pm-icon-marker")
    box = page.locator("#editor-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("#editor-map[data-valid=true]")
    assert page.input_value("#geo_precision") == "country"  # zoom 3
    assert "zoom" in page.inner_text("#precision-note")
    # Typed coordinates may be exact: the note says the choice is the contributor's.
    page.fill("#geometry", "48.8566, 2.3522")
    page.locator("#geometry").dispatch_event("change")
    assert "Typed coordinates" in page.inner_text("#precision-note")


def test_drawing_tool_speaks_french(browser, live_app, live_server):
    page = _editor_page(browser, live_server.url, "fr")
    page.click(".leaflet-pm-icon-marker")
    page.mouse.move(300, 300)
    box = page.locator("#editor-map").bounding_box()
    page.mouse.move(box["x"] + 100, box["y"] + 100)
    # The catalogue's strings, not Geoman's own French or English.
    text = page.inner_text("#editor-map")
    assert "Cliquer pour placer le point" in text and "Annuler" in text
    assert "Click" not in text and "Cancel" not in text
