"""``atlas-file://PATH``: rate-limit counters in a small SQLite file, shared by all workers.

limits' ``memory://`` storage counts per process: with gunicorn's 2 × cores
workers every limit was multiplied (10 wrong logins passed a "5 per minute"
throttle with two workers). This storage keeps the counters of one instance
in one SQLite file next to the app (WAL, one UPSERT per counted request), so
every worker of the instance counts together with nothing to install. Several
servers need a storage they all reach: ``RATELIMIT_STORAGE_URI=redis://…``.

Fixed windows only (Flask-Limiter's default strategy). Counters are not
precious: ``synchronous=OFF`` (a crash of the machine may lose the last
counts, never corrupt the file) and expired rows are deleted now and then.
"""
import os
import sqlite3
import threading
import time

from limits.storage import Storage

SCHEMA = ("CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, "
          "hits INTEGER NOT NULL, expires REAL NOT NULL) WITHOUT ROWID")
# A new window when the old one is over; else one more hit in it.
INCR = ("INSERT INTO counters (key, hits, expires) VALUES (:key, :amount, :expires) "
        "ON CONFLICT (key) DO UPDATE SET "
        "hits = CASE WHEN expires <= :now THEN :amount ELSE hits + :amount END, "
        "expires = CASE WHEN expires <= :now THEN :expires ELSE expires END "
        "RETURNING hits")
SWEEP_EVERY = 1000  # counted requests per process between deletions of expired rows


class FileStorage(Storage):
    """Fixed-window counters in the SQLite file named by the URI's path."""

    STORAGE_SCHEME = ["atlas-file"]

    def __init__(self, uri, wrap_exceptions=False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.path = uri.split("://", 1)[1]
        directory = os.path.dirname(self.path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        self.local = threading.local()
        self.pid = None
        self.counted = 0

    @property
    def base_exceptions(self):
        return sqlite3.Error

    def _conn(self):
        """One connection per thread and process (a forked worker opens its own)."""
        conn = getattr(self.local, "conn", None)
        if conn is None or getattr(self.local, "pid", None) != os.getpid():
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None,
                                   check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=OFF")
            conn.execute(SCHEMA)
            self.local.conn, self.local.pid = conn, os.getpid()
        return conn

    def incr(self, key, expiry, amount=1):
        now = time.time()
        conn = self._conn()
        hits = conn.execute(INCR, {"key": key, "amount": amount, "now": now,
                                   "expires": now + expiry}).fetchone()[0]
        self.counted += 1
        if self.counted % SWEEP_EVERY == 0:
            conn.execute("DELETE FROM counters WHERE expires <= ?", (now,))
        return hits

    def _row(self, key):
        return self._conn().execute(
            "SELECT hits, expires FROM counters WHERE key = ? AND expires > ?",
            (key, time.time())).fetchone()

    def get(self, key):
        row = self._row(key)
        return row[0] if row else 0

    def get_expiry(self, key):
        row = self._row(key)
        return row[1] if row else time.time()

    def check(self):
        try:
            self._conn().execute("SELECT 1")
            return True
        except sqlite3.Error:
            return False

    def reset(self):
        count = self._conn().execute("DELETE FROM counters").rowcount
        return count

    def clear(self, key):
        self._conn().execute("DELETE FROM counters WHERE key = ?", (key,))
