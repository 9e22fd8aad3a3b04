"""the daily rollup and the tallies get indexes that start with the day

Revision ID: f19a1d2c3b4e
Revises: f18c2b7a9d15
Create Date: 2026-12-08 00:00:00

``visit_days`` is keyed by (centre, day), so a period's rows were found by
reading the whole rollup: ten national years are 1.2 million rows for a year's
146,000. ``ix_visit_days_date`` (day, centre) lets the visits report and the
dashboard read only the period's rows (issue 15). ``ix_visits_tally_report``,
partial on the visits without a card, holds the tallies' own attributes (age
band, gender, housing) after the day, so the reach and housing figures read a
period's tallies from it instead of the table.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f19a1d2c3b4e'
down_revision = 'f18c2b7a9d15'
branch_labels = None
depends_on = None


TALLY_COLUMNS = [
    'visit_date', 'centre_id', 'age_band', 'gender', 'housing', 'record_key'
]


def upgrade():
    op.create_index(
        'ix_visit_days_date', 'visit_days', ['visit_date', 'centre_id']
    )
    op.create_index(
        'ix_visits_tally_report',
        'visits',
        TALLY_COLUMNS,
        sqlite_where=sa.text('card_id IS NULL'),
        postgresql_where=sa.text('card_id IS NULL'),
    )


def downgrade():
    op.drop_index('ix_visits_tally_report', table_name='visits')
    op.drop_index('ix_visit_days_date', table_name='visit_days')
