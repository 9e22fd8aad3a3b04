"""per-visit outreach and volunteers at sessions

Revision ID: f18b3e5d7a21
Revises: f18b3c4d5e6a
Create Date: 2026-12-07 15:00:00

A visit may record who accompanied the person to the centre that day
(``outreach``: street worker, home guide, SKP, other; NULL not stated or came
alone), a VARCHAR with a CHECK like the other coded columns. A card scanned at
a session may be recorded as a volunteer there (``is_volunteer``).
"""

import sqlalchemy as sa
from alembic import op

from vaerested.migration_support import sqlite_triggers_kept

# revision identifiers, used by Alembic.
revision = "f18b3e5d7a21"
down_revision = "f18b3c4d5e6a"
branch_labels = None
depends_on = None

OUTREACH = ("street_worker", "home_guide", "skp", "other")


def upgrade():
    # SQLite's batch mode re-creates the table: keep its triggers.
    with (
        sqlite_triggers_kept(op.get_bind(), "visits"),
        op.batch_alter_table("visits", schema=None) as batch_op,
    ):
        batch_op.add_column(
            sa.Column(
                "outreach",
                sa.Enum(
                    *OUTREACH,
                    name="outreach",
                    native_enum=False,
                    create_constraint=True,
                    length=20,
                ),
                nullable=True,
            )
        )
    with op.batch_alter_table("session_scans", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "is_volunteer", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )


def downgrade():
    with op.batch_alter_table("session_scans", schema=None) as batch_op:
        batch_op.drop_column("is_volunteer")
    with (
        sqlite_triggers_kept(op.get_bind(), "visits"),
        op.batch_alter_table("visits", schema=None) as batch_op,
    ):
        batch_op.drop_constraint(op.f("ck_visits_outreach"), type_="check")
        batch_op.drop_column("outreach")
