"""drop three indexes no query needs: cheaper writes for every incident

Revision ID: 0010_import_speed
Revises: 0009_prod (the lead re-chains at merge)
Create Date: 2026-11-29 12:15:00

Every incident insert updates every index on ``incidents`` and ``revisions``;
these three serve no query:

- ``ix_incidents_status_start (status, start_date)`` is a prefix of
  ``ix_incidents_barometer (status, start_date, confidence)``, which serves the
  same lookups and orderings;
- ``ix_revisions_incident_id (incident_id)`` is a prefix of the unique index
  ``uq_revisions_incident_id (incident_id, number)``;
- ``ix_incidents_rep (rep_x, rep_y)``: no query filters or sorts on the
  representative point (the map reads it by id or by sequential scan).

``tests/incidents/test_indexes.py`` checks that the queries that used them still
use an index.
"""
from alembic import op

revision = '0010_import_speed'
down_revision = '0009_prod'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_incidents_status_start', table_name='incidents')
    op.drop_index('ix_incidents_rep', table_name='incidents')
    op.drop_index('ix_revisions_incident_id', table_name='revisions')


def downgrade():
    op.create_index('ix_revisions_incident_id', 'revisions', ['incident_id'], unique=False)
    op.create_index('ix_incidents_rep', 'incidents', ['rep_x', 'rep_y'], unique=False)
    op.create_index('ix_incidents_status_start', 'incidents', ['status', 'start_date'],
                    unique=False)
