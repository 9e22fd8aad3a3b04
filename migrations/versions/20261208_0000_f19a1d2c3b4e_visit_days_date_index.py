"""the daily rollup gets an index that starts with the day

Revision ID: f19a1d2c3b4e
Revises: f18c2b7a9d15
Create Date: 2026-12-08 00:00:00

``visit_days`` is keyed by (centre, day), so a period's rows were found by
reading the whole rollup: ten national years are 1.2 million rows for a year's
146,000. ``ix_visit_days_date`` (day, centre) lets the visits report and the
dashboard read only the period's rows (issue 15).
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f19a1d2c3b4e'
down_revision = 'f18c2b7a9d15'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_visit_days_date', 'visit_days', ['visit_date', 'centre_id']
    )


def downgrade():
    op.drop_index('ix_visit_days_date', table_name='visit_days')
