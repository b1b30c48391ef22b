"""Connections idle for a while are pinged before use and replaced when dead (app/ops/pool.py)."""
import pytest
import sqlalchemy as sa

from app import create_app
from app.extensions import db
from tests.conftest import config_for


def _app(database_url, ping_after):
    return create_app(config_for(database_url, ATLAS_DB_PING_AFTER=ping_after))


def _backend_pid(backend):
    if backend == "postgis":
        return db.session.scalar(sa.text("SELECT pg_backend_pid()"))
    return db.session.scalar(sa.text("SELECT 1"))


def test_an_idle_connection_closed_underneath_is_replaced(database_url, backend):
    app = _app(database_url, ping_after=0)  # every connection counts as idle
    with app.app_context():
        try:
            _backend_pid(backend)
            dead = db.session.connection().connection.dbapi_connection
            db.session.remove()  # checked in, then closed behind the pool's back
            dead.close()
            assert db.session.scalar(sa.text("SELECT 41 + 1")) == 42
            assert db.session.connection().connection.dbapi_connection is not dead
        finally:
            db.session.remove()
            db.engine.dispose()


def test_a_busy_connection_is_not_pinged_and_a_restart_fails_one_request(database_url,
                                                                          backend):
    """Used a moment ago: no ping (no extra round trip). A server-side kill then
    fails the next request once; the pool is invalidated and the one after works."""
    if backend != "postgis":
        pytest.skip("needs a server that can end a session")
    app = _app(database_url, ping_after=3600)
    with app.app_context():
        try:
            pid = _backend_pid(backend)
            db.session.remove()
            killer = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
            with killer.connect() as conn:
                assert conn.scalar(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            killer.dispose()
            with pytest.raises(sa.exc.OperationalError):
                db.session.scalar(sa.text("SELECT 1"))
            db.session.rollback()
            assert db.session.scalar(sa.text("SELECT 41 + 1")) == 42
        finally:
            db.session.remove()
            db.engine.dispose()


def test_a_pinged_connection_is_handed_out_outside_a_transaction(database_url, backend):
    """The ping must not leave the connection inside a transaction: the map index's
    snapshot sets REPEATABLE READ and read-only on the connection it checks out, which
    psycopg2 refuses inside one ("set_session cannot be used inside a transaction"),
    so an anonymous ``GET /api/v1/map`` after an idle spell answered 500."""
    app = _app(database_url, ping_after=0)  # every checkout after the first pings
    with app.app_context():
        try:
            client = app.test_client()
            for _ in range(3):  # connects, then reuses (pinged) pooled connections
                response = client.get("/api/v1/map")
                assert response.status_code == 200, response.get_data(as_text=True)[-800:]
                assert response.get_json()["total"] == 0
            raw = db.engine.raw_connection()  # a checkout: pinged
            try:
                if backend == "postgis":
                    import psycopg2.extensions as ext
                    assert raw.dbapi_connection.get_transaction_status() \
                        == ext.TRANSACTION_STATUS_IDLE
                else:
                    assert not raw.dbapi_connection.in_transaction
            finally:
                raw.close()
        finally:
            db.session.remove()
            db.engine.dispose()
