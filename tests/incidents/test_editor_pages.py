"""The editor, review, history and taxonomy pages through the real forms (CSRF off)."""
import re

import pytest
import sqlalchemy as sa
from flask import g

from app.extensions import db
from app.incidents.models import Incident

FORM = {"title": "Troll farm", "start_date": "2025-03", "time_precision": "month",
        "geometry": "48.86, 2.35", "geo_precision": "city", "lang": "en",
        "attribution": "inferred", "confidence": "60", "vectors": ["information"],
        "actor": "Brand New Actor", "techniques": "T0002",
        "sources": "https://example.org/a | Le Monde | 2025-03-04\nhttps://example.org/b"}


def forget_cached_user():
    """The ``app`` fixture keeps one app context for the whole test, so ``g`` (where
    Flask-Login caches the signed-in user) is shared by every client: drop it
    before another client's request."""
    g.pop("_login_user", None)


@pytest.fixture
def no_csrf(app):
    """Forms without CSRF tokens (``Auth.login`` turns CSRF back on: call ``_login``)."""
    yield
    app.config["WTF_CSRF_ENABLED"] = True


def _login(client, auth, user):
    forget_cached_user()
    auth.login(user.email)
    client.application.config["WTF_CSRF_ENABLED"] = False
    return client


def test_contributor_creates_and_submits_from_the_form(app, client, auth, make_user, no_csrf):
    author = make_user("contributor")
    _login(client, auth, author)
    page = client.get("/incidents/new")
    assert page.status_code == 200 and b'id="editor-map"' in page.data
    response = client.post("/incidents/new", data={**FORM, "action": "submit"})
    assert response.status_code == 302
    incident = db.session.scalar(sa.select(Incident))
    assert incident.status == "submitted" and incident.created_by_id == author.id
    assert incident.end_date.isoformat() == "2025-03-31"
    assert incident.actor.name == "Brand New Actor"
    assert [c.iso_a3 for c in incident.countries] == ["FRA"]
    assert [(s.publisher, str(s.published_on)) for s in incident.sources] == [
        ("Le Monde", "2025-03-04"), ("", "None")]
    assert [t.id for t in incident.techniques] == ["T0002"]


@pytest.mark.parametrize("field, value, message", [
    ("geometry", "10, 200", "out of range"),
    ("geometry", "POLYGON ((0 0, 1 1, 1 0, 0 1, 0 0))", "self-intersection at (0.5, 0.5)"),
    ("geometry", "", "is required (wkt, GeoJSON geometry, or lat and lon)"),
    ("title", "", "is required"),
    ("start_date", "2025-13", "not a real date (bad month number 13"),
    ("confidence", "120", "between 0 and 100"),
    ("countries", "XXX", "unknown country XXX"),
    ("sources", "ftp://example.org", "is not an http(s) URL"),
])
def test_form_errors_are_shown_and_nothing_stored(app, client, auth, make_user, no_csrf,
                                                  field, value, message):
    _login(client, auth, make_user("contributor"))
    response = client.post("/incidents/new", data={**FORM, field: value})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Nothing was saved" in text and message in text
    assert f'data-field="{field}' in text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Incident)) == 0


@pytest.mark.parametrize("field, value, english, french", [
    ("geometry", "10, 200", "Geometry: coordinate (200, 10) is out of range",
     "Géométrie\u00a0: la coordonnée (200, 10) est hors limites"),
    ("geometry", "POLYGON ((0 0, 1 1, 1 0, 0 1, 0 0))", "Polygon is invalid: self-intersection",
     "Polygon invalide\u00a0: self-intersection en (0.5, 0.5)"),
    ("title", "", "Title: is required", "Titre\u00a0: est obligatoire"),
    ("start_date", "2025-13", "Start date: &#39;2025-13&#39; is not a real date",
     "Date de début\u00a0: «\u00a02025-13\u00a0» n’est pas une date du calendrier"),
    ("confidence", "120", "Confidence (0–100): must be between 0 and 100",
     "Confiance (0–100)\u00a0: doit être compris entre 0 et 100"),
    ("countries", "XXX", "Countries: unknown country XXX", "Pays\u00a0: pays inconnu XXX"),
    ("sources", "ftp://example.org", "Source 1: &#39;ftp://example.org&#39; is not an http(s)",
     "Source 1\u00a0: &#39;ftp://example.org&#39; n’est pas une URL http(s)"),
])
def test_form_errors_name_fields_and_reasons_in_the_readers_language(
        app, client, auth, make_user, no_csrf, field, value, english, french):
    _login(client, auth, make_user("contributor"))
    pages = {}
    for lang in ("en", "fr"):
        db.session.commit()  # SQLite: let the request's own session write
        with app.app_context():  # the locale of one request only
            response = client.post(f"/incidents/new?lang={lang}", data={**FORM, field: value})
            assert response.status_code == 400
            pages[lang] = response.get_data(as_text=True)
    assert english in pages["en"]
    assert french in pages["fr"] and "Rien n’a été enregistré" in pages["fr"]
    assert f'data-field="{field}' in pages["fr"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Incident)) == 0


def test_two_sessions_edit_the_same_incident_and_the_second_gets_the_conflict(
        app, make_incident, make_user, no_csrf):
    from tests.conftest import Auth
    incident = make_incident(title="Original", status="draft")
    first, second = app.test_client(), app.test_client()
    for client in (first, second):
        forget_cached_user()
        Auth(client).login(make_user("editor").email)
    app.config["WTF_CSRF_ENABLED"] = False
    forms = []
    for client in (first, second):
        forget_cached_user()
        page = client.get(f"/incidents/{incident.id}/edit").get_data(as_text=True)
        forms.append(re.search(r'name="version"[^>]*value="(\d+)"', page)[1])
    assert forms[0] == forms[1] == str(incident.version)
    data = {**FORM, "geometry": "POINT (2.35 48.86)"}
    forget_cached_user()
    ok = first.post(f"/incidents/{incident.id}/edit",
                    data={**data, "title": "First editor's title", "version": forms[0]})
    assert ok.status_code == 302
    forget_cached_user()
    clash = second.post(f"/incidents/{incident.id}/edit",
                        data={**data, "title": "Second editor's title", "version": forms[1]})
    assert clash.status_code == 409
    text = clash.get_data(as_text=True)
    assert "Someone else saved this incident" in text
    assert "First editor&#39;s title" in text       # what changed, shown
    assert "Second editor&#39;s title" in text      # their own edit is kept in the form
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).title == "First editor's title"
    # Saving again is deliberate: the form now carries the current version.
    version = re.search(r'name="version"[^>]*value="(\d+)"', text)[1]
    again = second.post(f"/incidents/{incident.id}/edit",
                        data={**data, "title": "Second editor's title", "version": version})
    assert again.status_code == 302


def test_review_queue_counts_filters_and_batch_publish(app, client, auth, make_incident,
                                                      make_user, no_csrf):
    author = make_user("contributor")
    a = make_incident(title="Alpha", status="submitted", author=author)
    b = make_incident(title="Beta", status="submitted", author=author)
    make_incident(title="Gamma draft", status="draft", author=author)
    _login(client, auth, make_user("editor"))
    page = client.get("/incidents/review").get_data(as_text=True)
    assert "Alpha" in page and "Beta" in page and "Gamma draft" not in page
    assert re.search(r'data-status="submitted"[^>]*>submitted <strong>2</strong>', page)
    assert "Beta" not in client.get("/incidents/review?q=Alpha").get_data(as_text=True)
    response = client.post("/incidents/review/batch", data={
        "items": [f"{a.id}:{a.version}", f"{b.id}:{b.version}"], "status": "published"})
    assert response.status_code == 302
    db.session.expire_all()
    assert {i.status for i in db.session.scalars(sa.select(Incident).where(
        Incident.id.in_([a.id, b.id])))} == {"published"}


def test_review_page_shows_the_diff_and_contributors_cannot_open_it(
        app, client, auth, make_incident, make_user, no_csrf):
    author = make_user("contributor")
    incident = make_incident(title="To review", status="submitted", author=author)
    _login(client, auth, author)
    assert client.get(f"/incidents/{incident.id}/review").status_code == 403
    assert client.get("/incidents/review").status_code == 403
    from tests.conftest import Auth
    editor = app.test_client()
    _login(editor, Auth(editor), make_user("editor"))
    forget_cached_user()
    page = editor.get(f"/incidents/{incident.id}/review").get_data(as_text=True)
    assert 'data-field="title"' in page and "To review" in page
    # Human labels, not field names or JSON.
    assert re.search(r'data-field="start_date"><th scope="row">Start date<', page)
    assert re.search(r'data-field="geometry">.*Point at 48\.8600, 2\.3500', page)
    assert '"coordinates"' not in page and '"type"' not in page
    # Publish is the primary action; Reject and Archive need a confirming step.
    assert re.search(r'class="primary" data-status="published"', page)
    for status in ("rejected", "archived"):
        assert re.search(r'<details class="confirm"><summary[^>]*>[^<]+</summary>\s*<p>[^<]+'
                         r'</p>\s*<button type="submit" class="danger" data-status="'
                         + status, page)


def test_history_lists_revisions_and_restores_one(app, client, auth, make_incident,
                                                  make_user, no_csrf):
    author = make_user("contributor")
    incident = make_incident(title="First", status="draft", author=author)
    _login(client, auth, author)
    client.post(f"/incidents/{incident.id}/edit",
                data={**FORM, "title": "Second", "version": incident.version})
    page = client.get(f"/incidents/{incident.id}/history").get_data(as_text=True)
    assert 'id="revision-2"' in page and "Second" in page
    db.session.expire_all()
    incident = db.session.get(Incident, incident.id)
    client.post(f"/incidents/{incident.id}/restore/1", data={"version": incident.version})
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).title == "First"


def test_json_helpers_preview_gazetteer_and_techniques(app, client, auth, make_user, no_csrf):
    assert client.get("/incidents/gazetteer?q=paris").status_code == 302  # sign in first
    _login(client, auth, make_user("contributor"))
    body = client.post("/incidents/preview", json={"geometry": "LINESTRING (170 -17, -178 -18)"}
                       ).get_json()
    assert body["geometry"]["type"] == "MultiLineString"
    body = client.post("/incidents/preview", json={"geometry": "POINT (13.4 52.52)"}).get_json()
    assert body["countries"] == [{"iso_a3": "DEU", "name": "Germany"}]
    bad = client.post("/incidents/preview", json={"geometry": "POINT (52.52 200)"})
    assert bad.status_code == 400 and "out of range" in bad.get_json()["error"]
    deep = client.post("/incidents/preview", data="[" * 100_000 + "]" * 100_000,
                       content_type="application/json")
    assert deep.status_code == 400 and "nested" in deep.get_json()["error"]
    places = client.get("/incidents/gazetteer?q=berlin").get_json()["places"]
    assert places[0]["name"] == "Berlin" and places[0]["geometry"]["type"] == "Point"
    found = client.get("/incidents/techniques?q=T0002").get_json()["techniques"]
    assert found[0]["id"] == "T0002"


def test_reader_cannot_open_the_editor(app, client, auth, make_user):
    _login(client, auth, make_user("reader"))
    assert client.get("/incidents/new").status_code == 403
    assert client.get("/incidents/mine").status_code == 403
