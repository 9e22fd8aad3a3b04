"""index visits by date for the reports (a period's reports read only its rows)

Revision ID: e15a0c1d2b3f
Revises: e16b5c3a9d47
Create Date: 2026-12-03 20:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e15a0c1d2b3f'
down_revision = 'e16b5c3a9d47'
branch_labels = None
depends_on = None

#: Every column the report queries read from visits, the period first: the
#: reports scan only the period's range of this index, never the table.
COLUMNS = [
    'visit_date',
    'centre_id',
    'card_id',
    'record_key',
    'visited_dt',
    'home_district_id',
]


def upgrade():
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index('ix_visits_date_report', COLUMNS, unique=False)


def downgrade():
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index('ix_visits_date_report')
