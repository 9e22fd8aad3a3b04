"""course enrolments without registration (category-2 follow-up)

Revision ID: f17a1c2d3e4f
Revises: f16c4a8e2b7d
Create Date: 2026-12-06 22:50:00

A category-2 clarification course follows a card by its pseudonym only: the
enrolment is not registered and has no referral reference. Existing
enrolments (all on category-3 courses) stay registered with their reference;
a CHECK keeps the two together.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f17a1c2d3e4f"
down_revision = "f16c4a8e2b7d"
branch_labels = None
depends_on = None

CHECK = (
    "(is_registered AND referral_ref IS NOT NULL) "
    "OR (NOT is_registered AND referral_ref IS NULL)"
)


def upgrade():
    with op.batch_alter_table("course_enrolments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "is_registered", sa.Boolean(), server_default=sa.true(), nullable=False
            )
        )
        batch_op.alter_column(
            "referral_ref", existing_type=sa.String(length=20), nullable=True
        )
        batch_op.create_check_constraint(
            op.f("ck_course_enrolments_referral_when_registered"), CHECK
        )


def downgrade():
    op.execute("DELETE FROM course_enrolments WHERE referral_ref IS NULL")
    with op.batch_alter_table("course_enrolments", schema=None) as batch_op:
        batch_op.drop_constraint(
            op.f("ck_course_enrolments_referral_when_registered"), type_="check"
        )
        batch_op.alter_column(
            "referral_ref", existing_type=sa.String(length=20), nullable=False
        )
        batch_op.drop_column("is_registered")
