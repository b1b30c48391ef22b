"""Stored XSS, executed in real Chromium: every page that shows user text shows it as text.

(The attack class of tests/security/; it lives here for the browser fixtures.)

Pages covered: the incident page (title, summary, actor, place, source
publisher), the map (list twin and popups are covered by
tests/e2e/test_map_browser.py), the admin account list and the audit log
(emails and details), the header (the signed-in email).
"""
import pytest

from app.audit.service import record
from app.auth.service import create_user
from app.incidents import service
from app.incidents.schema import parse_incident

PAYLOADS = ['<img src=x onerror=alert(1)>', '"><script>alert(2)</script>',
            "`${alert(3)}`", "</title><svg onload=alert(4)>", "javascript:alert(5)"]
PASSWORD = "correct horse battery"


def _no_script_ran(page):
    assert page.watch.dialogs == []
    assert page.locator("img[src=x]").count() == 0
    assert page.locator("svg[onload]").count() == 0
    assert page.evaluate("() => document.querySelectorAll('script:not([src])').length") \
        == page.evaluate("() => document.querySelectorAll('script[nonce]:not([src])').length")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_incident_page_shows_every_field_as_text(page, live_app, live_server, payload):
    editor = create_user(email="ed@example.org", password=PASSWORD, role="editor")
    data = parse_incident({
        "title": payload, "summary": f"before {payload} after", "start_date": "2025-03-01",
        "wkt": "POINT (2.35 48.86)", "vectors": ["cyber"], "actor": f"Actor {payload}",
        "location_name": payload,
        "sources": [{"url": "https://example.org/a", "publisher": payload}]})
    incident = service.create_incident(data=data, author=editor, status="published")
    page.goto(f"{live_server.url}/incidents/{incident.id}")
    assert page.locator("h1").inner_text() == payload
    assert payload in page.locator(".summary").inner_text()
    assert page.locator("ol.sources a").inner_text() == payload
    assert page.title().startswith(payload)
    _no_script_ran(page)


def test_admin_pages_show_emails_and_audit_details_as_text(page, live_app, live_server):
    admin = create_user(email="admin@example.org", password=PASSWORD, role="admin")
    create_user(email="x<img/src=x/onerror=alert(7)>@example.org", password=PASSWORD,
                role="reader")
    record(admin, "settings.change", PAYLOADS[1], {"note": PAYLOADS[0]}, commit=True)
    page.goto(live_server.url + "/login")
    page.fill("#email", "admin@example.org")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/map")
    page.goto(live_server.url + "/admin/users")
    assert "x<img/src=x/onerror=alert(7)>@example.org" in page.locator("table").inner_text()
    _no_script_ran(page)
    page.goto(live_server.url + "/admin/audit")
    text = page.locator("table").inner_text()
    assert PAYLOADS[1] in text and "onerror=alert(1)" in text
    _no_script_ran(page)
