"""reference tables change counter and a case-insensitive actor name index

Revision ID: 0009_prod
Revises: 0008_embeds_view
Create Date: 2026-11-29 11:00:00

Every write to ``vectors``, ``countries`` or ``techniques`` bumps
``change_counters['references']`` inside the writing transaction, by database
triggers (as migration 0002 does for incidents): each server process keeps its
copy of these reference tables only while the counter keeps the value it read,
whoever changed them (the taxonomy pages, ``flask reference load``, raw SQL).
Actors are looked up by name on each write instead: the expression index on
``lower(name)`` makes that a single index probe.
"""
from alembic import op

revision = '0009_prod'
down_revision = '0008_embeds_view'
branch_labels = None
depends_on = None

WATCHED = ("vectors", "countries", "techniques")

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION bump_references_generation() RETURNS trigger AS $$
BEGIN
  INSERT INTO change_counters (name, value)
  VALUES ('references', (random() * 1e15)::bigint)
  ON CONFLICT (name) DO UPDATE SET value = change_counters.value + 1;
  RETURN NULL;
END $$ LANGUAGE plpgsql
"""
SQLITE_BUMP = ("INSERT INTO change_counters (name, value) VALUES ('references', "
               "abs(random() % 1000000000000000)) ON CONFLICT (name) DO UPDATE "
               "SET value = value + 1;")


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        for table in WATCHED:
            op.execute(f"CREATE TRIGGER {table}_references_generation AFTER INSERT OR "
                       f"UPDATE OR DELETE OR TRUNCATE ON {table} FOR EACH STATEMENT "
                       "EXECUTE FUNCTION bump_references_generation()")
    else:
        for table in WATCHED:  # SQLite has row triggers only
            for event in ("INSERT", "UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_references_generation_"
                           f"{event.lower()} AFTER {event} ON {table} "
                           f"BEGIN {SQLITE_BUMP} END")
    op.execute("INSERT INTO change_counters (name, value) VALUES ('references', 1)")
    op.execute("CREATE INDEX ix_actors_name_lower ON actors (lower(name))")


def downgrade():
    op.execute("DROP INDEX IF EXISTS ix_actors_name_lower")
    if op.get_bind().dialect.name == "postgresql":
        for table in WATCHED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_references_generation ON {table}")
        op.execute("DROP FUNCTION IF EXISTS bump_references_generation()")
    else:
        for table in WATCHED:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_references_generation_{event}")
    op.execute("DELETE FROM change_counters WHERE name = 'references'")
