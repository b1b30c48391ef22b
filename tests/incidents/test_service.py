"""Incident rules: revisions, optimistic locking, visibility by id, archive not delete."""
import pytest
import sqlalchemy as sa
from werkzeug.exceptions import NotFound

from app.extensions import db
from app.incidents import service
from app.incidents.models import Incident, Revision
from app.incidents.schema import ValidationError, parse_incident


def test_every_change_writes_a_revision_with_a_diff(app, make_incident, make_user):
    editor = make_user("editor")
    incident = make_incident(title="Before", status="draft", author=editor)
    service.update_incident(incident=incident, data=parse_incident({"title": "After"},
                                                                   partial=True),
                            expected_version=incident.version, editor=editor)
    revisions = db.session.scalars(sa.select(Revision).where(
        Revision.incident_id == incident.id).order_by(Revision.number)).all()
    assert [r.action for r in revisions] == ["create", "update"]
    assert revisions[1].changes == {"title": ["Before", "After"]}
    assert revisions[1].author_id == editor.id
    assert revisions[0].snapshot["title"] == "Before"


def test_stale_version_is_a_conflict_not_an_overwrite(app, make_incident, make_user):
    editor = make_user("editor")
    incident = make_incident(title="Original", status="draft", author=editor)
    seen = incident.version
    service.update_incident(incident=incident, data={"title": "First save"},
                            expected_version=seen, editor=editor)
    with pytest.raises(service.ConflictError) as caught:
        service.update_incident(incident=incident, data={"title": "Second save"},
                                expected_version=seen, editor=editor)
    assert caught.value.changes == {"title": ["Original", "First save"]}
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).title == "First save"


def test_draft_is_not_found_by_guessing_its_id(app, make_incident, make_user):
    author = make_user("contributor")
    draft = make_incident(title="Secret", status="draft", author=author)
    for viewer in (None, make_user("reader"), make_user("contributor")):
        with pytest.raises(NotFound):
            service.get_incident(draft.id, viewer)
    assert service.get_incident(draft.id, author).id == draft.id
    assert service.get_incident(draft.id, make_user("editor")).id == draft.id


def test_contributor_cannot_publish(app, make_incident, make_user):
    author = make_user("contributor")
    draft = make_incident(status="draft", author=author)
    with pytest.raises(service.PermissionDenied):
        service.set_status(incident=draft, status="published",
                           expected_version=draft.version, editor=author)
    with pytest.raises(service.PermissionDenied):
        service.create_incident(data=parse_incident({"title": "x", "start_date": "2025-01-01",
                                                     "wkt": "POINT (1 1)"}),
                                author=author, status="published")


def test_archive_keeps_the_row(app, make_incident, make_user):
    editor = make_user("editor")
    incident = make_incident(author=editor)
    service.set_status(incident=incident, status="archived",
                       expected_version=incident.version, editor=editor)
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).status == "archived"
    with pytest.raises(NotFound):
        service.get_incident(incident.id, None)


def test_unknown_vector_is_refused_and_nothing_stored(app, make_user):
    editor = make_user("editor")
    data = parse_incident({"title": "x", "start_date": "2025-01-01", "wkt": "POINT (1 1)",
                           "vectors": ["teleportation"]})
    with pytest.raises(ValidationError, match="unknown vector teleportation"):
        service.create_incident(data=data, author=editor)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Incident)) == 0
