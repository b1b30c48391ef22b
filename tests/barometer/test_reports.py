"""Quarterly reports: which exist, what they show, and editors' narratives."""
import re

from flask import g
from flask_babel import refresh

from app.barometer import reports
from app.barometer.models import ReportSection
from app.extensions import db
from tests.barometer.test_service import DEU_POINT, FRA_POINT


def _reader_html(client, url):
    """The page as an anonymous reader sees it (fresh client, no cached login)."""
    g.pop("_login_user", None)  # the tests' app context outlives requests
    return client.application.test_client().get(url).get_data(as_text=True)


def _visible_text(html):
    """What a reader sees: the page without its tags (and their attributes)."""
    return re.sub(r"<[^>]*>", " ", html)


def _csrf(html):
    return re.search(r'name="(?:\w+-)?csrf_token" type="hidden" value="([^"]+)"', html)[1]


def test_report_page_for_a_past_quarter(client, make_incident):
    picked = make_incident(title="Picked <i>one</i>", start_date="2025-05-02", wkt=FRA_POINT)
    make_incident(start_date="2025-05-10", wkt=DEU_POINT, confidence=50)
    reports.set_picks(quarter=(2025, 2), incident_ids=[picked.id],
                      editor=picked.created_by)
    html = client.get("/reports/2025-Q2?lang=en").get_data(as_text=True)
    assert "Quarterly report 2025-Q2" in html
    assert "1 April 2025 – 30 June 2025" in html
    assert "Key figures" in html and "Methodology" in html and "<svg" in html
    assert "Picked &lt;i&gt;one&lt;/i&gt;" in html
    assert 'media="print"' in html
    assert "Edit this report" not in html           # readers get no forms
    listing = client.get("/reports?lang=en").get_data(as_text=True)
    assert "Quarterly reports" in listing and "/reports/2025-Q2" in listing


def test_report_404s_with_a_clear_message(client, make_incident):
    make_incident(start_date="2025-05-02")
    make_incident(start_date="2025-08-02", status="draft")
    empty = client.get("/reports/2025-Q3")
    assert empty.status_code == 404
    assert "no published incident started in it" in empty.get_data(as_text=True)
    assert client.get("/reports/2099-Q1").status_code == 404
    assert b"/reports/2025-Q3" in client.get("/reports/2025-3").data


def test_report_in_french(client, make_incident):
    make_incident(start_date="2025-05-02", wkt=DEU_POINT)
    html = client.get("/reports/2025-Q2?lang=fr").get_data(as_text=True)
    assert "Rapport trimestriel T2 2025" in html and "2025-Q2" not in _visible_text(html)
    assert 'href="/barometer?quarter=2025-Q2' in html  # keys stay in URLs
    assert "1 avril 2025 – 30 juin 2025" in html
    assert "Méthodologie" in html and "Allemagne" in html
    listing = client.get("/reports?lang=fr").get_data(as_text=True)
    assert "Rapports trimestriels" in listing and "/reports/2025-Q2" in listing
    assert "Rapport trimestriel T2 2025" in listing
    missing = client.get("/reports/2025-Q1?lang=fr").get_data(as_text=True)
    assert "aucun incident publié n’a commencé pendant ce trimestre" in missing


def test_editor_writes_publishes_with_revisions_and_stale_edits_conflict(
        client, auth, make_user, make_incident):
    make_incident(start_date="2025-05-02")
    editor = make_user("editor")
    auth.login(editor.email)
    html = client.get("/reports/2025-Q2").get_data(as_text=True)
    assert "Edit this report" in html
    token = _csrf(html)
    form = {"summary-csrf_token": token, "summary-title": "In short",
            "summary-body": "Draft <script>x</script>", "summary-version": "0"}
    assert client.post("/reports/2025-Q2/sections/summary", data=form).status_code == 302
    assert "In short" not in _reader_html(client, "/reports/2025-Q2")  # a draft
    auth.login(editor.email)
    form.update({"summary-version": "1", "summary-publish": "y", "summary-body": "Final"})
    assert client.post("/reports/2025-Q2/sections/summary", data=form).status_code == 302
    stale = client.post("/reports/2025-Q2/sections/summary", data=form)
    assert stale.status_code == 409
    section = db.session.scalar(db.select(ReportSection))
    assert (section.version, section.status, section.body) == (2, "published", "Final")
    assert [r.body for r in section.revisions] == ["Draft <script>x</script>", "Final"]
    reader_html = _reader_html(client, "/reports/2025-Q2")
    assert "In short" in reader_html and "Final" in reader_html


def test_only_editors_with_csrf_may_write(client, auth, make_user, make_incident):
    make_incident(start_date="2025-05-02")
    form = {"summary-title": "x", "summary-body": "y", "summary-version": "0"}
    anonymous = client.post("/reports/2025-Q2/sections/summary", data=form)
    assert anonymous.status_code == 400  # CSRFProtect refuses before anything else
    contributor = make_user("contributor")
    auth.login(contributor.email)
    client.application.config["WTF_CSRF_ENABLED"] = False
    try:  # a valid form is still refused to a contributor
        assert client.post("/reports/2025-Q2/sections/summary",
                           data=form).status_code == 403
    finally:
        client.application.config["WTF_CSRF_ENABLED"] = True
    editor = make_user("editor")
    auth.login(editor.email)
    assert client.post("/reports/2025-Q2/sections/summary", data=form).status_code == 400
    assert db.session.scalar(db.select(ReportSection)) is None


def test_picks_must_be_published_incidents(client, auth, make_user, make_incident):
    shown = make_incident(start_date="2025-05-02")
    draft = make_incident(start_date="2025-05-03", status="draft")
    editor = make_user("editor")
    auth.login(editor.email)
    token = _csrf(client.get("/reports/2025-Q2").get_data(as_text=True))
    refresh()  # the tests' app context outlives requests: forget the cached locale
    refused = client.post("/reports/2025-Q2/picks?lang=fr", data={
        "csrf_token": token, "incident_ids": f"{shown.id}, {draft.id}"})
    assert refused.status_code == 400
    assert f"Ce ne sont pas des incidents publiés\u00a0: {draft.id}" in refused.get_data(
        as_text=True)
    assert reports.picked_incidents((2025, 2)) == []
    saved = client.post("/reports/2025-Q2/picks", data={
        "csrf_token": token, "incident_ids": f"{shown.id}"})
    assert saved.status_code == 302
    assert reports.picked_incidents((2025, 2)) == [shown]


def test_section_errors_in_both_languages(app, client, auth, make_user, make_incident):
    from html import unescape
    make_incident(start_date="2025-05-02")
    auth.login(make_user("editor").email)
    token = _csrf(client.get("/reports/2025-Q2").get_data(as_text=True))
    form = {"summary-csrf_token": token, "summary-title": "t", "summary-version": "0",
            "summary-body": "x" * 20_001}
    pages = {}
    for lang in ("en", "fr"):
        db.session.commit()
        with app.app_context():  # one request's locale
            response = client.post(f"/reports/2025-Q2/sections/summary?lang={lang}",
                                   data=form)
            assert response.status_code == 400
            pages[lang] = unescape(response.get_data(as_text=True))
    assert "Text: Field cannot be longer than 20000 characters." in pages["en"]
    assert "Texte\u00a0: " in pages["fr"] and "summary-body" not in pages["fr"]
    form["summary-body"] = "ok"
    assert client.post("/reports/2025-Q2/sections/summary", data=form).status_code == 302
    db.session.commit()
    with app.app_context():
        stale = client.post("/reports/2025-Q2/sections/summary?lang=fr", data=form)
        assert stale.status_code == 409
        assert "Cette section en est à la version 1, pas 0" in unescape(
            stale.get_data(as_text=True))
    assert db.session.scalar(db.select(ReportSection)).body == "ok"
