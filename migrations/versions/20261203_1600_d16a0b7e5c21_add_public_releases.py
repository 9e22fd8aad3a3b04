"""add public releases and privacy budgets

Revision ID: d16a0b7e5c21
Revises: c4e1a7d2f913
Create Date: 2026-12-03 16:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd16a0b7e5c21'
down_revision = 'c4e1a7d2f913'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'privacy_budgets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('epsilon', sa.Float(), nullable=False),
        sa.Column('spent', sa.Float(), server_default='0', nullable=False),
        sa.Column('updated_dt', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('spent <= epsilon + 0.000001', name=op.f('ck_privacy_budgets_spent_within_epsilon')),
        sa.ForeignKeyConstraint(['updated_by_id'], ['staff_users.id'], name=op.f('fk_privacy_budgets_updated_by_id_staff_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_budgets')),
        sa.UniqueConstraint('year', name=op.f('uq_privacy_budgets_year')),
    )
    op.create_table(
        'public_releases',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('period_start', sa.Date(), nullable=False),
        sa.Column('period_end', sa.Date(), nullable=False),
        sa.Column('purpose', sa.String(length=200), nullable=False),
        sa.Column('epsilon', sa.Float(), nullable=False),
        sa.Column('max_transitions', sa.Integer(), nullable=False),
        sa.Column('max_visits', sa.Integer(), nullable=False),
        sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('actor_label', sa.String(length=254), nullable=False),
        sa.Column('tables_json', sa.Text(), nullable=False),
        sa.Column('accounting_json', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['staff_users.id'], name=op.f('fk_public_releases_created_by_id_staff_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_public_releases')),
    )
    with op.batch_alter_table('public_releases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_public_releases_year'), ['year'], unique=False)


def downgrade():
    with op.batch_alter_table('public_releases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_public_releases_year'))
    op.drop_table('public_releases')
    op.drop_table('privacy_budgets')
