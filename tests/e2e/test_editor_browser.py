"""The editor in real Chromium: a contributor draws a polygon and submits it,
an editor publishes it, and it appears on the public map."""
from app.auth.service import create_user
from app.extensions import db

PASSWORD = "correct horse battery"
TITLE = "Drawn disinformation hub"


def _sign_in(page, base, email):
    page.goto(base + "/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/map")


def _draw_polygon(page):
    page.wait_for_selector("#editor-map[data-ready=true]")
    page.click(".leaflet-pm-icon-polygon")
    box = page.locator("#editor-map").bounding_box()
    x0, y0 = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    corners = [(x0 - 40, y0 - 30), (x0 + 40, y0 - 30), (x0 + 40, y0 + 30), (x0 - 40, y0 + 30)]
    for x, y in corners:
        page.mouse.click(x, y)
    page.mouse.click(*corners[0])  # back on the first corner closes the ring
    page.wait_for_selector("#editor-map[data-valid=true]")


def test_contributor_draws_editor_publishes_map_shows_it(browser, live_app, live_server):
    base = live_server.url
    create_user(email="contrib@example.org", password=PASSWORD, role="contributor")
    create_user(email="editor@example.org", password=PASSWORD, role="editor")

    contributor = browser.new_context().new_page()
    errors, requests = [], []
    contributor.on("pageerror", lambda e: errors.append(str(e)))
    contributor.on("request", lambda r: requests.append(r.url))
    _sign_in(contributor, base, "contrib@example.org")
    contributor.click("text=New incident")
    _draw_polygon(contributor)
    geometry = contributor.input_value("#geometry")
    assert '"type": "Polygon"' in geometry or '"type":"Polygon"' in geometry
    # The derived countries are shown and filled in, and can be corrected.
    assert contributor.inner_text("#derived-countries") != "—"
    assert contributor.input_value("#countries") != ""
    assert contributor.locator("#editor-map .leaflet-overlay-pane path").count() >= 1
    contributor.fill("#title", TITLE)
    contributor.fill("#start_date", "2025-05-01")
    contributor.check("input[name=vectors][value=information]")
    contributor.fill("#technique-q", "T0002")
    contributor.locator("#technique-results button").first.click()
    assert "T0002" in contributor.input_value("#techniques")
    contributor.click("#save-submit")
    contributor.wait_for_selector("text=Saved and submitted for review.")
    assert contributor.text_content(".badge").strip() == "submitted"
    assert errors == []
    # Leaflet, Geoman, the basemap and the helpers all come from the app itself.
    assert [u for u in requests if not u.startswith(base + "/")] == []
    assert any("leaflet-geoman" in u for u in requests)

    # Not public yet.
    anonymous = browser.new_context().new_page()
    listed = anonymous.request.get(base + "/api/v1/incidents").json()
    assert TITLE not in [f["properties"]["title"] for f in listed["features"]]

    editor = browser.new_context().new_page()
    _sign_in(editor, base, "editor@example.org")
    editor.click("text=Review queue")
    editor.click(f"#queue tr:has-text('{TITLE}') .review-link")
    assert editor.locator("#publish-diff tr[data-field=title] .after").inner_text() == TITLE
    editor.click("button[data-status=published]")
    editor.wait_for_selector("text=The incident is now published.")
    assert editor.inner_text("#queue-counts a[data-status=published] strong") == "1"
    assert editor.inner_text("#queue-counts a[data-status=submitted] strong") == "0"

    listed = anonymous.request.get(base + "/api/v1/incidents").json()
    feature = [f for f in listed["features"] if f["properties"]["title"] == TITLE]
    assert feature and feature[0]["geometry"]["type"] == "Polygon"
    anonymous.goto(base + "/map")
    anonymous.wait_for_selector(".folium-map[data-atlas-ready=true]", timeout=15000)
    assert anonymous.locator(".folium-map").get_attribute("data-shown") == "1"
    assert TITLE in anonymous.locator("#atlas-list").inner_text()


def test_two_browsers_edit_the_same_incident_and_the_second_sees_the_conflict(
        browser, live_app, live_server):
    from app.incidents import service
    from app.incidents.schema import parse_incident
    base = live_server.url
    first_user = create_user(email="a@example.org", password=PASSWORD, role="editor")
    create_user(email="b@example.org", password=PASSWORD, role="editor")
    incident = service.create_incident(data=parse_incident({
        "title": "Shared incident", "start_date": "2025-02-01", "wkt": "POINT (2.35 48.86)"}),
        author=first_user)
    incident_id = incident.id
    # Reading the id opened a SQLite transaction in this thread (BEGIN IMMEDIATE
    # outside requests): end it, or the server's writes would wait on our lock.
    db.session.commit()
    pages = []
    for email in ("a@example.org", "b@example.org"):
        page = browser.new_context().new_page()
        _sign_in(page, base, email)
        page.goto(f"{base}/incidents/{incident_id}/edit")
        page.wait_for_selector("#editor-map[data-valid=true]")
        pages.append(page)
    first, second = pages
    first.fill("#title", "Renamed by A")
    first.click("#save")
    first.wait_for_selector("text=Saved.")
    # B moves it to Berlin with the gazetteer, unaware of A's save.
    second.fill("#place-q", "Berlin")
    second.locator("#place-results button", has_text="Berlin").first.click()
    second.wait_for_selector("#derived-countries:has-text('DEU')")
    assert second.input_value("#countries") == "DEU"  # the new place's country replaces FRA
    second.click("#save")
    conflict = second.locator("#conflict")
    conflict.wait_for()
    assert "Someone else saved this incident" in conflict.inner_text()
    assert second.locator("#conflict tr[data-field=title] .after").inner_text() == "Renamed by A"
    assert "13.4" in second.input_value("#geometry")  # B's edit is kept, not lost
    listed = first.request.get(f"{base}/api/v1/incidents/{incident_id}").json()
    assert listed["properties"]["title"] == "Renamed by A"
    assert listed["geometry"]["coordinates"] == [2.35, 48.86]
