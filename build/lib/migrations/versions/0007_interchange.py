"""index on incidents (title) for the import's duplicate check

Revision ID: 0007_interchange
Revises: 0006_map_changes (the lead re-chains at merge)
Create Date: 2026-11-29 11:00:00

An import skips rows equal to an existing incident (same title, start date
and geometry); it looks existing incidents up by title, thousands of titles
per query. Without this index each query scans the whole table.
"""
from alembic import op

revision = '0007_interchange'
down_revision = '0006_map_changes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_incidents_title', 'incidents', ['title'], unique=False)


def downgrade():
    op.drop_index('ix_incidents_title', table_name='incidents')
