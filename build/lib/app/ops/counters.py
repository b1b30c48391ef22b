"""Change counters read outside the request's transaction, for the price of one query.

Every map request asks whether ``change_counters['incidents']`` moved (the
in-memory index is patched when it did). Through the request's ORM session
that question costs a transaction: a pool checkout, ``BEGIN``, a compiled
statement, then a ``ROLLBACK`` and the check-in at teardown — about a third of
the time of a map answer served from the cache. Here each process keeps a few
connections of its own to the primary, in autocommit, and runs one prepared
``SELECT`` on whichever is free: the value read is the last committed one,
which is what the index (built from committed rows) must be compared with.

Engines whose pool shares one connection (in-memory SQLite: ``StaticPool``,
``SingletonThreadPool``) have no second connection to offer; there the
counter is read in the session, as before. Connections inherited across a
``fork`` are never used nor closed by the child (closing would end the
parent's session on the shared socket); the child opens its own.
"""
import os
import weakref

import sqlalchemy as sa
from sqlalchemy.pool import SingletonThreadPool, StaticPool

from app.extensions import db

SQL = "SELECT value FROM change_counters WHERE name = {}"
_readers = weakref.WeakKeyDictionary()  # engine -> CounterReader
_inherited = []  # connections of a parent process: kept referenced, never closed


class CounterReader:
    """Autocommit connections of one engine, lent to one query at a time.

    It holds no reference to the engine (the registry is keyed weakly by it);
    the engine's ``dispose()`` closes its connections.
    """

    def __init__(self, engine):
        self.idle = []  # list.pop/append are atomic: no lock needed
        self.sql = SQL.format("%s" if engine.dialect.paramstyle in ("format", "pyformat")
                              else "?")

    def read(self, engine, name):
        """The committed value of counter ``name`` (``None`` if the row is missing)."""
        try:
            connection = self.idle.pop()
        except IndexError:
            connection = _connect(engine)
        try:
            value = self._query(connection, name)
        except engine.dialect.dbapi.Error:
            _close_quietly(connection)  # dropped by the server, a restart: one retry
            connection = _connect(engine)
            value = self._query(connection, name)
        self.idle.append(connection)
        return value

    def _query(self, connection, name):
        cursor = connection.cursor()
        try:
            cursor.execute(self.sql, (name,))
            row = cursor.fetchone()
        finally:
            cursor.close()
        return None if row is None else row[0]

    def close(self, *_):
        """Close every idle connection (the engine was disposed)."""
        idle, self.idle = self.idle, []
        for connection in idle:
            _close_quietly(connection)


def _connect(engine):
    """A DBAPI connection of ``engine`` (its connect events ran), out of its pool."""
    proxied = engine.raw_connection()
    proxied.detach()
    connection = proxied.dbapi_connection
    if engine.dialect.name == "postgresql":
        connection.autocommit = True
    else:  # sqlite3: no implicit BEGIN, each SELECT sees the last commit
        connection.isolation_level = None
    return connection


def _close_quietly(connection):
    try:
        connection.close()
    except Exception:  # noqa: BLE001 — already broken
        pass


def read_counter(name):
    """The committed value of ``change_counters[name]`` on the primary database."""
    engine = db.engine
    if isinstance(engine.pool, (StaticPool, SingletonThreadPool)):
        return db.session.scalar(sa.text(SQL.format(":name")), {"name": name})
    reader = _readers.get(engine)
    if reader is None:
        reader = _readers.setdefault(engine, CounterReader(engine))
        sa.event.listen(engine, "engine_disposed", reader.close)
    return reader.read(engine, name)


def _forget_after_fork():
    """In a forked child, leave every reader's connections to the parent."""
    for reader in list(_readers.values()):
        _inherited.extend(reader.idle)
        reader.idle = []


os.register_at_fork(after_in_child=_forget_after_fork)
