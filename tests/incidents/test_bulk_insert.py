"""Bulk inserts (imports, demo seed) keep everything the row triggers would have kept."""
import io

import sqlalchemy as sa

from app.extensions import db
from app.incidents import search
from app.incidents.filters import parse_filters
from app.incidents.mapindex.loading import read_generation
from app.interchange.importer import import_stream

HEADER = "title,start_date,actor,vectors,wkt\n"


def _triggers(backend):
    """SQLite's triggers by name with their SQL (PostgreSQL's are per statement)."""
    if backend != "sqlite":
        return {}
    return dict(db.session.execute(sa.text(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).all())


def _import(rows, user):
    body = "".join(f"Bulk {i},2025-01-0{1 + i % 9},,cyber,\"{wkt}\"\n" for i, wkt in rows)
    return import_stream(io.BytesIO((HEADER + body).encode()), fmt="csv", user=user,
                         publish=True)


def test_bulk_import_fills_the_rtree_bumps_the_map_and_restores_the_triggers(
        app, backend, make_user):
    editor = make_user("editor")
    triggers, generation = _triggers(backend), read_generation()
    db.session.commit()
    result = _import([(0, "POINT (2 48)"), (1, "LINESTRING (10 50, 11 51)"),
                      (2, "POLYGON ((20 40, 21 40, 21 41, 20 40))")], editor)
    assert result.ok, result.report()
    assert _triggers(backend) == triggers
    assert read_generation() != generation
    found = search.find_incidents(parse_filters({"bbox": "10.4,50.4,10.6,50.6"}), None,
                                  limit=10)
    assert [i.title for i in found] == ["Bulk 1"]
    # The map's change log names every new incident, so map processes patch them in.
    logged = set(db.session.execute(sa.text("SELECT incident_id FROM map_changes")).scalars())
    assert set(result.ids) <= logged
    if backend != "sqlite":
        return
    boxes = db.session.execute(sa.text(
        "SELECT r.id FROM incident_rtree r JOIN incidents i ON i.id = r.id "
        "WHERE r.min_x = i.min_x AND r.max_x = i.max_x AND r.min_y = i.min_y "
        "AND r.max_y = i.max_y")).scalars().all()
    assert sorted(boxes) == sorted(result.ids)
    # Later single writes still go through the restored triggers.
    db.session.execute(sa.text("UPDATE incidents SET min_x = -1 WHERE id = :id"),
                       {"id": result.ids[0]})
    assert db.session.execute(sa.text("SELECT min_x FROM incident_rtree WHERE id = :id"),
                              {"id": result.ids[0]}).scalar() == -1


def test_a_refused_import_leaves_the_triggers_and_counter_alone(app, backend, make_user,
                                                               monkeypatch):
    """The first row is inserted (triggers dropped and made again), the second refused."""
    from app.interchange import importer
    monkeypatch.setattr(importer, "CHUNK", 1)
    editor = make_user("editor")
    triggers, generation = _triggers(backend), read_generation()
    db.session.commit()
    result = _import([(0, "POINT (2 48)"), (1, "POINT (200 48)")], editor)
    assert not result.ok
    assert _triggers(backend) == triggers and read_generation() == generation
    assert db.session.execute(sa.text("SELECT count(*) FROM incidents")).scalar() == 0
