"""platforms: where an operation ran (X, Telegram, TV…), an editable taxonomy like vectors

Revision ID: 0012_fields_platforms
Revises: 0011_map_published
Create Date: 2026-12-07 18:20:00

The ``platforms`` table and the ``incident_platforms`` link. Both get the
triggers their vector twins have: a write to ``platforms`` bumps
``change_counters['references']`` (migration 0009: processes reload their
reference tables) and logs ``-1`` in the map's change log (migration 0006: the
map index rebuilds, its platform labels changed); a write to
``incident_platforms`` of a published incident logs that incident (migration
0011), so map processes patch it in. The trigger bodies are those migrations'
own, read from their modules, not copies.
"""
import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = '0012_fields_platforms'
down_revision = '0011_map_published'
branch_labels = None
depends_on = None

# table -> the column naming the incident ("-1": the taxonomy changed), as 0006's LOGGED
LOGGED = {"incident_platforms": "incident_id", "platforms": "-1"}


def _migration(name):
    path = Path(__file__).with_name(f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"migration_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _create_tables():
    op.create_table(
        'platforms',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('slug', sa.String(length=40), nullable=False),
        sa.Column('label_en', sa.String(length=80), nullable=False),
        sa.Column('label_fr', sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_platforms')),
        sa.UniqueConstraint('slug', name=op.f('uq_platforms_slug')))
    op.create_table(
        'incident_platforms',
        sa.Column('incident_id', sa.Integer(), nullable=False),
        sa.Column('platform_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'],
                                name=op.f('fk_incident_platforms_incident_id_incidents'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['platform_id'], ['platforms.id'],
                                name=op.f('fk_incident_platforms_platform_id_platforms')),
        sa.PrimaryKeyConstraint('incident_id', 'platform_id',
                                name=op.f('pk_incident_platforms')))
    op.create_index(op.f('ix_incident_platforms_platform_id'), 'incident_platforms',
                    ['platform_id'], unique=False)


def _postgresql_triggers():
    op.execute("CREATE TRIGGER platforms_references_generation AFTER INSERT OR UPDATE OR "
               "DELETE OR TRUNCATE ON platforms FOR EACH STATEMENT "
               "EXECUTE FUNCTION bump_references_generation()")
    for table, col in LOGGED.items():  # as migration 0006 creates them
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


def _sqlite_triggers():
    references = _migration("0009_prod")
    logged = _migration("0006_map_changes")
    published = _migration("0011_map_published")
    for event in ("INSERT", "UPDATE", "DELETE"):
        op.execute(f"CREATE TRIGGER platforms_references_generation_{event.lower()} AFTER "
                   f"{event} ON platforms BEGIN {references.SQLITE_BUMP} END")
    for table, col in LOGGED.items():
        for event in ("INSERT", "UPDATE", "DELETE"):
            if col.lstrip("-").isdigit() and event == "INSERT":
                continue  # a new platform shows through incidents (logged)
            when = published._sqlite_when(table, event, col)
            op.execute(f"CREATE TRIGGER {table}_map_{event.lower()} AFTER {event} ON {table}"
                       f"{when} BEGIN {logged._sqlite_body(event, col)} END")


def upgrade():
    _create_tables()
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_triggers()
    else:
        _sqlite_triggers()


def downgrade():
    # Dropping the tables drops their triggers too.
    op.drop_index(op.f('ix_incident_platforms_platform_id'), table_name='incident_platforms')
    op.drop_table('incident_platforms')
    op.drop_table('platforms')
