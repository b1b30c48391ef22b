"""Demo data: deterministic, varied, published, with countries from the spatial join."""
import sqlalchemy as sa

from app.extensions import db
from app.incidents.models import Incident, Vector, incident_vectors


def _fingerprint():
    rows = db.session.execute(sa.select(Incident.title, Incident.start_date, Incident.rep_x,
                                        Incident.confidence).order_by(Incident.id)).all()
    return [tuple(r) for r in rows]


def test_seed_is_deterministic_and_varied(runner, app, make_user):
    make_user("admin")
    result = runner.invoke(args=["demo", "seed", "--count", "300", "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert "Seeded 300 incidents" in result.output
    first = _fingerprint()
    db.session.execute(sa.delete(Incident))
    db.session.commit()
    runner.invoke(args=["demo", "seed", "--count", "300", "--seed", "7"])
    assert _fingerprint() == first
    kinds = {g.geom_type for g in db.session.scalars(sa.select(Incident.geometry))}
    assert kinds == {"Point", "LineString", "Polygon"}
    used = set(db.session.scalars(sa.select(Vector.slug).join(
        incident_vectors, incident_vectors.c.vector_id == Vector.id)))
    assert len(used) == 11
    statuses = set(db.session.scalars(sa.select(Incident.status)))
    assert statuses == {"published"}
    precisions = set(db.session.scalars(sa.select(Incident.geo_precision)))
    assert precisions == {"exact", "city", "region", "country"}
    years = {d.year for d in db.session.scalars(sa.select(Incident.start_date))}
    assert len(years) >= 5
    with_countries = db.session.scalar(sa.text(
        "SELECT count(DISTINCT incident_id) FROM incident_countries"))
    assert with_countries > 250


def test_seed_ignores_vectors_added_by_editors(app, runner):
    """An editor's new vector has no demo titles; seeding must still work."""
    from app.taxonomy import service
    vector = service.save_vector(None, {"slug": "elections", "label_en": "Elections",
                                        "label_fr": "Élections", "color": "#aa0011",
                                        "symbol": "☑"})
    try:
        result = runner.invoke(args=["demo", "seed", "--count", "20", "--seed", "3"])
        assert result.exit_code == 0, result.output
    finally:
        db.session.rollback()
        db.session.execute(sa.delete(Vector).where(Vector.id == vector.id))
        db.session.commit()


def test_an_injected_surge_is_found_by_the_detector(runner, app, make_user):
    """``demo seed --surge``: the known answer the signals bench relies on."""
    from app.signals import service as signals
    make_user("admin")
    result = runner.invoke(args=["demo", "seed", "--count", "400", "--seed", "3",
                                 "--surge", "EST:sabotage:2026-10-14:8"])
    assert result.exit_code == 0, result.output
    assert "Seeded 408 incidents" in result.output
    found = [s for s in signals.current_signals() if s.country == "EST"
             and s.vector == "sabotage"]
    assert [(s.week.isoformat(), s.observed >= 8) for s in found] == [("2026-10-12", True)]
    bad = runner.invoke(args=["demo", "seed", "--count", "1", "--surge", "EST:sabotage:x:8"])
    assert bad.exit_code == 2 and "COUNTRY:VECTOR:YYYY-MM-DD:SIZE" in bad.output
