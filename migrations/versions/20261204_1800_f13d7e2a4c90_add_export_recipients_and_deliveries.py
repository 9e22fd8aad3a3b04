"""add export schedule recipients and the deliveries of finished runs

Revision ID: f13d7e2a4c90
Revises: e15a0c1d2b3f
Create Date: 2026-12-04 18:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f13d7e2a4c90'
down_revision = 'e15a0c1d2b3f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'export_schedule_recipients',
        sa.Column('schedule_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['schedule_id'], ['export_schedules.id'], name=op.f('fk_export_schedule_recipients_schedule_id_export_schedules'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['staff_users.id'], name=op.f('fk_export_schedule_recipients_user_id_staff_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('schedule_id', 'user_id', name=op.f('pk_export_schedule_recipients')),
    )
    op.create_table(
        'export_run_deliveries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('run_status', sa.String(length=10), nullable=False),
        sa.Column('claimed_dt', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_dt', sa.DateTime(timezone=True), nullable=True),
        sa.Column('error', sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(['run_id'], ['export_runs.id'], name=op.f('fk_export_run_deliveries_run_id_export_runs'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['staff_users.id'], name=op.f('fk_export_run_deliveries_user_id_staff_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_export_run_deliveries')),
        sa.UniqueConstraint('run_id', 'user_id', name=op.f('uq_export_run_deliveries_run_id_user_id')),
    )


def downgrade():
    op.drop_table('export_run_deliveries')
    op.drop_table('export_schedule_recipients')
