"""The CLI's loader: a dry run never touches SQLite's R*Tree; an import into an empty
database packs it; every trigger is back afterwards."""
import io

import sqlalchemy as sa

from app.bulk import Loader
from app.bulk import rtree as bulk_rtree
from app.extensions import db
from app.incidents import rows, triggers
from app.incidents.models import Incident
from app.interchange.importer import import_stream
from tests.helpers import count_calls

HEADER = "title,start_date,actor,vectors,wkt\n"


def _csv(*rows):
    return io.BytesIO((HEADER + "".join(r + "\n" for r in rows)).encode())


def _count():
    return db.session.scalar(sa.select(sa.func.count()).select_from(Incident))


def _triggers():
    return dict(db.session.execute(sa.text(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).all())


def _rtree_count():
    return db.session.execute(sa.text("SELECT count(*) FROM incident_rtree")).scalar()


def test_a_dry_run_never_touches_the_rtree(app, backend, make_user, make_incident,
                                           monkeypatch):
    """Rolled back anyway: the R*Tree is neither grown row by row nor packed (SQLite),
    into a database that holds incidents or not."""
    make_incident(title="Stored", wkt="POINT (5 45)")
    packed = count_calls(monkeypatch, bulk_rtree, "rebuild")
    grown = []
    real = rows.write_tables
    monkeypatch.setattr(rows, "write_tables",
                        lambda tables, *, ids, status, rtree=True: grown.append(rtree) or real(
                            tables, ids=ids, status=status, rtree=rtree))
    result = import_stream(_csv("A,2025-01-01,,cyber,POINT (2 48)"), fmt="csv",
                           user=make_user("editor"), dry_run=True, loader=Loader())
    assert result.ok and result.count == 1 and _count() == 1
    assert packed == [] and grown == [False]
    if backend == "sqlite":
        assert db.session.execute(sa.text("SELECT rtreecheck('incident_rtree')")).scalar() == "ok"
        assert _rtree_count() == 1


def test_an_import_into_an_empty_database_packs_the_rtree(app, backend, make_user,
                                                         monkeypatch):
    packed = count_calls(monkeypatch, bulk_rtree, "rebuild")
    result = import_stream(_csv("A,2025-01-01,,cyber,POINT (2 48)",
                                "B,2025-01-02,,cyber,\"LINESTRING (3 40, 4 41)\""),
                           fmt="csv", user=make_user("editor"), publish=True, loader=Loader())
    assert result.ok and result.count == 2, result.report()
    if backend != "sqlite":
        assert packed == []
        return
    assert packed == [1]
    assert db.session.execute(sa.text("SELECT rtreecheck('incident_rtree')")).scalar() == "ok"
    hits = db.session.execute(sa.text(
        "SELECT id FROM incident_rtree WHERE max_x >= 3.5 AND min_x <= 3.6")).scalars().all()
    assert hits == [result.ids[1]]


def test_the_database_triggers_are_the_ones_the_module_describes(app, backend, make_user):
    """What the head migration installed is what the loader replays
    (``triggers.current_sqlite_map_trigger``), before and after a bulk import."""
    if backend != "sqlite":
        return
    expected = {f"{table}_map_{event.lower()}": triggers.current_sqlite_map_trigger(table, event)
                for table, col in triggers.LOGGED.items()
                for event in triggers.sqlite_map_events(col)}
    assert {name: sql for name, sql in _triggers().items()
            if name in expected} == expected
    result = import_stream(_csv("A,2025-01-01,,cyber,POINT (2 48)"), fmt="csv",
                           user=make_user("editor"), loader=Loader())
    assert result.ok
    assert {name: sql for name, sql in _triggers().items()
            if name in expected} == expected
