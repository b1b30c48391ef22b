"""Backups, restores and the SQLite → PostgreSQL move (no Flask request).

SQLite uses its online backup API, which copies a consistent snapshot while
the app keeps serving. PostgreSQL uses ``pg_dump``/``pg_restore`` in the
custom format. ``copy_database`` migrates a target PostgreSQL database, copies
every mapped table in foreign-key order and verifies counts and geometries.
"""
import os
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import shapely
import sqlalchemy as sa

COPY_CHUNK = 2000
# Per-database bookkeeping, not data: the target's own migration sets them up and
# its triggers fill them as the rows arrive (the map's change log and counters,
# with the database's own random identity).
NOT_COPIED = {"alembic_version", "map_changes", "change_counters"}


class OpsError(RuntimeError):
    """A backup, restore or copy that cannot be done, with the reason."""


def backup(engine, path):
    """Write a consistent backup of the database behind ``engine`` to ``path``."""
    path = Path(path)
    if engine.dialect.name == "sqlite":
        _sqlite_copy(_sqlite_file(engine), path)
    else:
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(path)], engine.url)
    return path


def restore(engine, path):
    """Replace the database behind ``engine`` with the backup at ``path``."""
    path = Path(path)
    if not path.is_file():
        raise OpsError(f"no backup file at {path}")
    engine.dispose()  # no pooled connection may keep the old pages
    if engine.dialect.name == "sqlite":
        _check_sqlite_backup(path)
        _sqlite_copy(path, _sqlite_file(engine))
    else:
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
              "--exit-on-error"], engine.url, dbname_flag=True, extra=[str(path)])


def _sqlite_file(engine):
    database = engine.url.database
    if not database or database == ":memory:":
        raise OpsError("an in-memory SQLite database has nothing to back up")
    return Path(database)


def _sqlite_copy(source, target):
    """Copy one SQLite file onto another with the online backup API."""
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _check_sqlite_backup(path):
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            ok = conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            migrated = conn.execute("SELECT count(*) FROM sqlite_master WHERE "
                                    "name = 'alembic_version'").fetchone()[0] == 1
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise OpsError(f"{path} is not an SQLite database: {exc}") from None
    if not (ok and migrated):
        raise OpsError(f"{path} is not a sound backup of this application")


def _libpq(url):
    """A libpq connection URI and environment (the password stays out of ``ps``)."""
    url = sa.engine.make_url(url)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(command, url, *, dbname_flag=False, extra=()):
    uri, env = _libpq(url)
    command = [*command, "--dbname", uri] if dbname_flag else [*command, uri]
    result = subprocess.run([*command, *extra], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise OpsError(f"{command[0]} failed: {result.stderr.strip()[-2000:]}")


@dataclass
class CopyReport:
    """What ``copy_database`` moved: rows per table, geometries compared."""

    rows: dict = field(default_factory=dict)
    geometries_checked: int = 0

    def lines(self):
        yield from (f"{name}: {count} rows" for name, count in self.rows.items())
        yield f"geometries identical: {self.geometries_checked}"


def copy_database(metadata, source, target):
    """Copy every table of ``metadata`` from engine ``source`` to engine ``target``.

    ``target`` must already carry the schema and hold no users or incidents.
    Runs in one target transaction: a failed copy or check leaves it untouched.
    """
    tables = [t for t in metadata.sorted_tables if t.name not in NOT_COPIED]
    report = CopyReport()
    with source.connect() as src, target.begin() as dst:
        _refuse_non_empty(dst, metadata)
        for table in tables:
            dst.execute(table.delete())  # reference rows loaded by setup are replaced
            report.rows[table.name] = _copy_table(src, dst, table)
        _reset_sequences(dst, tables)
        _verify(src, dst, tables, metadata, report)
    # Fresh planner statistics: without them PostgreSQL guessed ~1,000 published
    # incidents out of 1,000,000 and ANDed a full status-index scan into every
    # bbox query (82 ms instead of 2 ms for a city); autovacuum gets there later.
    with target.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("ANALYZE"))
    return report


def _refuse_non_empty(dst, metadata):
    for name in ("users", "incidents"):
        if name in metadata.tables and dst.scalar(
                sa.select(sa.func.count()).select_from(metadata.tables[name])):
            raise OpsError(f"the target database already has {name}; copy into an empty one")


def _copy_table(src, dst, table):
    count = 0
    order = list(table.primary_key.columns) or list(table.columns)
    result = src.execution_options(yield_per=COPY_CHUNK).execute(
        sa.select(table).order_by(*order))
    for chunk in result.mappings().partitions(COPY_CHUNK):
        dst.execute(table.insert(), [dict(row) for row in chunk])
        count += len(chunk)
    return count


def _reset_sequences(dst, tables):
    """Move PostgreSQL id sequences past the copied ids."""
    if dst.dialect.name != "postgresql":
        return
    for table in tables:
        pk = list(table.primary_key.columns)
        if len(pk) == 1 and isinstance(pk[0].type, sa.Integer) and pk[0].autoincrement:
            dst.execute(sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', '{pk[0].name}'), "
                f"COALESCE((SELECT max({pk[0].name}) FROM {table.name}), 0) + 1, false)"))


def _verify(src, dst, tables, metadata, report):
    for table in tables:
        have = dst.scalar(sa.select(sa.func.count()).select_from(table))
        if have != report.rows[table.name]:
            raise OpsError(f"{table.name}: copied {report.rows[table.name]} rows, "
                           f"target has {have}")
    incidents = metadata.tables.get("incidents")
    if incidents is None:
        return
    query = sa.select(incidents.c.id, incidents.c.geometry).order_by(incidents.c.id)
    for before, after in zip(src.execute(query), dst.execute(query)):
        if before.id != after.id or not shapely.equals_exact(before.geometry,
                                                             after.geometry, 0):
            raise OpsError(f"incident {before.id}: geometry differs after the copy")
        report.geometries_checked += 1
