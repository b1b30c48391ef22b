"""platforms: where an operation ran (X, Telegram, TV…), an editable taxonomy like vectors

Revision ID: 0012_fields_platforms
Revises: 0012_eco_urls
Create Date: 2026-12-07 18:20:00

The ``platforms`` table and the ``incident_platforms`` link. Both get the
triggers their vector twins have: a write to ``platforms`` bumps
``change_counters['references']`` (migration 0009: processes reload their
reference tables) and logs ``-1`` in the map's change log (migration 0006: the
map index rebuilds, its platform labels changed); a write to
``incident_platforms`` of a published incident logs that incident (migration
0011), so map processes patch it in. The trigger SQL is that of those
migrations, built by ``app/incidents/triggers.py`` (which the bulk loader
replays from too), not copies.
"""
import sqlalchemy as sa
from alembic import op

from app.incidents import triggers

revision = '0012_fields_platforms'
down_revision = '0012_eco_urls'
branch_labels = None
depends_on = None


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
    for table in triggers.REFERENCES_WATCHED_0012:
        op.execute(triggers.pg_references_trigger(table))
    for table, col in triggers.LOGGED_PLATFORMS_0012.items():
        for statement in triggers.pg_map_triggers(table, col):
            op.execute(statement)


def _sqlite_triggers():
    for table in triggers.REFERENCES_WATCHED_0012:
        for statement in triggers.sqlite_references_triggers(table):
            op.execute(statement)
    for table, col in triggers.LOGGED_PLATFORMS_0012.items():
        for event in triggers.sqlite_map_events(col):
            op.execute(triggers.sqlite_map_trigger(table, event, col, published_only=True))


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
