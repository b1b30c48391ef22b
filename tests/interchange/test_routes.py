"""Download links stream any filtered view; the upload page previews and imports."""
import io
import json

import sqlalchemy as sa

from app.extensions import db
from app.incidents.models import Incident

HEADER = "title,start_date,actor,vectors,wkt\n"


def _count():
    return db.session.scalar(sa.select(sa.func.count()).select_from(Incident))


def test_map_page_links_to_exports_of_the_same_view(client, make_incident):
    page = client.get("/map?vector=cyber&from=2025").get_data(as_text=True)
    assert 'href="/export/incidents.geojson?vector=cyber&amp;from=2025"' in page
    assert 'href="/export/incidents.stix?vector=cyber&amp;from=2025"' in page


def test_download_streams_the_filtered_view_without_drafts(client, make_incident):
    make_incident(title="Cyber one", vectors=["cyber"])
    make_incident(title="Energy one", vectors=["energy"])
    make_incident(title="Draft", status="draft")
    response = client.get("/export/incidents.geojson?vector=cyber")
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "application/geo+json"
    assert "attachment" in response.headers["Content-Disposition"]
    titles = [f["properties"]["title"] for f in json.loads(response.data)["features"]]
    assert titles == ["Cyber one"]
    csv_text = client.get("/export/incidents.csv").get_data(as_text=True)
    assert "Energy one" in csv_text and "Draft" not in csv_text
    gpkg = client.get("/export/incidents.gpkg")
    assert gpkg.status_code == 200 and gpkg.data.startswith(b"SQLite format 3\x00")
    stix = client.get("/export/incidents.stix").get_json(force=True)
    assert stix["type"] == "bundle"
    assert client.get("/export/incidents.xlsx").status_code == 404
    assert client.get("/export/incidents.csv?country=France").status_code == 400


def test_draft_author_exports_own_drafts_only_when_asked(client, auth, make_user, make_incident):
    author = make_user("contributor")
    make_incident(title="My draft", status="draft", author=author)
    auth.login(author.email)
    default = client.get("/export/incidents.csv").get_data(as_text=True)
    assert "My draft" not in default
    mine = client.get("/export/incidents.csv?status=draft").get_data(as_text=True)
    assert "My draft" in mine
    client.post("/logout", data={})


def _upload(client, content, name="x.csv", **fields):
    client.application.config["WTF_CSRF_ENABLED"] = False
    try:
        return client.post("/import", data={"file": (io.BytesIO(content), name), **fields},
                           content_type="multipart/form-data")
    finally:
        client.application.config["WTF_CSRF_ENABLED"] = True


def test_upload_page_needs_a_contributor(client, auth, make_user):
    assert client.get("/import").status_code == 302  # to the login page
    reader = make_user("reader")
    auth.login(reader.email)
    assert client.get("/import").status_code == 403


def test_upload_previews_then_imports(client, auth, make_user):
    editor = make_user("editor")
    auth.login(editor.email)
    content = (HEADER + "Uploaded,2025-01-01,,cyber,POINT (2 48)\n").encode()
    preview = _upload(client, content, dry_run="y")
    assert preview.status_code == 200
    assert "Dry run: 1 incidents would be imported" in preview.get_data(as_text=True)
    assert _count() == 0
    done = _upload(client, content, publish="y")
    assert "Imported 1 incidents" in done.get_data(as_text=True)
    assert db.session.scalar(sa.select(Incident.status)) == "published"
    again = _upload(client, content)
    assert "Skipped duplicates" in again.get_data(as_text=True)


def test_upload_shows_the_report_and_keeps_nothing(client, auth, make_user):
    auth.login(make_user("contributor").email)
    bad = (HEADER + "<script>alert(1)</script>,2025-99-01,,cyber,POINT (2 48)\n").encode()
    response = _upload(client, bad)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Refused: 1 problem(s)" in text
    assert '<td>2</td><td data-field="start_date">Start date</td>' in text
    assert "&#39;2025-99-01&#39; is not a real date" in text
    assert "<script>alert(1)</script>" not in text
    mismatch = _upload(client, b"SQLite format 3\x00junk", name="x.csv")
    assert mismatch.status_code == 422
    assert "holds an SQLite database" in mismatch.get_data(as_text=True)
    assert _count() == 0


def test_upload_report_names_field_and_reason_in_french(app, client, auth, make_user):
    auth.login(make_user("contributor").email)
    bad = (HEADER + ",2025-99-01,,cyber,POINT (200 48)\n").encode()
    db.session.commit()  # SQLite: let the request's own session write
    with app.app_context():  # the locale of this request only
        client.application.config["WTF_CSRF_ENABLED"] = False
        try:
            response = client.post("/import?lang=fr", content_type="multipart/form-data",
                                   data={"file": (io.BytesIO(bad), "x.csv")})
        finally:
            client.application.config["WTF_CSRF_ENABLED"] = True
        text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert '<td data-field="title">Titre</td><td>est obligatoire</td>' in text
    assert ('<td data-field="start_date">Date de début</td><td>«\u00a02025-99-01\u00a0» '
            "n’est pas une date du calendrier</td>") in text
    assert "la coordonnée (200, 48) est hors limites" in text
    assert "is required" not in text and _count() == 0


def test_upload_over_the_size_limit_is_refused(client, auth, make_user):
    auth.login(make_user("contributor").email)
    client.application.config["MAX_CONTENT_LENGTH"] = 10_000
    response = _upload(client, HEADER.encode() + b"x" * 20_000)
    assert response.status_code == 413
    assert _count() == 0


def test_upload_of_the_atlas_own_stix_previews_and_applies_updates(client, auth, make_user,
                                                                  make_incident):
    editor = make_user("editor")
    make_incident(title="Before", author=editor)
    auth.login(editor.email)
    bundle = client.get("/export/incidents.stix").get_data(as_text=True)
    content = bundle.replace('"name":"Before"', '"name":"After"').encode()
    preview = _upload(client, content, name="x.stix", dry_run="y")
    assert "Dry run: would update 1 stored incidents." in preview.get_data(as_text=True)
    assert db.session.scalar(sa.select(Incident.title)) == "Before"
    done = _upload(client, content, name="x.stix")
    assert "Updated 1 stored incidents." in done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(sa.select(Incident.title)) == "After" and _count() == 1
