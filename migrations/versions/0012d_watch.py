"""campaigns first-class, alert notes, weak-signal decisions

Revision ID: 0012_watch
Revises: 0012_fields_platforms
Create Date: 2026-12-07 18:30:00

Campaigns gain aliases, an actor, a period, a version (optimistic lock) and
revisions; ``incidents.campaign_id`` gets the index the ``campaign=`` filter
needs. Alert notes (bilingual, linked to incidents, a campaign, countries and
vectors) with their revisions; editors' decisions on weak signals.
"""
from alembic import op
import sqlalchemy as sa

revision = '0012_watch'
down_revision = '0012_fields_platforms'
branch_labels = None
depends_on = None


def _revisions_table(name, owner, owner_table):
    op.create_table(
        name,
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column(owner, sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('action', sa.String(length=20), nullable=False),
        sa.Column('snapshot', sa.Text(), nullable=False),
        sa.Column('changes', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint([owner], [f'{owner_table}.id'],
                                name=op.f(f'fk_{name}_{owner}_{owner_table}'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'],
                                name=op.f(f'fk_{name}_author_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{name}')),
        sa.UniqueConstraint(owner, 'number', name=op.f(f'uq_{name}_{owner}')),
    )


def _link_table(name, key, key_type, target):
    op.create_table(
        name,
        sa.Column('note_id', sa.Integer(), nullable=False),
        sa.Column(key, key_type, nullable=False),
        sa.ForeignKeyConstraint(['note_id'], ['notes.id'],
                                name=op.f(f'fk_{name}_note_id_notes'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint([key], [target], name=op.f(f'fk_{name}_{key}'),
                                ondelete='CASCADE' if key == 'incident_id' else None),
        sa.PrimaryKeyConstraint('note_id', key, name=op.f(f'pk_{name}')),
    )


def upgrade():
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('aliases', sa.Text(), nullable=False,
                                      server_default='[]'))
        batch_op.add_column(sa.Column('actor_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('first_seen', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('last_seen', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('created_at', sa.DateTime(), nullable=False,
                                      server_default=sa.func.current_timestamp()))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(), nullable=False,
                                      server_default=sa.func.current_timestamp()))
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False,
                                      server_default='1'))
        batch_op.create_foreign_key(batch_op.f('fk_campaigns_actor_id_actors'),
                                    'actors', ['actor_id'], ['id'])
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incidents_campaign_id'), ['campaign_id'],
                              unique=False)
    _revisions_table('campaign_revisions', 'campaign_id', 'campaigns')

    op.create_table(
        'notes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('uuid', sa.String(length=36), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('title_en', sa.String(length=300), nullable=False),
        sa.Column('title_fr', sa.String(length=300), nullable=False),
        sa.Column('body_en', sa.Text(), nullable=False),
        sa.Column('body_fr', sa.Text(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('published_at', sa.DateTime(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'],
                                name=op.f('fk_notes_campaign_id_campaigns')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_notes_created_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notes')),
        sa.UniqueConstraint('uuid', name=op.f('uq_notes_uuid')),
    )
    with op.batch_alter_table('notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notes_status'), ['status'], unique=False)
    _link_table('note_incidents', 'incident_id', sa.Integer(), 'incidents.id')
    with op.batch_alter_table('note_incidents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_note_incidents_incident_id'),
                              ['incident_id'], unique=False)
    _link_table('note_countries', 'iso_a3', sa.String(length=3), 'countries.iso_a3')
    _link_table('note_vectors', 'vector_id', sa.Integer(), 'vectors.id')
    _revisions_table('note_revisions', 'note_id', 'notes')

    op.create_table(
        'signal_reviews',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('week', sa.Date(), nullable=False),
        sa.Column('country', sa.String(length=3), nullable=False),
        sa.Column('vector', sa.String(length=40), nullable=False),
        sa.Column('decision', sa.String(length=12), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('note_id', sa.Integer(), nullable=True),
        sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
        sa.Column('reviewed_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['note_id'], ['notes.id'],
                                name=op.f('fk_signal_reviews_note_id_notes'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'],
                                name=op.f('fk_signal_reviews_reviewed_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_signal_reviews')),
        sa.UniqueConstraint('week', 'country', 'vector',
                            name=op.f('uq_signal_reviews_week')),
    )


def downgrade():
    op.drop_table('signal_reviews')
    op.drop_table('note_revisions')
    op.drop_table('note_vectors')
    op.drop_table('note_countries')
    with op.batch_alter_table('note_incidents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_note_incidents_incident_id'))
    op.drop_table('note_incidents')
    with op.batch_alter_table('notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notes_status'))
    op.drop_table('notes')
    op.drop_table('campaign_revisions')
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incidents_campaign_id'))
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_campaigns_actor_id_actors'),
                                 type_='foreignkey')
        for name in ('version', 'updated_at', 'created_at', 'last_seen', 'first_seen',
                     'actor_id', 'aliases'):
            batch_op.drop_column(name)
