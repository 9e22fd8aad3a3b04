"""add sessions, audit log and login counters; hash login e-mails

Revision ID: c4e1a7d9b2f3
Revises: c4e7a1d2b9f0
Create Date: 2026-12-03 15:00:00

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = 'c4e1a7d9b2f3'
down_revision = 'c4e7a1d2b9f0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('staff_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('is_remembered', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('remote_addr', sa.String(length=45), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['staff_users.id'], name=op.f('fk_staff_sessions_user_id_staff_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_staff_sessions_token_hash'))
    )
    with op.batch_alter_table('staff_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_sessions_user_id'), ['user_id'], unique=False)

    op.create_table('login_counters',
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('window_start_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_login_counters'))
    )

    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurred_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=254), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=True),
    sa.Column('report', sa.String(length=40), nullable=True),
    sa.Column('period_start', sa.Date(), nullable=True),
    sa.Column('period_end', sa.Date(), nullable=True),
    sa.Column('detail', sa.String(length=500), nullable=False),
    sa.Column('remote_addr', sa.String(length=45), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['staff_users.id'], name=op.f('fk_audit_events_actor_id_staff_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_audit_events_centre_id_centres'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_action_dt', ['action', 'occurred_dt'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_occurred_dt'), ['occurred_dt'], unique=False)

    # The log kept typed e-mails in clear; it only limits logins for 15 minutes
    # and is pruned after 30 days, so the old rows are dropped, not converted.
    op.execute('DELETE FROM login_attempts')
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_login_attempts_email_dt')
        batch_op.drop_column('email')
        batch_op.add_column(sa.Column('email_hash', sa.String(length=64), nullable=False, server_default=''))
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.alter_column('email_hash', server_default=None)
        batch_op.create_index('ix_login_attempts_email_hash_dt', ['email_hash', 'attempted_dt'], unique=False)


def downgrade():
    op.execute('DELETE FROM login_attempts')
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_login_attempts_email_hash_dt')
        batch_op.drop_column('email_hash')
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=False, server_default=''))
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.alter_column('email', server_default=None)
        batch_op.create_index('ix_login_attempts_email_dt', ['email', 'attempted_dt'], unique=False)

    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_occurred_dt'))
        batch_op.drop_index('ix_audit_events_action_dt')
    op.drop_table('audit_events')
    op.drop_table('login_counters')
    with op.batch_alter_table('staff_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_sessions_user_id'))
    op.drop_table('staff_sessions')
