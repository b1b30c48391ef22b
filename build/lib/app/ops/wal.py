"""SQLite WAL checkpoints after a big bulk write, off the writer's path.

A transaction commits when its pages are in the write-ahead log (and synced):
it is then durable and every new reader sees it. Copying those pages into the
database file — the checkpoint — SQLite runs by itself at the end of the
commit that grows the log past 1,000 pages, in the committing connection: for
a million-row import that is 1.4 GB copied, a tenth of the import's time, while
the importer (and, on the web, its user) waits. ``checkpoint_later`` turns
that automatic checkpoint off for one transaction and runs the same PASSIVE
checkpoint in a thread on its own connection once it has committed; readers
and writers go on meanwhile (a PASSIVE checkpoint never blocks them), and the
next automatic checkpoint picks up whatever it left.

Threads and ``fork`` do not mix (a child could inherit a lock the thread
held): ``wait`` lets the running checkpoint finish, and
``app.interchange.forked`` calls it before forking.
"""
import os
import sqlite3
import threading
from contextlib import contextmanager

LATER_BYTES = 32 * 2**20  # a smaller log is left to the next automatic checkpoint
_running = []


def sqlite_file(engine):
    """The file of ``engine``'s SQLite database, or None: another database, one in
    memory, or a ``file:`` URI (its path is not the text after the scheme)."""
    path = engine.url.database
    if engine.dialect.name != "sqlite" or path in (None, "", ":memory:") \
            or path.startswith("file:"):
        return None
    return path


@contextmanager
def checkpoint_later(dbapi_connection, path):
    """Inside the block, ``dbapi_connection`` (SQLite, WAL, file ``path``) commits
    without checkpointing; after it, a big log is checkpointed in a thread.
    No-op when ``path`` is None (no file: ``sqlite_file``)."""
    if path is None:
        yield
        return
    before = dbapi_connection.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
    dbapi_connection.execute("PRAGMA wal_autocheckpoint = 0")
    try:
        yield
    finally:
        dbapi_connection.execute(f"PRAGMA wal_autocheckpoint = {int(before)}")
        if _log_bytes(path) >= LATER_BYTES:
            thread = threading.Thread(target=_checkpoint, args=(path,),
                                      name="atlas-wal-checkpoint")
            _running.append(thread)
            thread.start()


def wait():
    """Let every checkpoint this process started finish."""
    while _running:
        _running.pop().join()


def _log_bytes(path):
    try:
        return os.path.getsize(f"{path}-wal")
    except OSError:
        return 0


def _checkpoint(path):
    try:
        connection = sqlite3.connect(path, timeout=10)
        try:
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        finally:
            connection.close()
    except sqlite3.Error:
        pass  # the next automatic checkpoint copies what this one could not
