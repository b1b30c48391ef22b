"""report narratives (sections with revisions) and picked incidents

Revision ID: 0003_reports
Revises: 0002
Create Date: 2026-11-29 09:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = '0003_reports'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_sections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quarter', sa.String(length=7), nullable=False),
    sa.Column('slug', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'],
                            name=op.f('fk_report_sections_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_sections')),
    sa.UniqueConstraint('quarter', 'slug', name=op.f('uq_report_sections_quarter'))
    )
    op.create_table('report_section_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'],
                            name=op.f('fk_report_section_revisions_author_id_users')),
    sa.ForeignKeyConstraint(['section_id'], ['report_sections.id'], ondelete='CASCADE',
                            name=op.f('fk_report_section_revisions_section_id_report_sections')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_section_revisions')),
    sa.UniqueConstraint('section_id', 'number', name=op.f('uq_report_section_revisions_section_id'))
    )
    with op.batch_alter_table('report_section_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_section_revisions_section_id'),
                              ['section_id'], unique=False)
    op.create_table('report_picks',
    sa.Column('quarter', sa.String(length=7), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], ondelete='CASCADE',
                            name=op.f('fk_report_picks_incident_id_incidents')),
    sa.PrimaryKeyConstraint('quarter', 'incident_id', name=op.f('pk_report_picks'))
    )


def downgrade():
    op.drop_table('report_picks')
    with op.batch_alter_table('report_section_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_section_revisions_section_id'))
    op.drop_table('report_section_revisions')
    op.drop_table('report_sections')
