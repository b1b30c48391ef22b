"""Pooled connections are tested before use only after they sat idle a while.

``pool_pre_ping`` sends ``SELECT 1`` at every checkout: one more round trip in
every request (a write makes about ten). A connection that served a request a
moment ago is almost surely alive; one idle for longer than
``ATLAS_DB_PING_AFTER`` seconds may have been closed by the server (a restart),
a proxy or a firewall, so it is pinged first and, if dead, replaced: raising
``DisconnectionError`` in the checkout event makes the pool discard it and
check out another (SQLAlchemy's documented pessimistic pattern). A server that
restarts while connections are busy fails the requests using them at that
moment (nothing they did is committed); SQLAlchemy then invalidates every
pooled connection of that generation, so the following requests reconnect.
"""
import time
from functools import partial

import sqlalchemy as sa

IDLE_SINCE = "atlas_idle_since"


def init_app(app, db):
    """Ping-if-idle on every engine of ``db`` (the primary and any replica)."""
    after = app.config["ATLAS_DB_PING_AFTER"]
    with app.app_context():
        for engine in db.engines.values():
            sa.event.listen(engine, "checkin", _note_idle)
            sa.event.listen(engine, "checkout", partial(_ping_if_idle, after))


def _note_idle(_dbapi_connection, record):
    record.info[IDLE_SINCE] = time.monotonic()


def _ping_if_idle(after, dbapi_connection, record, _proxy):
    since = record.info.get(IDLE_SINCE)
    if since is None or time.monotonic() - since < after:
        return  # just connected, or used a moment ago
    try:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT 1")
        finally:
            cursor.close()
        # The driver began a transaction for the SELECT (psycopg2 does): end it, so the
        # connection is handed out as the pool keeps it, outside one. Inside one,
        # whoever sets the isolation level or read-only on it next (the map index's
        # snapshot) fails: "set_session cannot be used inside a transaction".
        dbapi_connection.rollback()
    except Exception as exc:  # noqa: BLE001 — whatever the driver raises: it is dead
        raise sa.exc.DisconnectionError(f"connection idle {time.monotonic() - since:.0f} s "
                                        f"was closed: {exc}") from exc
