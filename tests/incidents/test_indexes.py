"""Migration 0010 drops three redundant indexes; the queries that used them keep one."""
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.incidents import search
from app.incidents.filters import parse_filters
from app.incidents.models import Revision

DROPPED = {"ix_incidents_status_start", "ix_incidents_rep", "ix_revisions_incident_id"}


def _plan(stmt):
    """SQLite's query plan for ``stmt`` (a Core statement or SQL text), as one string."""
    sql = stmt if isinstance(stmt, str) else str(
        stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
    rows = db.session.execute(sa.text("EXPLAIN QUERY PLAN " + sql)).all()
    return " | ".join(row[-1] for row in rows)


def test_redundant_indexes_are_gone_and_their_covering_ones_remain(app):
    inspector = db.inspect(db.engine)
    incidents = {ix["name"]: ix["column_names"] for ix in inspector.get_indexes("incidents")}
    revisions = {ix["name"] for ix in inspector.get_indexes("revisions")}
    revisions |= {uq["name"] for uq in inspector.get_unique_constraints("revisions")}
    assert not DROPPED & (set(incidents) | revisions)
    assert incidents["ix_incidents_barometer"][:2] == ["status", "start_date"]
    assert "uq_revisions_incident_id" in revisions


def test_status_and_date_filters_use_the_barometer_index(app, backend):
    if backend != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    filters = parse_filters({"date_to": "2024-06-30"})
    stmt = search.select_incidents(filters, None).with_only_columns(sa.func.count())
    assert "INDEX ix_incidents_barometer (status=?)" in _plan(stmt)
    plan = _plan("SELECT id, title FROM incidents WHERE status = 'published' "
                 "AND start_date >= '2024-01-01' ORDER BY start_date")
    assert "INDEX ix_incidents_barometer (status=? AND start_date>?)" in plan
    assert "TEMP B-TREE" not in plan


def test_revision_lookups_use_the_unique_index(app, backend):
    if backend != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    by_incident = sa.select(Revision.id).where(Revision.incident_id == 7)
    latest = (sa.select(Revision).where(Revision.incident_id == 7)
              .order_by(Revision.number.desc()).limit(1))
    for stmt in (by_incident, latest):
        # On SQLite the unique constraint's index is sqlite_autoindex_revisions_1.
        plan = _plan(stmt)
        assert "INDEX sqlite_autoindex_revisions_1 (incident_id=?)" in plan
        assert "TEMP B-TREE" not in plan


def test_reading_one_incident_never_scans_a_link_table(app, backend, make_incident):
    """A popup's read is index lookups only (a nested LEFT JOIN once made SQLite
    materialise incident_vectors and incident_countries whole: 2 s at 1M)."""
    if backend != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    from app.incidents import service
    incident_id = make_incident(title="Popup").id
    db.session.expunge_all()
    statements = []

    def capture(conn, cursor, statement, params, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(conn.connection.dbapi_connection.execute(
                "EXPLAIN QUERY PLAN " + statement, params).fetchall())
    sa.event.listen(db.engine, "before_cursor_execute", capture)
    try:
        service.get_incident(incident_id, None)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", capture)
    plans = " | ".join(row[-1] for plan in statements for row in plan)
    assert "incident_vectors" in plans and "incident_countries" in plans
    assert "MATERIALIZE" not in plans
    for table in ("incident_vectors", "incident_countries", "incidents", "sources"):
        assert f"SCAN {table}" not in plans, plans
