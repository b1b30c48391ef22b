"""Read-replica routing (app/ops/replica.py) against two real PostgreSQL databases.

A second PostGIS database stands in for the replica. The test copies one
incident into it under another title, so every answer shows which database
served it: anonymous public reads come from the replica; writes, reads with a
token or a signed-in session, and the change counters come from the primary.
"""
import pytest
import sqlalchemy as sa

from app import create_app
from app.auth.service import create_token
from app.extensions import db, limiter
from app.incidents.mapindex.loading import change_counters
from app.incidents.models import Incident
from tests.conftest import REFERENCE_TABLES, config_for, migrate_and_load


@pytest.fixture
def replica_url(empty_postgis):
    engine = sa.create_engine(empty_postgis)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
    engine.dispose()
    migrate_and_load(empty_postgis)
    return empty_postgis


@pytest.fixture
def app(postgis_url, replica_url):
    """The app on the session's PostGIS database, with ``replica_url`` as its replica."""
    app = create_app(config_for(postgis_url, SQLALCHEMY_BINDS={"replica": replica_url}))
    limiter.reset()
    with app.app_context():
        yield app
        db.session.remove()
        tables = [t for t in db.metadata.sorted_tables if t.name not in REFERENCE_TABLES]
        with db.engine.begin() as conn:
            conn.execute(sa.text("TRUNCATE " + ", ".join(t.name for t in tables)
                                 + " RESTART IDENTITY CASCADE"))
        db.engine.dispose()
        db.engines["replica"].dispose()


def _copy_to_replica(incident_id, title):
    """The primary's incident row, retitled, written into the replica (as if replicated)."""
    table = Incident.__table__
    with db.engine.connect() as conn:
        row = dict(conn.execute(sa.select(table).where(table.c.id == incident_id))
                   .mappings().one())
    row.update(title=title, created_by_id=None, reviewed_by_id=None, actor_id=None)
    with db.engines["replica"].begin() as conn:
        conn.execute(sa.insert(table), row)


def _count(engine):
    with engine.connect() as conn:
        return conn.scalar(sa.select(sa.func.count()).select_from(Incident.__table__))


def _title(client, incident_id, **kwargs):
    """GET the incident in a fresh app context: its own session, as a real request has."""
    with client.application.app_context():
        response = client.get(f"/api/v1/incidents/{incident_id}", **kwargs)
    return response.status_code, (response.get_json().get("properties") or {}).get("title")


def test_anonymous_reads_come_from_the_replica_and_signed_in_ones_from_the_primary(
        app, client, make_incident, make_user, auth):
    replicated = make_incident(title="Primary title").id
    not_yet = make_incident(title="Not replicated yet").id
    db.session.commit()
    _copy_to_replica(replicated, "Replica title")

    assert _title(client, replicated) == (200, "Replica title")
    # Replica lag, seen by the anonymous public: not there yet.
    assert _title(client, not_yet)[0] == 404
    with app.app_context():
        page = client.get(f"/incidents/{replicated}").get_data(as_text=True)
    assert "Replica title" in page and "Primary title" not in page

    contributor = make_user("contributor")
    bearer = {"Authorization": "Bearer " + create_token(contributor)}
    assert _title(client, replicated, headers=bearer) == (200, "Primary title")
    assert _title(client, not_yet, headers=bearer) == (200, "Not replicated yet")

    editor = make_user("editor")
    db.session.commit()
    with app.app_context():
        auth.login(editor.email)
    assert _title(client, replicated) == (200, "Primary title")


def test_writes_go_to_the_primary_and_their_author_reads_them_back(app, client, make_user):
    contributor = make_user("contributor")
    bearer = {"Authorization": "Bearer " + create_token(contributor)}
    db.session.commit()
    before = (_count(db.engine), _count(db.engines["replica"]))
    response = client.post("/api/v1/incidents", headers=bearer, json={
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [2.35, 48.86]},
        "properties": {"title": "Fresh draft", "start_date": "2025-04-01",
                       "vectors": ["cyber"], "actor": "Someone"}})
    assert response.status_code == 201, response.get_json()
    new_id = response.get_json()["id"]
    assert (_count(db.engine), _count(db.engines["replica"])) == (before[0] + 1, before[1])
    # Read-your-writes: the author (a token) reads from the primary at once.
    assert _title(client, new_id, headers=bearer) == (200, "Fresh draft")


def test_change_counters_and_raw_connections_use_the_primary(app):
    primary, replica = db.engines[None], db.engines["replica"]
    with app.test_request_context("/api/v1/map?zoom=2", method="GET"):
        assert db.session.get_bind(clause=sa.select(Incident.id)) is replica
        assert db.session.get_bind(clause=sa.select(change_counters.c.value)) is primary
        assert db.session.get_bind() is primary            # session.connection(): raw SQL
        assert db.session.get_bind(clause=sa.text("SELECT 1")) is primary
    with app.test_request_context("/api/v1/incidents", method="POST"):
        assert db.session.get_bind(clause=sa.select(Incident.id)) is primary
    with app.test_request_context("/login", method="GET"):
        assert db.session.get_bind(clause=sa.select(Incident.id)) is primary
