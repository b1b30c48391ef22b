"""The map index follows the change log: patched in place, rebuilt only when it must."""
import numpy as np
import sqlalchemy as sa

from app.extensions import db
from app.incidents import mapindex, service
from app.incidents.mapindex import loading
from app.incidents.models import Actor
from app.incidents.schema import parse_incident

WORLD = {"bbox": "-180,-85,180,85", "zoom": "4"}


def _map(client, **params):
    response = client.get("/api/v1/map", query_string={**WORLD, **params})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def _pairs(index, column):
    multi = getattr(index, column)
    return sorted((int(index.ids[r]), multi.labels[c]) for r, c in zip(multi.rows, multi.codes))


def assert_same_as_a_fresh_build(index):
    """Every column of a patched index equals what a full build reads now."""
    db.session.commit()
    fresh = loading.build_index(index.generation)
    for name in ("ids", "lon", "lat", "x", "y", "bounds", "start", "end", "actor",
                 "confidence", "precision"):
        assert np.array_equal(getattr(index, name), getattr(fresh, name)), name
    for column in ("vectors", "countries"):
        assert _pairs(index, column) == _pairs(fresh, column)


def test_publish_edit_archive_are_patched_in_not_rebuilt(app, client, make_incident,
                                                         make_user):
    editor = make_user("editor")
    first = make_incident(title="First", vectors=["cyber"], countries=["FRA"])
    make_incident(title="Berlin", wkt="POINT (13.4 52.52)", countries=["DEU"])
    assert _map(client).get_json()["total"] == 2
    holder = mapindex.holder()
    assert holder.builds == 1

    draft = make_incident(title="Riga", status="draft", wkt="POINT (24.1 56.95)",
                          vectors=["sabotage", "energy"], countries=["LVA"])
    service.set_status(incident=draft, status="published",
                       expected_version=draft.version, editor=editor)
    data = _map(client, vector="sabotage").get_json()
    assert data["total"] == 1 and data["features"][0]["title"] == "Riga"
    assert _map(client).get_json()["total"] == 3

    service.update_incident(incident=first, data=parse_incident(
        {"vectors": ["lawfare"], "wkt": "POINT (21.0 52.2)", "countries": ["POL"]},
        partial=True), expected_version=first.version, editor=editor)
    assert _map(client, vector="lawfare", country="POL").get_json()["total"] == 1
    assert _map(client, vector="cyber", country="FRA").get_json()["total"] == 0

    service.set_status(incident=first, status="archived", expected_version=first.version,
                       editor=editor)
    assert _map(client).get_json()["total"] == 2
    assert _map(client, vector="lawfare").get_json()["total"] == 0

    # A title edit changes the answer but no column: every array is shared.
    before = holder.index
    service.update_incident(incident=draft, data=parse_incident(
        {"title": "Riga, renamed"}, partial=True), expected_version=draft.version,
        editor=editor)
    assert [f["title"] for f in _map(client, vector="sabotage").get_json()["features"]] == [
        "Riga, renamed"]
    assert holder.index.generation != before.generation
    assert holder.index.lon is before.lon and holder.index.vectors is before.vectors

    assert holder.builds == 1 and holder.patches >= 4
    assert_same_as_a_fresh_build(holder.index)


def test_a_draft_write_leaves_the_caches_and_etag_alone(app, client, make_incident,
                                                        make_user):
    make_incident(title="Public")
    first = _map(client)
    holder = mapindex.holder()
    generation, cached = holder.index.generation, list(holder.cache)
    counter = loading.read_generation()
    contributor = make_user("contributor")
    draft = make_incident(title="Draft", status="draft", author=contributor)
    service.update_incident(incident=draft, data=parse_incident(
        {"title": "Draft, edited", "vectors": ["cyber"]}, partial=True),
        expected_version=draft.version, editor=contributor)
    second = _map(client)
    # Migration 0011: nothing published was touched, so the triggers neither
    # bumped the counter (no lock queueing writers) nor logged the draft.
    assert loading.read_generation() == counter
    assert db.session.scalar(sa.select(sa.func.count()).select_from(sa.table("map_changes"))
                             .where(sa.column("incident_id") == draft.id)) == 0
    assert holder.index.generation == generation
    assert list(holder.cache)[:len(cached)] == cached
    assert second.headers["ETag"] == first.headers["ETag"]
    assert second.get_json() == first.get_json()


def test_an_actor_renamed_changes_the_answer(app, client, make_incident):
    incident = make_incident(title="Named", actor="Old name")
    before = _map(client)
    db.session.execute(sa.update(Actor).where(Actor.id == incident.actor_id)
                       .values(name="New name"))
    db.session.commit()
    after = _map(client)
    assert after.headers["ETag"] != before.headers["ETag"]
    assert [a["name"] for a in after.get_json()["facets"]["actors"]] == ["New name"]
    assert mapindex.holder().builds == 1


def _set_counter(name, value):
    """Set a ``change_counters`` row (the PostGIS fixture truncates them between tests)."""
    counters = loading.change_counters
    db.session.execute(sa.delete(counters).where(counters.c.name == name))
    db.session.execute(sa.insert(counters).values(name=name, value=value))
    db.session.commit()


def test_falling_behind_the_pruned_log_rebuilds(app, client, make_incident, make_user):
    editor = make_user("editor")
    make_incident(title="Seen")
    assert _map(client).get_json()["total"] == 1
    holder = mapindex.holder()
    before = loading.read_generation()
    make_incident(title="Probe", wkt="POINT (5 50)")
    steps = loading.read_generation() - before  # counter steps of one new incident
    window = 3 * steps
    _set_counter("map_changes_window", window)
    assert _map(client).get_json()["total"] == 2
    assert holder.builds == 1
    # Many writes while this process answers nothing: the log keeps `window` steps.
    count = 2
    while loading.read_generation() - holder.applied <= window:
        make_incident(title=f"Later {count}", wkt=f"POINT ({10 + count} 50)")
        count += 1
        db.session.commit()
    later = make_incident(title="Archived later", wkt="POINT (40 50)")
    service.set_status(incident=later, status="archived",
                       expected_version=later.version, editor=editor)
    db.session.commit()
    oldest = db.session.scalar(sa.select(sa.func.min(loading.map_changes.c.seq)))
    assert oldest > loading.read_generation() - window  # pruned as it went
    assert _map(client).get_json()["total"] == count
    assert holder.builds == 2
    # Within the window again: one more change is patched in.
    make_incident(title="Patched", wkt="POINT (30 50)")
    assert _map(client).get_json()["total"] == count + 1
    assert holder.builds == 2 and holder.patches >= 2
    assert_same_as_a_fresh_build(holder.index)


def test_a_starting_process_maps_the_saved_index_and_patches_it(app, client, make_incident,
                                                               make_user, tmp_path):
    """The first process builds and saves; the next maps the files and reads only the log."""
    from app import create_app
    from tests.conftest import config_for
    app.config["ATLAS_MAP_SAVED_DIR"] = str(tmp_path)
    _set_counter("map_epoch", 123456789)
    editor = make_user("editor")
    make_incident(title="Before")
    archived = make_incident(title="Archived later", wkt="POINT (13.4 52.52)")
    db.session.commit()
    first = mapindex.warm()
    assert mapindex.holder().builds == 1 and len(first) == 2
    assert len(list(tmp_path.glob("*-*/meta.json"))) == 1
    make_incident(title="After", wkt="POINT (21.0 52.2)")
    service.set_status(incident=archived, status="archived",
                       expected_version=archived.version, editor=editor)
    db.session.commit()
    # Another process of the same database (a new app: its own holder).
    other = create_app(config_for(app.config["SQLALCHEMY_DATABASE_URI"],
                                  ATLAS_MAP_SAVED_DIR=str(tmp_path)))
    with other.app_context():
        index = mapindex.warm()
        holder = mapindex.holder()
        assert holder.builds == 0 and holder.patches == 1
        assert isinstance(holder.index.ids, np.ndarray)
        assert_same_as_a_fresh_build(index)
        db.session.remove()
        db.engine.dispose()
