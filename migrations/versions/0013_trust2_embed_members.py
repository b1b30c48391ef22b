"""embeds.frozen_ids: the incidents a frozen embed's levels were made of

Revision ID: 0013_trust2
Revises: 0012_watch
Create Date: 2026-12-08 00:40:00

An incident archived after an embed was frozen must leave the embed's counts
(clusters, facets, barometer, total) too, not only its single features: the
levels are recomputed from the ids kept here, minus the archived one. Embeds
frozen before this revision have none (NULL) until they are frozen again.
"""
import sqlalchemy as sa
from alembic import op

revision = '0013_trust2'
down_revision = '0012_watch'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("embeds", sa.Column("frozen_ids", sa.Text(), nullable=True))


def downgrade():
    # Plain ALTER, as 0012_trust: a batch copy of ``embeds`` would drop the table
    # that ``embed_views`` references.
    op.execute("ALTER TABLE embeds DROP COLUMN frozen_ids")
