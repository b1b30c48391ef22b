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
from alembic import op

from app.incidents import triggers

revision = '0011_map_published'
down_revision = '0010_import_speed'
branch_labels = None
depends_on = None


def _sqlite_triggers(*, filtered):
    for table, col in triggers.LOGGED.items():
        for event in triggers.sqlite_map_events(col):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_map_{event.lower()}")
            op.execute(triggers.sqlite_map_trigger(table, event, col, published_only=filtered))


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(triggers.PG_LOG_FUNCTION_0011)
    else:
        _sqlite_triggers(filtered=True)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(triggers.PG_LOG_FUNCTION_0006)
    else:
        _sqlite_triggers(filtered=False)
