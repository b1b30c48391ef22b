"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-29 07:42:34.964959

"""
from alembic import op
import sqlalchemy as sa

from app.db_types import Geometry

SQLITE_RTREE = (
    # Bounding boxes of incidents in an R*Tree: SQLite's built-in spatial index.
    "CREATE VIRTUAL TABLE incident_rtree USING rtree(id, min_x, max_x, min_y, max_y)",
    "CREATE TRIGGER incidents_rtree_insert AFTER INSERT ON incidents BEGIN "
    "INSERT INTO incident_rtree VALUES (new.id, new.min_x, new.max_x, new.min_y, new.max_y); END",
    "CREATE TRIGGER incidents_rtree_update AFTER UPDATE OF min_x, max_x, min_y, max_y "
    "ON incidents BEGIN UPDATE incident_rtree SET min_x = new.min_x, max_x = new.max_x, "
    "min_y = new.min_y, max_y = new.max_y WHERE id = new.id; END",
    "CREATE TRIGGER incidents_rtree_delete AFTER DELETE ON incidents BEGIN "
    "DELETE FROM incident_rtree WHERE id = old.id; END",
)


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_table('campaigns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns')),
    sa.UniqueConstraint('name', name=op.f('uq_campaigns_name'))
    )
    op.create_table('countries',
    sa.Column('iso_a3', sa.String(length=3), nullable=False),
    sa.Column('iso_a2', sa.String(length=2), nullable=True),
    sa.Column('iso_num', sa.String(length=3), nullable=True),
    sa.Column('name_en', sa.String(length=128), nullable=False),
    sa.Column('name_fr', sa.String(length=128), nullable=False),
    sa.PrimaryKeyConstraint('iso_a3', name=op.f('pk_countries'))
    )
    op.create_table('techniques',
    sa.Column('id', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('tactics', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_techniques'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=256), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('session_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    op.create_table('vectors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=40), nullable=False),
    sa.Column('label_en', sa.String(length=80), nullable=False),
    sa.Column('label_fr', sa.String(length=80), nullable=False),
    sa.Column('color', sa.String(length=7), nullable=False),
    sa.Column('symbol', sa.String(length=8), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vectors')),
    sa.UniqueConstraint('slug', name=op.f('uq_vectors_slug'))
    )
    op.create_table('actors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.Column('aliases', sa.Text(), nullable=False),
    sa.Column('sponsor_country', sa.String(length=3), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['sponsor_country'], ['countries.iso_a3'], name=op.f('fk_actors_sponsor_country_countries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_actors')),
    sa.UniqueConstraint('name', name=op.f('uq_actors_name'))
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_used_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('incidents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('lang', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('rejection_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('time_precision', sa.String(length=8), nullable=False),
    sa.Column('geometry', Geometry(), nullable=False),
    sa.Column('min_x', sa.Float(), nullable=False),
    sa.Column('min_y', sa.Float(), nullable=False),
    sa.Column('max_x', sa.Float(), nullable=False),
    sa.Column('max_y', sa.Float(), nullable=False),
    sa.Column('rep_x', sa.Float(), nullable=False),
    sa.Column('rep_y', sa.Float(), nullable=False),
    sa.Column('geo_precision', sa.String(length=8), nullable=False),
    sa.Column('precision_m', sa.Integer(), nullable=True),
    sa.Column('location_name', sa.String(length=200), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('attribution', sa.String(length=14), nullable=False),
    sa.Column('confidence', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_incidents_actor_id_actors')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_incidents_campaign_id_campaigns')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_incidents_created_by_id_users')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_incidents_reviewed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents')),
    sa.UniqueConstraint('uuid', name=op.f('uq_incidents_uuid'))
    )
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incidents_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_published_at'), ['published_at'], unique=False)
        batch_op.create_index('ix_incidents_rep', ['rep_x', 'rep_y'], unique=False)
        batch_op.create_index('ix_incidents_status_start', ['status', 'start_date'], unique=False)

    if dialect == "postgresql":
        op.execute("CREATE INDEX ix_incidents_geometry ON incidents USING GIST (geometry)")
    else:
        for statement in SQLITE_RTREE:
            op.execute(statement)

    op.create_table('incident_countries',
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('iso_a3', sa.String(length=3), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_countries_incident_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['iso_a3'], ['countries.iso_a3'], name=op.f('fk_incident_countries_iso_a3_countries')),
    sa.PrimaryKeyConstraint('incident_id', 'iso_a3', name=op.f('pk_incident_countries'))
    )
    with op.batch_alter_table('incident_countries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_countries_iso_a3'), ['iso_a3'], unique=False)

    op.create_table('incident_techniques',
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('technique_id', sa.String(length=12), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_techniques_incident_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['technique_id'], ['techniques.id'], name=op.f('fk_incident_techniques_technique_id_techniques')),
    sa.PrimaryKeyConstraint('incident_id', 'technique_id', name=op.f('pk_incident_techniques'))
    )
    op.create_table('incident_vectors',
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('vector_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_vectors_incident_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['vector_id'], ['vectors.id'], name=op.f('fk_incident_vectors_vector_id_vectors')),
    sa.PrimaryKeyConstraint('incident_id', 'vector_id', name=op.f('pk_incident_vectors'))
    )
    with op.batch_alter_table('incident_vectors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_vectors_vector_id'), ['vector_id'], unique=False)

    op.create_table('revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('snapshot', sa.Text(), nullable=False),
    sa.Column('changes', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_revisions_author_id_users')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_revisions_incident_id_incidents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_revisions')),
    sa.UniqueConstraint('incident_id', 'number', name=op.f('uq_revisions_incident_id'))
    )
    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_revisions_incident_id'), ['incident_id'], unique=False)

    op.create_table('sources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('publisher', sa.String(length=200), nullable=False),
    sa.Column('published_on', sa.Date(), nullable=True),
    sa.Column('archived_url', sa.String(length=2000), nullable=True),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_sources_incident_id_incidents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sources'))
    )
    with op.batch_alter_table('sources', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sources_incident_id'), ['incident_id'], unique=False)



def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS incident_rtree")
    with op.batch_alter_table('sources', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sources_incident_id'))

    op.drop_table('sources')
    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_revisions_incident_id'))

    op.drop_table('revisions')
    with op.batch_alter_table('incident_vectors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_vectors_vector_id'))

    op.drop_table('incident_vectors')
    op.drop_table('incident_techniques')
    with op.batch_alter_table('incident_countries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_countries_iso_a3'))

    op.drop_table('incident_countries')
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_index('ix_incidents_status_start')
        batch_op.drop_index('ix_incidents_rep')
        batch_op.drop_index(batch_op.f('ix_incidents_published_at'))
        batch_op.drop_index(batch_op.f('ix_incidents_created_by_id'))
        batch_op.drop_index(batch_op.f('ix_incidents_actor_id'))

    op.drop_table('incidents')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))

    op.drop_table('api_tokens')
    op.drop_table('actors')
    op.drop_table('vectors')
    op.drop_table('users')
    op.drop_table('techniques')
    op.drop_table('countries')
    op.drop_table('campaigns')
