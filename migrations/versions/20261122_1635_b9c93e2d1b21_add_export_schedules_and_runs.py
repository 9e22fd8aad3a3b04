"""add export schedules and runs

Revision ID: b9c93e2d1b21
Revises: bf22503296bb
Create Date: 2026-11-22 16:35:01.180885

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b9c93e2d1b21'
down_revision = 'bf22503296bb'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('export_schedules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('report', sa.String(length=30), nullable=False),
    sa.Column('format', sa.Enum('csv', 'xlsx', 'json', name='export_format', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('cadence', sa.Enum('weekly', 'monthly', 'quarterly', name='export_cadence', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=True),
    sa.Column('day_of_month', sa.Integer(), nullable=True),
    sa.Column('min_cell', sa.Integer(), nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('day_of_month BETWEEN 1 AND 28', name=op.f('ck_export_schedules_day_of_month_range')),
    sa.CheckConstraint('min_cell >= 1', name=op.f('ck_export_schedules_min_cell_positive')),
    sa.CheckConstraint('weekday BETWEEN 0 AND 6', name=op.f('ck_export_schedules_weekday_range')),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_users.id'], name=op.f('fk_export_schedules_created_by_id_staff_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_export_schedules'))
    )
    op.create_table('export_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('schedule_id', sa.Integer(), nullable=True),
    sa.Column('report', sa.String(length=30), nullable=False),
    sa.Column('format', sa.Enum('csv', 'xlsx', 'json', name='export_format', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('min_cell', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('queued', 'running', 'succeeded', 'failed', name='export_run_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('started_by', sa.Enum('scheduler', 'user', name='run_origin', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('started_by_id', sa.Integer(), nullable=True),
    sa.Column('queued_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_dt', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_dt', sa.DateTime(timezone=True), nullable=True),
    sa.Column('duration_ms', sa.Integer(), nullable=True),
    sa.Column('row_counts', sa.Text(), nullable=True),
    sa.Column('file_paths', sa.Text(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('progress', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['schedule_id'], ['export_schedules.id'], name=op.f('fk_export_runs_schedule_id_export_schedules'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['started_by_id'], ['staff_users.id'], name=op.f('fk_export_runs_started_by_id_staff_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_export_runs')),
    sa.UniqueConstraint('schedule_id', 'period_start', 'period_end', name=op.f('uq_export_runs_schedule_id_period_start_period_end'))
    )
    with op.batch_alter_table('export_runs', schema=None) as batch_op:
        batch_op.create_index('ix_export_runs_queued_dt', ['queued_dt'], unique=False)
        batch_op.create_index('ix_export_runs_status', ['status'], unique=False)

    op.create_table('export_downloads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('file', sa.String(length=255), nullable=False),
    sa.Column('downloaded_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('remote_addr', sa.String(length=45), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['export_runs.id'], name=op.f('fk_export_downloads_run_id_export_runs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['staff_users.id'], name=op.f('fk_export_downloads_user_id_staff_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_export_downloads'))
    )
    with op.batch_alter_table('export_downloads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_export_downloads_run_id'), ['run_id'], unique=False)


def downgrade():
    with op.batch_alter_table('export_downloads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_export_downloads_run_id'))

    op.drop_table('export_downloads')
    with op.batch_alter_table('export_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_export_runs_status')
        batch_op.drop_index('ix_export_runs_queued_dt')

    op.drop_table('export_runs')
    op.drop_table('export_schedules')
