"""``db backup`` / ``db restore`` round trips on both backends; ``db copy`` to PostGIS."""
import pytest
import shapely
import sqlalchemy as sa
from flask_migrate.cli import db as db_group

from app.extensions import db
from app.incidents.models import Incident, Revision


def _state():
    """Every incident as (id, title, status, version, WKB) plus the revision count."""
    rows = db.session.execute(sa.select(Incident.id, Incident.title, Incident.status,
                                        Incident.version, Incident.geometry)
                              .order_by(Incident.id)).all()
    revisions = db.session.scalar(sa.select(sa.func.count()).select_from(Revision))
    db.session.commit()  # end the read transaction: the CLI uses its own connection
    return [(r[0], r[1], r[2], r[3], shapely.to_wkb(r[4])) for r in rows], revisions


def test_backup_then_restore_brings_back_exactly_the_backed_up_state(
        app, runner, make_incident, tmp_path):
    make_incident(title="Kept", wkt="POLYGON ((0 0, 1 0, 1 1, 0 1, 0 0))")
    make_incident(title="Draft kept", status="draft", wkt="LINESTRING (2 2, 3 3)")
    before = _state()
    path = tmp_path / "atlas.backup"
    result = runner.invoke(db_group, ["backup", str(path)])
    assert result.exit_code == 0, result.output
    assert path.stat().st_size > 0
    make_incident(title="Written after the backup")
    db.session.execute(sa.update(Incident).where(Incident.title == "Kept")
                       .values(title="Changed after the backup"))
    db.session.commit()
    assert _state() != before
    result = runner.invoke(db_group, ["restore", "--yes", str(path)])
    assert result.exit_code == 0, result.output
    assert _state() == before


def test_restore_refuses_a_file_that_is_not_a_backup(app, runner, make_incident, tmp_path):
    make_incident(title="Still here")
    before = _state()
    bogus = tmp_path / "bogus.backup"
    bogus.write_bytes(b"not a database at all" * 100)
    result = runner.invoke(db_group, ["restore", "--yes", str(bogus)])
    assert result.exit_code != 0
    assert _state() == before


@pytest.mark.parametrize("backend", ["sqlite"])
def test_copy_moves_a_sqlite_deployment_to_postgis(app, runner, make_incident,
                                                   empty_postgis):
    make_incident(title="Point", wkt="POINT (2.35 48.86)")
    make_incident(title="Poly", status="draft",
                  wkt="MULTIPOLYGON (((10 10, 11 10, 11 11, 10 10)))")
    before = _state()
    result = runner.invoke(db_group, ["copy", "--to", empty_postgis])
    assert result.exit_code == 0, result.output
    assert "incidents: 2 rows" in result.output
    assert "geometries identical: 2" in result.output
    target = sa.create_engine(empty_postgis)
    with target.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT id, title, ST_AsText(geometry), ST_SRID(geometry) FROM incidents "
            "ORDER BY id")).all()
        next_id = conn.execute(sa.text("SELECT nextval('incidents_id_seq')")).scalar()
        countries = conn.execute(sa.text("SELECT count(*) FROM countries")).scalar()
    target.dispose()
    assert [(r[0], r[1]) for r in rows] == [(b[0], b[1]) for b in before[0]]
    assert rows[0][2] == "POINT(2.35 48.86)" and rows[0][3] == 4326
    assert next_id == before[0][-1][0] + 1
    assert countries > 150


@pytest.mark.parametrize("backend", ["sqlite"])
def test_copy_refuses_a_target_that_already_has_data(app, runner, make_incident,
                                                     empty_postgis):
    make_incident(title="Once")
    assert runner.invoke(db_group, ["copy", "--to", empty_postgis]).exit_code == 0
    again = runner.invoke(db_group, ["copy", "--to", empty_postgis])
    assert again.exit_code != 0
    assert "already has users" in again.output
