"""add the user-run flag to opening intervals

Revision ID: f16c4a8e2b7d
Revises: f16c4a8e2d17
Create Date: 2026-12-06 21:40:00

Existing intervals become staffed (the server default false).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f16c4a8e2b7d'
down_revision = 'f16c4a8e2d17'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('opening_intervals', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'is_user_run', sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )


def downgrade():
    with op.batch_alter_table('opening_intervals', schema=None) as batch_op:
        batch_op.drop_column('is_user_run')
