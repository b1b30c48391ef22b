"""The import page's dry run in real Chromium: the preview's table lists every row a
file would add and its locator map draws every geometry, over the app's own basemap,
at phone and desktop widths, English and French, with nothing wider than the screen."""
import pytest

from app.auth.service import create_user
from app.extensions import db
from tests.e2e.test_editor_browser import _sign_in
from tests.e2e.test_responsive_browser import _overflow

PASSWORD = "correct horse battery"
HOSTILE = "<img src=x onerror=alert(1)>"
FILE = ("title,start_date,vectors,geo_precision,precision_m,wkt\n"
        f'"Cable cut {HOSTILE}",2025-01-02,cyber,exact,,POINT (24.95 60.16)\n'
        "Posts about water,2025-04-01,information,city,10000,POINT (21.01 52.23)\n"
        'Border push,2025-02-01,migration,region,,"LINESTRING (22.93 54.10, 23.97 54.02)"\n'
        'Drill area,2025-03-01,military,exact,,"POLYGON ((18 55, 19 55, 19 56, 18 55))"\n')


@pytest.fixture
def contributor(live_app):
    email = create_user(email="importer@example.org", password=PASSWORD,
                        role="contributor").email
    # End the fixture's transaction: the live server writes (sessions, the import) too.
    db.session.commit()
    db.session.close()
    return email


@pytest.mark.parametrize("width", (390, 1366))
def test_dry_run_shows_a_table_and_a_map_of_what_would_be_imported(
        browser, live_server, contributor, tmp_path, width):
    path = tmp_path / "incidents.csv"
    path.write_text(FILE)
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    base = live_server.url
    _sign_in(page, base, contributor)
    for lang in ("en", "fr"):
        page.goto(f"{base}/import?lang={lang}")
        page.set_input_files("#file", str(path))
        assert page.is_checked("#dry_run")
        page.click("main form button[type=submit]")
        page.wait_for_selector(".locator-map[data-ready=true]", timeout=20000)
        rows = page.locator("table.import-preview tbody tr")
        assert rows.count() == 4
        assert rows.nth(0).locator("td").nth(1).inner_text() == f"Cable cut {HOSTILE}"
        assert page.locator("table.import-preview img").count() == 0
        # One marker for the exact point, a circle, a line and an area for the others.
        preview = page.locator(".locator-map")
        assert preview.locator(".leaflet-marker-icon").count() == 1
        assert preview.locator("path.locator-after").count() == 3
        assert preview.locator(".leaflet-tile-pane path").count() > 3  # the basemap under them
        box = preview.bounding_box()
        assert box["width"] > 200 and box["height"] > 150
        over, culprits = _overflow(page)
        assert over <= 0, (lang, width, culprits)
    assert errors == []
    assert [u for u in requests if not u.startswith((base + "/", "data:"))] == []
    context.close()
