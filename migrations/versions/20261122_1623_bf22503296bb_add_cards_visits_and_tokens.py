"""add cards, visits and tokens

Revision ID: bf22503296bb
Revises: 9fed6badd069
Create Date: 2026-11-22 16:23:30.440661

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'bf22503296bb'
down_revision = '9fed6badd069'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('access_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('kiosk', 'staff', name='token_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('last_used_dt', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_dt', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_access_tokens_centre_id_centres'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_users.id'], name=op.f('fk_access_tokens_created_by_id_staff_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['staff_users.id'], name=op.f('fk_access_tokens_user_id_staff_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_access_tokens_token_hash'))
    )
    with op.batch_alter_table('access_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_tokens_centre_id'), ['centre_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('cards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('issued_centre_id', sa.Integer(), nullable=True),
    sa.Column('issued_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('is_revoked', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('revoked_dt', sa.DateTime(timezone=True), nullable=True),
    sa.Column('home_district_id', sa.Integer(), nullable=True),
    sa.Column('age_band', sa.Enum('under_25', '25_39', '40_59', '60_plus', name='age_band', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('gender', sa.Enum('woman', 'man', 'other', name='gender', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('housing', sa.Enum('own_home', 'residential_centre', 'homeless', 'other', name='housing', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('first_came', sa.Enum('own_initiative', 'outreach_worker', 'home_guide_or_skp', 'psychiatry', 'residential_centre', 'other', name='first_came', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.ForeignKeyConstraint(['home_district_id'], ['districts.id'], name=op.f('fk_cards_home_district_id_districts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['issued_centre_id'], ['centres.id'], name=op.f('fk_cards_issued_centre_id_centres'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cards')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_cards_code_hash'))
    )
    op.create_table('visits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('card_id', sa.Integer(), nullable=True),
    sa.Column('visit_date', sa.Date(), nullable=False),
    sa.Column('visited_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('source', sa.Enum('scan', 'tally', 'import', name='visit_source', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('idempotency_key', sa.String(length=36), nullable=True),
    sa.Column('home_district_id', sa.Integer(), nullable=True),
    sa.Column('age_band', sa.Enum('under_25', '25_39', '40_59', '60_plus', name='age_band', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('gender', sa.Enum('woman', 'man', 'other', name='gender', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('housing', sa.Enum('own_home', 'residential_centre', 'homeless', 'other', name='housing', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['card_id'], ['cards.id'], name=op.f('fk_visits_card_id_cards'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_visits_centre_id_centres'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['home_district_id'], ['districts.id'], name=op.f('fk_visits_home_district_id_districts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visits')),
    sa.UniqueConstraint('card_id', 'centre_id', 'visit_date', name=op.f('uq_visits_card_id_centre_id_visit_date')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_visits_idempotency_key'))
    )
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index('ix_visits_card_dt', ['card_id', 'visited_dt'], unique=False)
        batch_op.create_index('ix_visits_centre_date', ['centre_id', 'visit_date'], unique=False)



def downgrade():
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index('ix_visits_centre_date')
        batch_op.drop_index('ix_visits_card_dt')

    op.drop_table('visits')
    op.drop_table('cards')
    with op.batch_alter_table('access_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_tokens_user_id'))
        batch_op.drop_index(batch_op.f('ix_access_tokens_centre_id'))

    op.drop_table('access_tokens')
