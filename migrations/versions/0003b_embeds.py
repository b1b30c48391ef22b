"""embeds: saved map views framed by other sites

Revision ID: 0002_embeds
Revises: 0003_reports
Create Date: 2026-11-29 08:45:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0002_embeds'
down_revision = '0003_reports'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('embeds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=43), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('caption', sa.Text(), nullable=False),
    sa.Column('filters', sa.Text(), nullable=False),
    sa.Column('layers', sa.Text(), nullable=False),
    sa.Column('fit_to_data', sa.Boolean(), nullable=False),
    sa.Column('center_lat', sa.Float(), nullable=True),
    sa.Column('center_lon', sa.Float(), nullable=True),
    sa.Column('zoom', sa.Integer(), nullable=True),
    sa.Column('legend_position', sa.String(length=12), nullable=False),
    sa.Column('frozen', sa.Boolean(), nullable=False),
    sa.Column('as_of', sa.DateTime(), nullable=True),
    sa.Column('frozen_data', sa.Text(), nullable=True),
    sa.Column('frozen_etag', sa.String(length=64), nullable=True),
    sa.Column('allowed_hosts', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_embeds_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_embeds')),
    sa.UniqueConstraint('key', name=op.f('uq_embeds_key'))
    )
    with op.batch_alter_table('embeds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_embeds_created_by_id'), ['created_by_id'], unique=False)


def downgrade():
    with op.batch_alter_table('embeds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_embeds_created_by_id'))
    op.drop_table('embeds')
