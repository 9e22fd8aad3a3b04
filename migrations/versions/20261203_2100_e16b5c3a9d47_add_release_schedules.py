"""add release schedules and their runs

Revision ID: e16b5c3a9d47
Revises: d16a0b7e5c21
Create Date: 2026-12-03 21:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e16b5c3a9d47'
down_revision = 'd16a0b7e5c21'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'release_schedules',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('cadence', sa.String(length=10), nullable=False),
        sa.Column('day_of_month', sa.Integer(), nullable=False),
        sa.Column('epsilon', sa.Float(), nullable=False),
        sa.Column('max_transitions', sa.Integer(), nullable=False),
        sa.Column('max_visits', sa.Integer(), nullable=False),
        sa.Column('is_active', sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("cadence IN ('monthly', 'quarterly')", name=op.f('ck_release_schedules_cadence_monthly_quarterly')),
        sa.CheckConstraint('day_of_month BETWEEN 1 AND 28', name=op.f('ck_release_schedules_day_of_month_range')),
        sa.CheckConstraint('epsilon > 0', name=op.f('ck_release_schedules_epsilon_positive')),
        sa.ForeignKeyConstraint(['created_by_id'], ['staff_users.id'], name=op.f('fk_release_schedules_created_by_id_staff_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_release_schedules')),
    )
    op.create_table(
        'release_schedule_runs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('schedule_id', sa.Integer(), nullable=False),
        sa.Column('period_start', sa.Date(), nullable=False),
        sa.Column('period_end', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('message', sa.String(length=500), nullable=False),
        sa.Column('release_id', sa.Integer(), nullable=True),
        sa.Column('started_dt', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_dt', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['release_id'], ['public_releases.id'], name=op.f('fk_release_schedule_runs_release_id_public_releases'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['schedule_id'], ['release_schedules.id'], name=op.f('fk_release_schedule_runs_schedule_id_release_schedules'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_release_schedule_runs')),
        sa.UniqueConstraint('schedule_id', 'period_start', 'period_end', name=op.f('uq_release_schedule_runs_schedule_id_period_start_period_end')),
    )


def downgrade():
    op.drop_table('release_schedule_runs')
    op.drop_table('release_schedules')
