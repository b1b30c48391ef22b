"""The review workflow: each transition, who may make it, batches, restore, diffs."""
import pytest
import sqlalchemy as sa
from werkzeug.exceptions import NotFound

from app.extensions import db
from app.incidents import service
from app.incidents.models import Incident, Revision
from app.incidents.schema import ValidationError, parse_incident


def _edit(incident, user, **fields):
    return service.update_incident(incident=incident, data=parse_incident(fields, partial=True),
                                   expected_version=incident.version, editor=user)


def _move(incident, user, status, reason=None):
    return service.set_status(incident=incident, status=status, reason=reason,
                              expected_version=incident.version, editor=user)


@pytest.fixture
def people(make_user):
    return {"author": make_user("contributor"), "other": make_user("contributor"),
            "editor": make_user("editor"), "reader": make_user("reader")}


def test_full_path_draft_submitted_published_archived(app, make_incident, people):
    incident = make_incident(status="draft", author=people["author"])
    _move(incident, people["author"], "submitted")
    _move(incident, people["editor"], "published")
    assert incident.reviewed_by_id == people["editor"].id and incident.published_at
    _move(incident, people["editor"], "archived")
    actions = db.session.scalars(sa.select(Revision.action).where(
        Revision.incident_id == incident.id).order_by(Revision.number)).all()
    assert actions == ["create", "submitted", "published", "archived"]


def test_rejection_needs_a_reason_and_keeps_it(app, make_incident, people):
    incident = make_incident(status="draft", author=people["author"])
    _move(incident, people["author"], "submitted")
    with pytest.raises(ValidationError, match="reason: is required"):
        _move(incident, people["editor"], "rejected", reason="  ")
    _move(incident, people["editor"], "rejected", reason="No source for the date")
    assert incident.rejection_reason == "No source for the date"
    # The author fixes it and resubmits; publishing clears the reason.
    _edit(incident, people["author"], title="Fixed")
    _move(incident, people["author"], "submitted")
    _move(incident, people["editor"], "published")
    assert incident.rejection_reason is None


@pytest.mark.parametrize("status", ["published", "rejected"])
def test_contributor_cannot_review_even_their_own(app, make_incident, people, status):
    incident = make_incident(status="draft", author=people["author"])
    _move(incident, people["author"], "submitted")
    with pytest.raises(service.PermissionDenied):
        _move(incident, people["author"], status, reason="x")
    assert db.session.get(Incident, incident.id).status == "submitted"


def test_other_contributor_cannot_submit_or_archive(app, make_incident, people):
    incident = make_incident(status="draft", author=people["author"])
    for status in ("submitted", "archived"):
        with pytest.raises(service.PermissionDenied):
            _move(incident, people["other"], status)


def test_author_cannot_edit_once_submitted_or_published(app, make_incident, people):
    incident = make_incident(status="draft", author=people["author"])
    _move(incident, people["author"], "submitted")
    with pytest.raises(service.PermissionDenied):
        _edit(incident, people["author"], title="Sneaky")
    _move(incident, people["editor"], "published")
    with pytest.raises(service.PermissionDenied):
        _move(incident, people["author"], "archived")
    _edit(incident, people["editor"], title="Editors edit anything")


def test_publishing_is_separate_from_editing(app, make_user):
    """A contributor edits their own draft but never publishes it (ushahidi/platform#4473)."""
    from app.incidents import policy
    author = make_user("contributor")
    incident = Incident(status="draft", created_by_id=author.id)
    assert policy.can_edit(author, incident) and not policy.can_publish(author)


@pytest.mark.parametrize("start, target", [
    ("published", "draft"), ("published", "rejected"), ("archived", "published"),
    ("submitted", "submitted")])
def test_impossible_transitions_are_refused(app, make_incident, people, start, target):
    incident = make_incident(status=start, author=people["editor"])
    with pytest.raises(ValidationError, match="cannot become"):
        _move(incident, people["editor"], target, reason="x")
    assert db.session.get(Incident, incident.id).status == start


def test_stale_status_change_is_a_conflict(app, make_incident, people):
    incident = make_incident(status="submitted", author=people["author"])
    seen = incident.version
    _edit(incident, people["editor"], title="Editor touched it")
    with pytest.raises(service.ConflictError) as caught:
        service.set_status(incident=incident, status="published", expected_version=seen,
                           editor=people["editor"])
    assert "title" in caught.value.changes


def test_batch_is_one_transaction(app, make_incident, people):
    good = make_incident(status="submitted", title="Good", author=people["author"])
    also = make_incident(status="submitted", title="Also", author=people["author"])
    published = make_incident(status="published", title="Already")
    with pytest.raises(ValidationError, match="cannot become"):
        service.batch_set_status(items=[(good.id, good.version), (also.id, also.version),
                                         (published.id, published.version)],
                                 status="published", editor=people["editor"])
    db.session.expire_all()
    assert {i.status for i in db.session.scalars(sa.select(Incident).where(
        Incident.id.in_([good.id, also.id])))} == {"submitted"}
    done = service.batch_set_status(items=[(good.id, good.version), (also.id, also.version)],
                                    status="rejected", reason="Duplicates",
                                    editor=people["editor"])
    assert [i.status for i in done] == ["rejected", "rejected"]


def test_batch_by_a_contributor_is_refused_whole(app, make_incident, people):
    mine = make_incident(status="draft", author=people["author"])
    with pytest.raises(service.PermissionDenied):
        service.batch_set_status(items=[(mine.id, mine.version)], status="published",
                                 editor=people["author"])
    with pytest.raises(NotFound):
        service.batch_set_status(items=[(mine.id, mine.version)], status="submitted",
                                 editor=people["other"])


def test_restore_any_revision_as_a_new_revision(app, make_incident, people):
    incident = make_incident(status="draft", author=people["author"], title="One",
                             sources=[{"url": "https://example.org/a", "date": "2025-03-02"}])
    _edit(incident, people["author"], title="Two", wkt="POINT (13.4 52.52)", sources=[])
    service.restore_revision(incident=incident, number=1, expected_version=incident.version,
                             editor=people["author"])
    db.session.expire_all()
    incident = db.session.get(Incident, incident.id)
    assert incident.title == "One" and incident.geometry.coords[0] == (2.35, 48.86)
    assert [c.iso_a3 for c in incident.countries] == ["FRA"]
    assert [s.url for s in incident.sources] == ["https://example.org/a"]
    last = incident.revisions[-1]
    assert last.action == "restore" and last.changes["title"] == ["Two", "One"]
    with pytest.raises(NotFound):
        service.restore_revision(incident=incident, number=99,
                                 expected_version=incident.version, editor=people["author"])


def test_other_contributor_cannot_restore(app, make_incident, people):
    incident = make_incident(status="draft", author=people["author"])
    with pytest.raises(service.PermissionDenied):
        service.restore_revision(incident=incident, number=1,
                                 expected_version=incident.version, editor=people["other"])


def test_diff_from_last_published_version(app, make_incident, people):
    incident = make_incident(status="published", title="Public title", confidence=40)
    assert service.diff_from_published(incident) == {}
    # Taken down, revived as a draft, corrected and resubmitted: the reviewer
    # sees what would change on the public record.
    for status in ("archived", "draft"):
        _move(incident, people["editor"], status)
    _edit(incident, people["editor"], title="Corrected title")
    _move(incident, people["editor"], "submitted")
    assert service.diff_from_published(incident) == {
        "title": ["Public title", "Corrected title"]}
    fresh = make_incident(status="draft", author=people["author"], title="New")
    assert service.diff_from_published(fresh)["title"] == [None, "New"]


def test_status_counts_follow_visibility(app, make_incident, people):
    make_incident(status="draft", author=people["author"])
    make_incident(status="submitted", author=people["author"])
    make_incident(status="published")
    assert service.status_counts(people["editor"])["submitted"] == 1
    other = service.status_counts(people["other"])
    assert other["draft"] == 0 and other["submitted"] == 0 and other["published"] == 1


def test_editing_only_a_list_still_moves_the_version(app, make_incident, people):
    """Vectors, countries, techniques and sources live in other tables: without a
    version bump a second edit of them would overwrite the first silently."""
    incident = make_incident(status="draft", author=people["author"])
    seen = incident.version
    _edit(incident, people["author"], vectors=["sabotage"])
    assert incident.version == seen + 1
    with pytest.raises(service.ConflictError) as caught:
        service.update_incident(incident=incident, data={"vectors": ["cyber"]},
                                expected_version=seen, editor=people["editor"])
    assert caught.value.changes == {"vectors": [["cyber"], ["sabotage"]]}


def test_conflict_lists_every_change_since_the_version_seen(app, make_incident, people):
    incident = make_incident(status="draft", author=people["editor"], title="A",
                             confidence=10)
    seen = incident.version
    _edit(incident, people["editor"], title="B")
    _edit(incident, people["editor"], confidence=90)
    with pytest.raises(service.ConflictError) as caught:
        service.update_incident(incident=incident, data={"title": "Mine"},
                                expected_version=seen, editor=people["editor"])
    assert caught.value.changes == {"title": ["A", "B"], "confidence": [10, 90]}


def test_editor_actions_reach_the_audit_log(app, make_incident, make_user):
    """Publishing is an editor action: it is written to the audit log with the change."""
    from app.audit.service import recent
    contributor = make_user("contributor")
    incident = make_incident(status="draft", author=contributor)
    assert [e.action for e in recent()] == []  # a contributor's own draft is not audited
    editor = make_user("editor")
    service.set_status(incident=incident, status="submitted",
                       expected_version=incident.version, editor=contributor)
    service.set_status(incident=incident, status="published",
                       expected_version=incident.version, editor=editor)
    entries = recent()
    assert [(e.action, e.target, e.actor_id) for e in entries] == [
        ("incident.published", f"incident:{incident.id}", editor.id)]
