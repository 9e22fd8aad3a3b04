"""add the csv_da export format (the Danish Excel CSV) to schedules and runs

Revision ID: f16c4a8e2d17
Revises: f15b2d3e4a5c
Create Date: 2026-12-06 21:40:00

The format is a VARCHAR with a CHECK (a non-native enum): the CHECK of both
tables is replaced by one that also allows ``csv_da`` (batch mode rebuilds the
tables on SQLite).
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f16c4a8e2d17'
down_revision = 'f15b2d3e4a5c'
branch_labels = None
depends_on = None

TABLES = ('export_schedules', 'export_runs')
OLD = ('csv', 'xlsx', 'json')
NEW = ('csv', 'xlsx', 'json', 'csv_da')


def _replace_check(values):
    condition = 'format IN (' + ', '.join(f"'{v}'" for v in values) + ')'
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(op.f(f'ck_{table}_export_format'), type_='check')
            batch_op.create_check_constraint(
                op.f(f'ck_{table}_export_format'), condition
            )


def upgrade():
    _replace_check(NEW)


def downgrade():
    op.execute(
        "UPDATE export_runs SET format = 'csv' WHERE format = 'csv_da'"
    )
    op.execute(
        "UPDATE export_schedules SET format = 'csv' WHERE format = 'csv_da'"
    )
    _replace_check(OLD)
