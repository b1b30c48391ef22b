"""A STIX bundle of the Atlas read back is the same incidents: ids kept, updates not copies."""
import json

import sqlalchemy as sa

from app.extensions import db
from app.incidents.filters import parse_filters
from app.incidents.models import Incident, Revision
from app.interchange.export import export_to_path
from app.interchange.importer import import_stream


def _export(tmp_path, name, viewer=None):
    """Every incident ``viewer`` sees, drafts too (an export asks for them by status)."""
    path = tmp_path / f"{name}.stix"
    from werkzeug.datastructures import MultiDict
    statuses = MultiDict([("status", s) for s in ("draft", "published")])
    export_to_path(path, "stix", parse_filters(statuses), viewer)
    return path


def _incident_ids(path):
    return sorted(o["id"] for o in json.loads(path.read_text())["objects"]
                  if o["type"] == "incident")


def _import(path, user, **options):
    with open(path, "rb") as stream:
        return import_stream(stream, fmt="stix", user=user, **options)


def _retitled(path, old, new):
    """The bundle with one incident's title changed, as a colleague's tool would."""
    bundle = json.loads(path.read_text())
    for obj in bundle["objects"]:
        if obj["type"] in ("incident", "report") and obj.get("name") == old:
            obj["name"] = new
    path.write_text(json.dumps(bundle))
    return path


def _count():
    return db.session.scalar(sa.select(sa.func.count()).select_from(Incident))


def test_export_import_into_an_empty_database_export_keeps_every_incident_id(
        app, make_user, make_incident, tmp_path):
    # Same title, date and place twice: two incidents all the same (distinct uuids).
    for title in ("Cable cut", "Cable cut", "Drone swarm", "Leak"):
        make_incident(title=title)
    editor = make_user("editor")
    first = _export(tmp_path, "first", editor)
    uuids = sorted(f"incident--{u}" for u in db.session.scalars(sa.select(Incident.uuid)))
    assert _incident_ids(first) == uuids and len(uuids) == 4
    db.session.execute(sa.delete(Incident))
    db.session.commit()
    result = _import(first, editor, publish=True)
    assert result.ok, result.report()
    assert result.count == 4 and result.updated == [] and result.duplicates == []
    assert _incident_ids(_export(tmp_path, "second", editor)) == uuids


def test_reimport_updates_the_incident_with_a_revision_instead_of_a_copy(
        app, make_user, make_incident, tmp_path):
    stored = make_incident(title="Old title")
    other = make_incident(title="Untouched")
    version, other_version = stored.version, other.version
    editor = make_user("editor")
    bundle = _retitled(_export(tmp_path, "out", editor), "Old title", "New title")
    result = _import(bundle, editor)
    assert result.ok, result.report()
    assert sorted(result.updated) == sorted([stored.id, other.id]) and result.count == 0
    assert result.duplicates == []
    db.session.expire_all()
    assert _count() == 2
    incident = db.session.get(Incident, stored.id)
    assert incident.title == "New title" and incident.version == version + 1
    assert incident.status == "published"  # an update keeps its status
    last = db.session.scalars(sa.select(Revision).where(Revision.incident_id == stored.id)
                              .order_by(Revision.number.desc())).first()
    assert last.action == "import" and last.author_id == editor.id
    assert last.changes["title"] == ["Old title", "New title"]
    assert db.session.get(Incident, other.id).version == other_version + 1
    # The same bundle again names versions that are stale now: refused, nothing changed.
    again = _import(bundle, editor)
    assert not again.ok and {f for _, f, _ in again.errors} == {"id"}
    assert "someone else saved it first" in again.report()
    db.session.expire_all()
    assert db.session.get(Incident, stored.id).version == version + 1


def test_an_import_without_publish_does_not_publish_a_draft(app, make_user, make_incident,
                                                            tmp_path):
    editor = make_user("editor")
    draft = make_incident(title="Draft", status="draft", author=editor)
    bundle = _retitled(_export(tmp_path, "out", editor), "Draft", "Draft v2")
    assert _import(bundle, editor).ok
    db.session.expire_all()
    assert db.session.get(Incident, draft.id).status == "draft"
    assert db.session.get(Incident, draft.id).title == "Draft v2"
    bundle = _retitled(_export(tmp_path, "out2", editor), "Draft v2", "Draft v3")
    assert _import(bundle, editor, publish=True).ok
    db.session.expire_all()
    assert db.session.get(Incident, draft.id).status == "published"


def test_a_contributor_cannot_overwrite_an_editors_incident_through_import(
        app, make_user, make_incident, tmp_path):
    published = make_incident(title="Editor's work")
    hidden = make_incident(title="Editor's draft", status="draft")
    before = {i.id: (i.title, i.version) for i in (published, hidden)}
    bundle = _export(tmp_path, "out", make_user("editor"))
    _retitled(_retitled(bundle, "Editor's work", "Vandalised"), "Editor's draft", "Seen")
    contributor = make_user("contributor")
    result = _import(bundle, contributor)
    assert not result.ok and result.count == 0 and result.updated == []
    assert len(result.errors) == 2 and {f for _, f, _ in result.errors} == {"id"}
    assert "may not change incident" in result.report()
    db.session.expire_all()
    assert _count() == 2
    assert {i.id: (i.title, i.version) for i in db.session.scalars(sa.select(Incident))} \
        == before


def test_a_dry_run_reports_what_it_would_update_and_changes_nothing(
        runner, app, make_user, make_incident, tmp_path):
    make_incident(title="One")
    make_incident(title="Two")
    editor = make_user("editor")
    bundle = _retitled(_export(tmp_path, "out", editor), "One", "Uno")
    result = runner.invoke(args=["incidents", "import", str(bundle), "--dry-run",
                                 "--as", editor.email])
    assert result.exit_code == 0, result.output
    assert "would update 2 stored incidents" in result.output
    db.session.expire_all()
    assert sorted(db.session.scalars(sa.select(Incident.title))) == ["One", "Two"]
    assert db.session.scalar(sa.select(sa.func.max(Incident.version))) == 2


def test_a_bundle_naming_one_incident_twice_is_refused(app, make_user, make_incident,
                                                      tmp_path):
    make_incident(title="Once")
    editor = make_user("editor")
    bundle = _export(tmp_path, "out", editor)
    data = json.loads(bundle.read_text())
    data["objects"] += [o for o in data["objects"] if o["type"] == "incident"]
    bundle.write_text(json.dumps(data))
    db.session.execute(sa.delete(Incident))
    db.session.commit()
    result = _import(bundle, editor)
    assert not result.ok and "names incident" in result.report() and _count() == 0
