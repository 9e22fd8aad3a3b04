"""housing statements: a card's dated housing history, the VIVE situations

Revision ID: f18b3c4d5e6a
Revises: f17a1c2d3e4f
Create Date: 2026-12-07 15:00:00

The housing choice list becomes the situations of the national homelessness
count (DOMAIN.md, "FLOW"). The stored values of cards and tallies stay as they
are: ``own_home``, ``residential_centre`` and ``other`` keep their meaning and
the unspecific ``homeless`` stays as a legacy value (never offered, but a
known situation); the CHECKs of ``cards.housing`` and ``visits.housing`` are
widened to the new values (batch mode rebuilds the tables on SQLite). Each
card's housing at issue becomes its first statement, dated on the card's
local issue day at the issuing centre. Downgrade maps the new situations to
``homeless`` (they are all homelessness in the national count).
"""

from datetime import UTC
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

from vaerested.migration_support import sqlite_triggers_kept

# revision identifiers, used by Alembic.
revision = "f18b3c4d5e6a"
down_revision = "f17a1c2d3e4f"
branch_labels = None
depends_on = None

OLD = ("own_home", "residential_centre", "homeless", "other")
NEW = (
    "own_home",
    "residential_centre",
    "shelter",
    "night_shelter",
    "street",
    "family_friends",
    "hotel_camping",
    "transitional",
    "awaiting_release",
    "other",
    "homeless",
)
TABLES = ("cards", "visits")


def _housing_type(values):
    return sa.Enum(
        *values, name="housing", native_enum=False, create_constraint=True, length=20
    )


def _replace_check(values):
    condition = "housing IN (" + ", ".join(f"'{v}'" for v in values) + ")"
    for table in TABLES:
        # SQLite's batch mode re-creates the table: keep its triggers.
        with (
            sqlite_triggers_kept(op.get_bind(), table),
            op.batch_alter_table(table) as batch_op,
        ):
            batch_op.drop_constraint(op.f(f"ck_{table}_housing"), type_="check")
            batch_op.create_check_constraint(op.f(f"ck_{table}_housing"), condition)


def _timezone() -> ZoneInfo:
    try:
        from flask import current_app

        return ZoneInfo(current_app.config["TIMEZONE"])
    except (RuntimeError, KeyError):
        return ZoneInfo("Europe/Copenhagen")


def upgrade():
    _replace_check(NEW)
    statements = op.create_table(
        "housing_statements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("stated_on", sa.Date(), nullable=False),
        sa.Column("situation", _housing_type(NEW), nullable=True),
        sa.Column("centre_id", sa.Integer(), nullable=True),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["card_id"],
            ["cards.id"],
            name=op.f("fk_housing_statements_card_id_cards"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["centre_id"],
            ["centres.id"],
            name=op.f("fk_housing_statements_centre_id_centres"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_housing_statements")),
        sa.UniqueConstraint(
            "card_id", "stated_on", name=op.f("uq_housing_statements_card_id_stated_on")
        ),
    )
    op.create_index(
        "ix_housing_statements_centre_id_stated_on",
        "housing_statements",
        ["centre_id", "stated_on"],
    )
    conn = op.get_bind()
    zone = _timezone()
    cards = sa.table(
        "cards",
        sa.column("id", sa.Integer()),
        sa.column("issued_dt", sa.DateTime(timezone=True)),
        sa.column("housing", sa.String()),
        sa.column("issued_centre_id", sa.Integer()),
    )
    rows = conn.execute(
        sa.select(
            cards.c.id, cards.c.issued_dt, cards.c.housing, cards.c.issued_centre_id
        ).where(cards.c.housing.is_not(None))
    )
    batch = []
    for card_id, issued, housing, centre_id in rows:
        if issued is None:
            continue
        moment = issued if issued.tzinfo else issued.replace(tzinfo=UTC)
        batch.append(
            {
                "card_id": card_id,
                "stated_on": moment.astimezone(zone).date(),
                "situation": housing,
                "centre_id": centre_id,
                "created_dt": moment,
            }
        )
    if batch:
        op.bulk_insert(statements, batch)


def downgrade():
    op.drop_index(
        "ix_housing_statements_centre_id_stated_on", table_name="housing_statements"
    )
    op.drop_table("housing_statements")
    new_only = ", ".join(f"'{v}'" for v in NEW if v not in OLD)
    for table in TABLES:
        op.execute(
            f"UPDATE {table} SET housing = 'homeless' WHERE housing IN ({new_only})"
        )
    _replace_check(OLD)
