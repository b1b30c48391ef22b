"""The bbox query of ``search.py`` is answered by the spatial index on both backends."""
import sqlalchemy as sa

from app.demo.seed import seed
from app.extensions import db
from app.incidents import search
from app.incidents.filters import IncidentFilters

PARIS = (2.1, 48.7, 2.6, 49.0)


def _plan(stmt):
    """The database's query plan of ``stmt`` as one string."""
    sql = str(stmt.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))
    if db.engine.dialect.name == "postgresql":
        rows = db.session.execute(sa.text("EXPLAIN " + sql)).scalars()
    else:
        rows = (row[-1] for row in db.session.execute(sa.text("EXPLAIN QUERY PLAN " + sql)))
    return "\n".join(rows)


def test_bbox_search_uses_the_spatial_index(app, backend, make_user):
    """PostGIS plans an index scan on the GiST index ``ix_incidents_geometry``;
    SQLite asks the R*Tree ``incident_rtree`` for candidates.

    3,000 seeded incidents and ``ANALYZE`` give the planner real statistics, so
    it picks the index on its own (no ``enable_seqscan=off``): a city-sized box
    holds a small share of the rows, and an unindexable predicate (the geometry
    wrapped in a function, a mismatched SRID) would turn this into a Seq Scan.
    """
    seed(count=3000, seed_value=7, author=make_user("editor"))
    db.session.commit()
    if backend == "postgis":
        db.session.execute(sa.text("ANALYZE incidents"))
    stmt = search.select_incidents(IncidentFilters(bbox=PARIS), None)
    plan = _plan(stmt)
    if backend == "postgis":
        assert "ix_incidents_geometry" in plan, plan
        assert "Index Scan" in plan or "Bitmap Index Scan" in plan, plan
        assert "Seq Scan on incidents" not in plan, plan
    else:
        assert "incident_rtree VIRTUAL TABLE INDEX" in plan, plan
    # And it finds the incidents there, no more: the index answers correctly.
    found = search.find_incidents(IncidentFilters(bbox=PARIS), None, limit=5000)
    west, south, east, north = PARIS
    assert found
    assert all(i.max_x >= west and i.min_x <= east and i.max_y >= south and i.min_y <= north
               for i in found)
