"""Permission, conflict, workflow and file-format errors: English ``str`` for the API and
the CLI, the reader's language on pages."""
import io
from html import unescape

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.incidents import service
from app.incidents.models import Incident
from app.interchange.errors import FormatError
from app.interchange.sniff import check_claimed_format
from app.messages import N_

NBSP = "\u00a0"


@pytest.fixture
def signed_in(app, client, auth, make_user):
    """``signed_in(role)`` → the ``client`` signed in, posting forms without CSRF."""
    def sign_in(role):
        user = make_user(role)
        auth.login(user.email)
        db.session.commit()  # SQLite: let the requests' own sessions write
        app.config["WTF_CSRF_ENABLED"] = False
        return user
    yield sign_in
    app.config["WTF_CSRF_ENABLED"] = True


def _post(app, client, url, lang, **kwargs):
    """POST in a fresh app context (one request's locale), following the redirect."""
    db.session.commit()
    with app.app_context():
        response = client.post(url, headers={"Accept-Language": lang},
                               follow_redirects=True, **kwargs)
        return response.status_code, unescape(response.get_data(as_text=True))


def test_errors_keep_their_english_text_for_the_api_and_the_cli():
    with pytest.raises(FormatError) as caught:
        check_claimed_format(io.BytesIO(b"SQLite format 3\x00junk"), "csv")
    assert str(caught.value) == "the file was sent as CSV text but holds an SQLite database"
    assert str(service.PermissionDenied(N_("You may not edit this incident."))) == \
        "You may not edit this incident."


def test_status_conflict_and_refused_transition_in_both_languages(
        app, client, signed_in, make_incident):
    signed_in("editor")
    incident = make_incident(title="Stale", status="published")
    stale = incident.version - 1
    pages = {lang: _post(app, client, f"/incidents/{incident.id}/status", lang,
                         data={"status": "archived", "version": stale})
             for lang in ("en", "fr")}
    assert f"incident {incident.id} is at version {incident.version}, not {stale}: " \
           "someone else saved it first" in pages["en"][1]
    assert (f"Non modifié{NBSP}: l’incident {incident.id} est à la version "
            f"{incident.version}, pas {stale}{NBSP}: quelqu’un d’autre l’a enregistré avant "
            "vous") in pages["fr"][1].replace("'", "’")
    refused = {lang: _post(app, client, f"/incidents/{incident.id}/status", lang,
                           data={"status": "submitted", "version": incident.version})
               for lang in ("en", "fr")}
    assert "a published incident cannot become submitted" in refused["en"][1]
    assert "un incident à l’état publié ne peut pas passer à l’état soumis" in refused["fr"][1]
    assert "published incident cannot" not in refused["fr"][1]
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).status == "published"


def test_batch_flash_names_the_status_in_french(app, client, signed_in, make_incident):
    signed_in("editor")
    incident = make_incident(status="submitted")
    _code, page = _post(app, client, "/incidents/review/batch", "fr",
                        data={"items": [f"{incident.id}:{incident.version}"],
                              "status": "published"})
    assert f"1 incident(s) désormais au statut «{NBSP}publié{NBSP}»." in page


def test_unsupported_upload_says_why_in_both_languages(app, client, signed_in):
    signed_in("contributor")
    data = {lang: _post(app, client, "/import", lang, content_type="multipart/form-data",
                        data={"file": (io.BytesIO(b"SQLite format 3\x00junk"), "x.csv")})
            for lang in ("en", "fr")}
    assert data["en"][0] == data["fr"][0] == 422
    assert "the file was sent as CSV text but holds an SQLite database" in data["en"][1]
    assert ("le fichier a été envoyé comme du texte CSV mais contient une base de données "
            "SQLite") in data["fr"][1]
    bad_zip = _post(app, client, "/import", "fr", content_type="multipart/form-data",
                    data={"file": (io.BytesIO(b"PK\x03\x04broken"), "x.csv")})[1]
    assert "l’archive ZIP est endommagée" in bad_zip.replace("'", "’")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Incident)) == 0


def test_import_publish_refusal_in_french(app, client, signed_in):
    signed_in("contributor")
    code, page = _post(app, client, "/import", "fr", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(b"title,start_date\n"), "x.csv"),
                             "publish": "y"})
    assert code == 422
    assert "Seuls les éditeurs peuvent publier à l’import." in page.replace("'", "’")


def test_wrong_current_password_in_both_languages(app, client, signed_in):
    signed_in("reader")
    data = {"current": "not the password", "new": "a brand new password",
            "confirm": "a brand new password"}
    en = _post(app, client, "/account/password", "en", data=data)
    fr = _post(app, client, "/account/password", "fr", data=data)
    assert en[0] == fr[0] == 400
    assert "The current password is wrong." in en[1]
    assert "Le mot de passe actuel est erroné." in fr[1]
