"""embeds.purged_at: when archived incidents were last taken out of a frozen embed

Revision ID: 0012_trust
Revises: 0011_map_published
Create Date: 2026-12-07 18:50:00

An incident that leaves the public record (archived) must leave frozen embeds
too; the embed's "as of" note then says when that happened.
"""
import sqlalchemy as sa
from alembic import op

revision = '0012_trust'
down_revision = '0011_map_published'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("embeds", sa.Column("purged_at", sa.DateTime(), nullable=True))


def downgrade():
    # Plain ALTER (SQLite ≥ 3.35 and PostgreSQL): a batch copy of ``embeds`` would
    # drop the table that ``embed_views`` references, which foreign keys refuse.
    op.execute("ALTER TABLE embeds DROP COLUMN purged_at")
