"""map change log: which incidents changed, so map processes patch their index

Revision ID: 0006_map_changes
Revises: 0005_barometer_index
Create Date: 2026-11-29 11:00:00

The triggers of migration 0002 only bumped ``change_counters['incidents']``,
so every process rebuilt its whole map index (seconds at 1,000,000) after any
write. These triggers replace them: each write still bumps the counter, in the
writing transaction, and also records in ``map_changes`` the ids of the
incidents it touched, under the counter value it reached (``seq``). A process
that applied the log up to ``seq = s`` re-reads only the incidents logged after
``s`` (``app/incidents/mapindex/``).

Why ``seq`` is the counter and not a sequence of its own: the counter row is
locked by the first bump of a transaction until it commits, so writers take
``seq`` values one transaction after another and a reader never sees a later
``seq`` committed before an earlier one (a PostgreSQL sequence would allow
exactly that, and a process would skip the late change forever).

The log is pruned as it grows: rows more than ``change_counters
['map_changes_window']`` counter steps old are deleted, so a process further
behind than that rebuilds. What cannot be listed — a TRUNCATE, or on PostgreSQL
a statement touching more than ``MAX_LOGGED`` rows (a bulk import, where a
rebuild is cheaper than a patch) — moves the counter past the window, which
makes every process rebuild. ``incident_id`` 0 means "actor names changed"
(no incident to re-read, but the map's answers changed) and -1 "the vector
taxonomy changed" (rebuild).
"""
from alembic import op
import sqlalchemy as sa

from app.incidents import triggers
from app.incidents.triggers import LOGGED, WINDOW

revision = '0006_map_changes'
down_revision = '0005_barometer_index'
branch_labels = None
depends_on = None

OLD_TABLES = triggers.MAP_WATCHED_0002


def _drop_triggers(dialect, tables, name, events, function):
    """Drop the triggers ``{table}_{name}_{event}`` and the PostgreSQL ``function``."""
    for table in tables:
        for event in events:
            on = f" ON {table}" if dialect == "postgresql" else ""
            op.execute(f"DROP TRIGGER IF EXISTS {table}_{name}{event}{on}")
    if dialect == "postgresql":
        op.execute(f"DROP FUNCTION IF EXISTS {function}()")


def upgrade():
    dialect = op.get_bind().dialect.name
    op.create_table(
        'map_changes',
        sa.Column('seq', sa.BigInteger(), nullable=False),
        sa.Column('incident_id', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('seq', 'incident_id', name=op.f('pk_map_changes')))
    op.execute(f"INSERT INTO change_counters (name, value) VALUES "
               f"('map_changes_window', {WINDOW})")
    # This database's random identity: a map index saved to disk is reused
    # only by processes of the database it was read from.
    random = "(random() * 1e15)::bigint" if dialect == "postgresql" else \
        "abs(random() % 1000000000000000)"
    op.execute(f"INSERT INTO change_counters (name, value) VALUES ('map_epoch', {random})")
    if dialect == "postgresql":
        _drop_triggers(dialect, OLD_TABLES, "generation", [""], "bump_incidents_generation")
    else:
        _drop_triggers(dialect, OLD_TABLES, "generation_", ("insert", "update", "delete"),
                       None)
    if dialect == "postgresql":
        op.execute(triggers.PG_LOG_FUNCTION_0006)
        for table, col in LOGGED.items():
            # Statement triggers with transition tables: one bump and one
            # INSERT … SELECT per statement, however many rows it wrote.
            # (PostgreSQL allows transition tables on single-event triggers only.)
            # A new actor or vector shows only through incidents (logged).
            if not col.lstrip("-").isdigit():
                op.execute(f"CREATE TRIGGER {table}_map_insert AFTER INSERT ON {table} "
                           "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
                           f"EXECUTE FUNCTION log_map_changes('{col}')")
            op.execute(f"CREATE TRIGGER {table}_map_update AFTER UPDATE ON {table} "
                       "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION log_map_changes('{col}')")
            op.execute(f"CREATE TRIGGER {table}_map_delete AFTER DELETE ON {table} "
                       "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
                       f"EXECUTE FUNCTION log_map_changes('{col}')")
            op.execute(f"CREATE TRIGGER {table}_map_truncate AFTER TRUNCATE ON {table} "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION log_map_changes('{col}')")
    else:
        for table, col in LOGGED.items():  # SQLite has row triggers only
            for event in triggers.sqlite_map_events(col):
                op.execute(triggers.sqlite_map_trigger(table, event, col,
                                                       published_only=False))


def downgrade():
    dialect = op.get_bind().dialect.name
    events = ("insert", "update", "delete", "truncate")[:4 if dialect == "postgresql" else 3]
    _drop_triggers(dialect, LOGGED, "map_", events, "log_map_changes")
    op.drop_table('map_changes')
    op.execute("DELETE FROM change_counters WHERE name IN ('map_changes_window', "
               "'map_epoch')")
    # put back migration 0002's counter-only triggers
    if dialect == "postgresql":
        op.execute(triggers.PG_BUMP_FUNCTION_0002)
        for table in OLD_TABLES:
            op.execute(f"CREATE TRIGGER {table}_generation AFTER INSERT OR UPDATE OR "
                       f"DELETE OR TRUNCATE ON {table} FOR EACH STATEMENT "
                       "EXECUTE FUNCTION bump_incidents_generation()")
    else:
        for table in OLD_TABLES:
            for event in ("INSERT", "UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_generation_{event.lower()} AFTER "
                           f"{event} ON {table} BEGIN {triggers.SQLITE_BUMP} END")
