"""add district area

Revision ID: c4e1a7d2f913
Revises: c4e1a7d9b2f3
Create Date: 2026-12-03 15:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e1a7d2f913'
down_revision = 'c4e1a7d9b2f3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('districts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('area_km2', sa.Float(), nullable=True))


def downgrade():
    with op.batch_alter_table('districts', schema=None) as batch_op:
        batch_op.drop_column('area_km2')
