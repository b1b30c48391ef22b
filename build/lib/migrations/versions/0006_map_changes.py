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
``s`` (``app/incidents/mapindex.py``).

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
import importlib.util
from pathlib import Path

from alembic import op
import sqlalchemy as sa

revision = '0006_map_changes'
down_revision = '0005_barometer_index'
branch_labels = None
depends_on = None

WINDOW = 100_000      # counter steps kept in the log (also app/incidents/mapindex.py)
MAX_LOGGED = 10_000   # PostgreSQL: a bigger statement forces a rebuild instead
OLD_TABLES = ("incidents", "incident_vectors", "incident_countries")
# table -> the column naming the incident (None: a sentinel id, see above)
LOGGED = {"incidents": "id", "incident_vectors": "incident_id",
          "incident_countries": "incident_id", "actors": "0", "vectors": "-1"}

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION log_map_changes() RETURNS trigger AS $$
DECLARE
  col text := TG_ARGV[0];
  n bigint;
  win bigint;
  step bigint := 1;
  v_seq bigint;
BEGIN
  IF TG_OP = 'DELETE' THEN
    SELECT count(*) INTO n FROM old_rows;
  ELSIF TG_OP IN ('INSERT', 'UPDATE') THEN
    SELECT count(*) INTO n FROM new_rows;
  END IF;
  IF n = 0 THEN
    RETURN NULL;  -- a statement that touched nothing changes nothing
  END IF;
  SELECT value INTO win FROM change_counters WHERE name = 'map_changes_window';
  win := COALESCE(win, %(window)d);
  IF TG_OP = 'TRUNCATE' OR (n > %(max_logged)d AND col !~ '^-?[0-9]+$') THEN
    step := win + 1;
  END IF;
  INSERT INTO change_counters (name, value)
  VALUES ('incidents', (random() * 1e15)::bigint)
  ON CONFLICT (name) DO UPDATE SET value = change_counters.value + step
  RETURNING value INTO v_seq;
  IF step = 1 THEN
    IF col ~ '^-?[0-9]+$' THEN
      INSERT INTO map_changes (seq, incident_id) VALUES (v_seq, col::bigint)
      ON CONFLICT DO NOTHING;
    ELSIF TG_OP = 'INSERT' THEN
      EXECUTE format('INSERT INTO map_changes (seq, incident_id) SELECT DISTINCT $1, %%I '
                     'FROM new_rows ON CONFLICT DO NOTHING', col) USING v_seq;
    ELSIF TG_OP = 'DELETE' THEN
      EXECUTE format('INSERT INTO map_changes (seq, incident_id) SELECT DISTINCT $1, %%I '
                     'FROM old_rows ON CONFLICT DO NOTHING', col) USING v_seq;
    ELSE
      EXECUTE format('INSERT INTO map_changes (seq, incident_id) SELECT $1, %%1$I '
                     'FROM new_rows UNION SELECT $1, %%1$I FROM old_rows '
                     'ON CONFLICT DO NOTHING', col) USING v_seq;
    END IF;
  END IF;
  DELETE FROM map_changes WHERE seq <= v_seq - win;
  RETURN NULL;
END $$ LANGUAGE plpgsql
""" % {"window": WINDOW, "max_logged": MAX_LOGGED}

SQLITE_BUMP = ("INSERT INTO change_counters (name, value) VALUES ('incidents', "
               "abs(random() % 1000000000000000)) ON CONFLICT (name) DO UPDATE "
               "SET value = value + 1;")
SQLITE_LOG = ("INSERT OR IGNORE INTO map_changes (seq, incident_id) SELECT value, {ref} "
              "FROM change_counters WHERE name = 'incidents';")
SQLITE_PRUNE = ("DELETE FROM map_changes WHERE seq <= (SELECT value FROM change_counters "
                "WHERE name = 'incidents') - COALESCE((SELECT value FROM change_counters "
                f"WHERE name = 'map_changes_window'), {WINDOW});")


def _sqlite_body(event, col):
    if col.lstrip("-").isdigit():
        refs = [col]
    else:
        refs = {"INSERT": [f"NEW.{col}"], "DELETE": [f"OLD.{col}"],
                "UPDATE": [f"OLD.{col}", f"NEW.{col}"]}[event]
    return " ".join([SQLITE_BUMP, *(SQLITE_LOG.format(ref=r) for r in refs), SQLITE_PRUNE])


def _migration_0002():
    """Migration 0002's module: its counter-only triggers come back on downgrade."""
    path = Path(__file__).with_name("0002_map_generation.py")
    spec = importlib.util.spec_from_file_location("migration_0002", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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
        op.execute(PG_FUNCTION)
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
            for event in ("INSERT", "UPDATE", "DELETE"):
                if col.lstrip("-").isdigit() and event == "INSERT":
                    continue  # a new actor or vector shows through incidents (logged)
                op.execute(f"CREATE TRIGGER {table}_map_{event.lower()} AFTER {event} "
                           f"ON {table} BEGIN {_sqlite_body(event, col)} END")


def downgrade():
    dialect = op.get_bind().dialect.name
    events = ("insert", "update", "delete", "truncate")[:4 if dialect == "postgresql" else 3]
    _drop_triggers(dialect, LOGGED, "map_", events, "log_map_changes")
    op.drop_table('map_changes')
    op.execute("DELETE FROM change_counters WHERE name IN ('map_changes_window', "
               "'map_epoch')")
    old = _migration_0002()  # put back its counter-only triggers
    if dialect == "postgresql":
        op.execute(old.PG_FUNCTION)
        for table in OLD_TABLES:
            op.execute(f"CREATE TRIGGER {table}_generation AFTER INSERT OR UPDATE OR "
                       f"DELETE OR TRUNCATE ON {table} FOR EACH STATEMENT "
                       "EXECUTE FUNCTION bump_incidents_generation()")
    else:
        for table in OLD_TABLES:
            for event in ("INSERT", "UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_generation_{event.lower()} AFTER "
                           f"{event} ON {table} BEGIN {old.SQLITE_BUMP} END")
