"""A big bulk write commits without checkpointing; a thread checkpoints it after."""
import os
import sqlite3

from app.bulk import checkpoint as wal


def _database(tmp_path):
    path = str(tmp_path / "wal.db")
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE t (x)")
    return connection, path


def _write(connection, rows=2000):
    connection.execute("BEGIN")
    connection.executemany("INSERT INTO t VALUES (?)", [("x" * 1000,)] * rows)
    connection.execute("COMMIT")


def test_the_commit_leaves_the_checkpoint_to_a_thread(tmp_path, monkeypatch):
    monkeypatch.setattr(wal, "LATER_BYTES", 1)
    connection, path = _database(tmp_path)
    started = []
    monkeypatch.setattr(wal, "_checkpoint", lambda p: started.append(p))
    with wal.checkpoint_later(connection, path):
        assert connection.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
        _write(connection)
    wal.wait()
    assert started == [path]
    assert connection.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000


def test_the_thread_copies_the_log_into_the_database(tmp_path, monkeypatch):
    monkeypatch.setattr(wal, "LATER_BYTES", 1)
    connection, path = _database(tmp_path)
    with wal.checkpoint_later(connection, path):
        _write(connection)
        assert os.path.getsize(path) < 100_000  # committed, still only in the log
    wal.wait()
    assert os.path.getsize(path) > 2000 * 1000  # copied into the database file
    assert sqlite3.connect(path).execute("SELECT count(*) FROM t").fetchone()[0] == 2000


def test_a_small_log_is_left_to_the_next_automatic_checkpoint(tmp_path, monkeypatch):
    connection, path = _database(tmp_path)
    started = []
    monkeypatch.setattr(wal, "_checkpoint", lambda p: started.append(p))
    with wal.checkpoint_later(connection, path):
        _write(connection, rows=10)
    wal.wait()
    assert started == []


def test_only_a_sqlite_file_has_a_path_to_checkpoint(tmp_path):
    import sqlalchemy as sa
    path = str(tmp_path / "a.db")
    assert wal.sqlite_file(sa.create_engine(f"sqlite:///{path}")) == path
    for url in ("sqlite://", "sqlite:///:memory:", f"sqlite:///file:{path}?mode=ro&uri=true",
                "postgresql://postgres@127.0.0.1/postgres"):
        assert wal.sqlite_file(sa.create_engine(url)) is None, url
    connection = sqlite3.connect(":memory:")
    with wal.checkpoint_later(connection, None):  # nothing to do, nothing changed
        assert connection.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000
