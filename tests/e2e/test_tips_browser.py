"""An anonymous report in real Chromium: fill the form, pick on the map, follow the receipt."""
import re

import sqlalchemy as sa

from app.extensions import db
from app.tips.models import Tip


def test_anonymous_report_end_to_end(page, live_app, live_server):
    page.goto(live_server.url + "/map")
    page.get_by_role("link", name="Report a campaign").click()
    page.wait_for_url(re.compile(r"/tips/new$"))
    page.fill("#description", "Fake <b>ministry</b> letter shared by bot accounts")
    page.fill("#seen_on", "2026-11-20")
    page.fill("#location_name", "Vilnius")
    page.select_option("#country", "LTU")
    page.fill("#evidence", "https://social.example/post/1\nhttps://social.example/post/1/")
    # The map picker: the offline basemap draws, a click sets the hidden lat/lon.
    page.wait_for_selector("#tip-map[data-basemap=coarse]", timeout=15000)
    assert page.locator("#tip-map .leaflet-tile-pane path").count() > 100
    page.locator("#tip-map").click(position={"x": 200, "y": 100})
    assert page.locator("#tip-map").get_attribute("data-picked") == "true"
    assert page.input_value("#lat") != "" and page.input_value("#lon") != ""
    # The honeypot is off screen, so people never fill it.
    box = page.locator(".hp").bounding_box()
    assert box["x"] + box["width"] <= 0
    page.get_by_role("button", name="Send the report").click()
    page.wait_for_selector("#receipt")
    receipt = page.locator("#receipt").inner_text()
    assert len(receipt) >= 22
    # Reloading the receipt page shows the same receipt and sends nothing again.
    assert page.url.split("?")[0].endswith("/tips/received")
    page.reload()
    assert page.locator("#receipt").inner_text() == receipt

    with live_app.app_context():
        tip = db.session.scalars(sa.select(Tip)).one()
        assert tip.description == "Fake <b>ministry</b> letter shared by bot accounts"
        assert tip.country == "LTU" and tip.lat is not None
        assert [e.url for e in tip.evidence] == ["https://social.example/post/1"]

    page.goto(live_server.url + "/tips/" + receipt)
    assert page.locator("#tip-status").inner_text() == "Received"
    assert "Vilnius" not in page.content() and "ministry" not in page.content()
    # Checking by the form keeps the code out of the address bar.
    page.goto(live_server.url + "/tips/status")
    page.fill("#receipt", receipt)
    page.get_by_role("button", name="Check").click()
    page.wait_for_selector("#tip-status")
    assert page.locator("#tip-status").inner_text() == "Received"
    assert receipt not in page.url
    assert page.watch.errors == [] and page.watch.dialogs == []
    assert page.watch.foreign_requests() == []


def test_report_form_in_french(page, live_server):
    page.goto(live_server.url + "/tips/new?lang=fr")
    assert page.get_by_role("button", name="Envoyer le signalement").is_visible()
    page.fill("#description", "Campagne de faux comptes")
    page.get_by_role("button", name="Envoyer le signalement").click()
    page.wait_for_selector("#receipt")
    assert page.locator("h1").inner_text() == "Merci, votre signalement a été reçu"
