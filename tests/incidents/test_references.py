"""The per-process reference cache of the write path follows changes made elsewhere."""
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.incidents import service
from app.incidents.models import Actor
from app.incidents.schema import ValidationError, parse_incident


def _data(**fields):
    data = {"title": "Cached", "start_date": "2025-03-01", "wkt": "POINT (2.35 48.86)",
            "vectors": ["cyber"], "actor": "Cache Actor", "confidence": 70}
    data.update(fields)
    return parse_incident(data)


def _ensure_counter():
    """The PostGIS test fixture truncates ``change_counters``; production never does."""
    if service._reference_generation() is None:
        db.session.execute(sa.text("INSERT INTO change_counters (name, value) "
                                   "VALUES ('references', 1)"))
        db.session.commit()


def _elsewhere(sql):
    """Run ``sql`` on a connection of its own, as another worker process would."""
    engine = sa.create_engine(db.engine.url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(sql))
    finally:
        engine.dispose()


def test_a_vector_renamed_by_another_process_is_seen_by_the_next_write(app, make_user):
    _ensure_counter()
    author = make_user("contributor")
    first = service.create_incident(data=_data(), author=author)
    assert [v.slug for v in first.vectors] == ["cyber"]
    assert service._reference_cache.get(db.engine) is not None  # the cache is in use
    db.session.commit()
    _elsewhere("UPDATE vectors SET slug = 'cyber-renamed' WHERE slug = 'cyber'")
    try:
        with pytest.raises(ValidationError, match="unknown vector cyber"):
            service.create_incident(data=_data(), author=author)
        renamed = service.create_incident(data=_data(vectors=["cyber-renamed"]), author=author)
        assert [v.slug for v in renamed.vectors] == ["cyber-renamed"]
    finally:
        db.session.rollback()
        _elsewhere("UPDATE vectors SET slug = 'cyber' WHERE slug = 'cyber-renamed'")


def test_actors_are_found_case_insensitively_or_created_once(app, make_user):
    author = make_user("contributor")
    one = service.create_incident(data=_data(actor="Storm Relay"), author=author)
    two = service.create_incident(data=_data(actor="STORM relay"), author=author)
    assert one.actor_id == two.actor_id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Actor)
                             .where(sa.func.lower(Actor.name) == "storm relay")) == 1


def test_cached_references_write_the_same_rows_as_fresh_ones(app, make_user):
    """Countries derived from the geometry and techniques resolve through the cache."""
    author = make_user("contributor")
    incident = service.create_incident(
        data=_data(wkt="POLYGON ((5 49, 7 49, 7 51, 5 51, 5 49))", techniques=["T0002"]),
        author=author)
    db.session.commit()
    db.session.expire_all()
    assert {"BEL", "DEU", "LUX"} <= {c.iso_a3 for c in incident.countries}
    assert [t.id for t in incident.techniques] == ["T0002"]
    assert service.snapshot(incident)["vectors"] == ["cyber"]
