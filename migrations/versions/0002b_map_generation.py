"""map generation counter: a change marker for the in-memory map index

Revision ID: 0002
Revises: 0002_tips
Create Date: 2026-11-29 08:30:00

Every write to ``incidents``, ``incident_vectors`` or ``incident_countries``
bumps ``change_counters['incidents']`` inside the writing transaction, by
database triggers: whatever writes (ORM, bulk Core inserts, imports, raw SQL),
each server process sees the change at its next map request and rebuilds its
index. The row is (re)created with a random value, so a deleted or truncated
counter never comes back to a value a process has already seen.
"""
from alembic import op
import sqlalchemy as sa

from app.incidents.triggers import MAP_WATCHED_0002 as WATCHED
from app.incidents.triggers import PG_BUMP_FUNCTION_0002 as PG_FUNCTION
from app.incidents.triggers import SQLITE_BUMP

revision = '0002'
down_revision = '0002_tips'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'change_counters',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('value', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_change_counters')))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        for table in WATCHED:
            # One bump per statement: a bulk insert of 20,000 rows costs one update.
            op.execute(f"CREATE TRIGGER {table}_generation AFTER INSERT OR UPDATE OR "
                       f"DELETE OR TRUNCATE ON {table} FOR EACH STATEMENT "
                       "EXECUTE FUNCTION bump_incidents_generation()")
    else:
        for table in WATCHED:  # SQLite has row triggers only
            for event in ("INSERT", "UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_generation_{event.lower()} AFTER "
                           f"{event} ON {table} BEGIN {SQLITE_BUMP} END")
    op.execute("INSERT INTO change_counters (name, value) VALUES ('incidents', 1)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in WATCHED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_generation ON {table}")
        op.execute("DROP FUNCTION IF EXISTS bump_incidents_generation()")
    else:
        for table in WATCHED:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_generation_{event}")
    op.drop_table('change_counters')
