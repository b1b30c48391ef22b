"""map change log: only writes that touch published incidents bump and log

Revision ID: 0011_map_published
Revises: 0010_import_speed
Create Date: 2026-11-29 12:25:00

The map index holds published incidents only (``policy.PUBLIC_STATUSES``), yet
the triggers of migration 0006 bumped ``change_counters['incidents']`` for
every write, drafts included. The bump locks the counter row until the writing
transaction commits (that lock is what keeps ``seq`` in commit order), so on
PostgreSQL every contributor saving a draft queued behind every other writer
(bench/README.md "## Load"). These triggers log a row only when the incident
it names is published before or after the write:

- ``incidents``: the old or the new row has status 'published';
- ``incident_vectors`` / ``incident_countries``: their incident is published now
  (a draft's links matter only once it is published, and publishing updates
  the incident row, which is logged and makes processes re-read all of it);
- ``actors`` / ``vectors``: unchanged (a rename can change what the map shows).

A statement that keeps no row neither bumps nor logs, so draft writes take no
lock on the counter and run side by side.
"""
import importlib.util
from pathlib import Path

from alembic import op

revision = '0011_map_published'
down_revision = '0010_import_speed'
branch_labels = None
depends_on = None

PUBLISHED = "'published'"

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION log_map_changes() RETURNS trigger AS $$
DECLARE
  col text := TG_ARGV[0];
  kept text := 'true';
  n bigint;
  win bigint;
  step bigint := 1;
  v_seq bigint;
BEGIN
  IF TG_TABLE_NAME = 'incidents' THEN
    kept := 'status = %(published)s';
  ELSIF col !~ '^-?[0-9]+$' THEN
    kept := format('%%I IN (SELECT id FROM incidents WHERE status = %(published)s)', col);
  END IF;
  IF TG_OP = 'DELETE' THEN
    EXECUTE 'SELECT count(*) FROM old_rows WHERE ' || kept INTO n;
  ELSIF TG_OP = 'INSERT' THEN
    EXECUTE 'SELECT count(*) FROM new_rows WHERE ' || kept INTO n;
  ELSIF TG_OP = 'UPDATE' THEN
    EXECUTE 'SELECT (SELECT count(*) FROM new_rows WHERE ' || kept || ') + '
            '(SELECT count(*) FROM old_rows WHERE ' || kept || ')' INTO n;
  END IF;
  IF n = 0 THEN
    RETURN NULL;  -- nothing published was touched: no bump, no lock, no log
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
                     'FROM new_rows WHERE %%s ON CONFLICT DO NOTHING', col, kept) USING v_seq;
    ELSIF TG_OP = 'DELETE' THEN
      EXECUTE format('INSERT INTO map_changes (seq, incident_id) SELECT DISTINCT $1, %%I '
                     'FROM old_rows WHERE %%s ON CONFLICT DO NOTHING', col, kept) USING v_seq;
    ELSE
      EXECUTE format('INSERT INTO map_changes (seq, incident_id) SELECT $1, %%1$I '
                     'FROM new_rows WHERE %%2$s UNION SELECT $1, %%1$I FROM old_rows '
                     'WHERE %%2$s ON CONFLICT DO NOTHING', col, kept) USING v_seq;
    END IF;
  END IF;
  DELETE FROM map_changes WHERE seq <= v_seq - win;
  RETURN NULL;
END $$ LANGUAGE plpgsql
"""


def _migration_0006():
    """Migration 0006's module: its trigger bodies, and its triggers on downgrade."""
    path = Path(__file__).with_name("0006_map_changes.py")
    spec = importlib.util.spec_from_file_location("migration_0006", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _sqlite_when(table, event, col):
    """The WHEN clause keeping a row trigger to published incidents ('' for none)."""
    refs = {"INSERT": ["NEW"], "DELETE": ["OLD"], "UPDATE": ["OLD", "NEW"]}[event]
    if table == "incidents":
        tests = [f"{ref}.status = {PUBLISHED}" for ref in refs]
    elif not col.lstrip("-").isdigit():
        tests = [f"(SELECT status FROM incidents WHERE id = {ref}.{col}) = {PUBLISHED}"
                 for ref in refs]
    else:
        return ""
    return " WHEN " + " OR ".join(tests)


def _sqlite_triggers(old, *, filtered):
    for table, col in old.LOGGED.items():
        for event in ("INSERT", "UPDATE", "DELETE"):
            if col.lstrip("-").isdigit() and event == "INSERT":
                continue
            name = f"{table}_map_{event.lower()}"
            when = _sqlite_when(table, event, col) if filtered else ""
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
            op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table}{when} "
                       f"BEGIN {old._sqlite_body(event, col)} END")


def upgrade():
    old = _migration_0006()
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION % {"window": old.WINDOW, "max_logged": old.MAX_LOGGED,
                                  "published": PUBLISHED.replace("'", "''")})
    else:
        _sqlite_triggers(old, filtered=True)


def downgrade():
    old = _migration_0006()
    if op.get_bind().dialect.name == "postgresql":
        op.execute(old.PG_FUNCTION)
    else:
        _sqlite_triggers(old, filtered=False)
