"""record keys on visits, cards and session attendance (cell-key perturbation);
session scans and course enrolments may lose their card (retention)

Revision ID: c4e7a1d2b9f0
Revises: 89bdea48b99b
Create Date: 2026-12-03 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e7a1d2b9f0'
down_revision = '89bdea48b99b'
branch_labels = None
depends_on = None

TABLES = ('visits', 'cards', 'session_attendance')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column('record_key', sa.Integer(), server_default='0', nullable=False)
            )
    # Existing rows get a random key 0-255 each (new rows get theirs at insert).
    if op.get_bind().dialect.name == 'postgresql':
        expression = 'floor(random() * 256)::integer'
    else:
        expression = '(random() & 255)'
    for table in TABLES:
        op.execute(f'UPDATE {table} SET record_key = {expression}')
    # The report cache holds figures without cell keys: drop them.
    op.execute('DELETE FROM report_cache')
    # Retention unlinks old session scans and course enrolments from their cards.
    for table in ('session_scans', 'course_enrolments'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('card_id', existing_type=sa.Integer(), nullable=True)


def downgrade():
    for table in ('session_scans', 'course_enrolments'):
        op.execute(f'DELETE FROM {table} WHERE card_id IS NULL')
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('card_id', existing_type=sa.Integer(), nullable=False)
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('record_key')
