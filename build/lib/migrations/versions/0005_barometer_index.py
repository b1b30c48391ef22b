"""barometer covering index on incidents (status, start_date, confidence)

Revision ID: 0005_barometer_index
Revises: 0002 on the barometer branch; on main it chains after '0004_audit'
Create Date: 2026-11-29 09:20:00

"""
from alembic import op

revision = '0005_barometer_index'
# On the barometer branch the head before this is the report narratives ('0002').
# Merging into main: set this to main's head at the time ('0004_audit').
down_revision = '0004_audit'
branch_labels = None
depends_on = None


def upgrade():
    # Lets the barometer's GROUP BY read only the index (see bench/README.md).
    op.create_index('ix_incidents_barometer', 'incidents',
                    ['status', 'start_date', 'confidence'], unique=False)


def downgrade():
    op.drop_index('ix_incidents_barometer', table_name='incidents')
