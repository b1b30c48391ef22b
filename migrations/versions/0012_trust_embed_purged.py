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
    with op.batch_alter_table("embeds") as batch:
        batch.add_column(sa.Column("purged_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("embeds") as batch:
        batch.drop_column("purged_at")
