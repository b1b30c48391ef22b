"""tips: anonymous reports and their evidence links

Revision ID: 0002_tips
Revises: 0001
Create Date: 2026-11-29 08:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002_tips'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('tips',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('receipt_hash', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=14), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('location_name', sa.String(length=200), nullable=False),
    sa.Column('country', sa.String(length=3), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('seen_on', sa.Date(), nullable=True),
    sa.Column('contact', sa.String(length=200), nullable=False),
    sa.Column('lang', sa.String(length=8), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('incident_id', sa.Integer(), nullable=True),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['country'], ['countries.iso_a3'], name=op.f('fk_tips_country_countries')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_tips_incident_id_incidents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['merged_into_id'], ['tips.id'], name=op.f('fk_tips_merged_into_id_tips')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_tips_reviewed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tips')),
    sa.UniqueConstraint('receipt_hash', name=op.f('uq_tips_receipt_hash'))
    )
    with op.batch_alter_table('tips', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tips_country'), ['country'], unique=False)
        batch_op.create_index(batch_op.f('ix_tips_incident_id'), ['incident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tips_status'), ['status'], unique=False)

    op.create_table('tip_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tip_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('url_key', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['tip_id'], ['tips.id'], name=op.f('fk_tip_evidence_tip_id_tips'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tip_evidence')),
    sa.UniqueConstraint('tip_id', 'url_key', name=op.f('uq_tip_evidence_tip_id'))
    )
    with op.batch_alter_table('tip_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tip_evidence_tip_id'), ['tip_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tip_evidence_url_key'), ['url_key'], unique=False)


def downgrade():
    with op.batch_alter_table('tip_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tip_evidence_url_key'))
        batch_op.drop_index(batch_op.f('ix_tip_evidence_tip_id'))
    op.drop_table('tip_evidence')
    with op.batch_alter_table('tips', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tips_status'))
        batch_op.drop_index(batch_op.f('ix_tips_incident_id'))
        batch_op.drop_index(batch_op.f('ix_tips_country'))
    op.drop_table('tips')
