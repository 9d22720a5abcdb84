"""folder display layout

Revision ID: 7d1e4a2b9c30
Revises: b3cedc0b8e3b
Create Date: 2026-11-26 05:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "7d1e4a2b9c30"
down_revision = "b3cedc0b8e3b"
branch_labels = None
depends_on = None


def upgrade():
    # The server default fills the existing folders: they keep the plain listing.
    with op.batch_alter_table("folders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("layout", sa.String(length=20), server_default="listing", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("folders", schema=None) as batch_op:
        batch_op.drop_column("layout")
