"""index queue

Revision ID: 9d5e1f3a7c42
Revises: 8c4f0d2e6b31
Create Date: 2026-11-26 12:00:00.000000

The search index's transactional outbox (tavolo.search): a row per node (or subtree) to
re-read into the index, written in the transaction of the change and deleted once applied.
``node_id`` is not a foreign key: a row about a deleted node must still de-index it. The
index itself is rebuilt from the database at the next start (no index yet), so nothing
needs filling here.
"""

import sqlalchemy as sa
from alembic import op

revision = "9d5e1f3a7c42"
down_revision = "8c4f0d2e6b31"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "index_queue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.Integer(), nullable=False),
        sa.Column("subtree", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_index_queue")),
        sqlite_autoincrement=True,
    )


def downgrade():
    op.drop_table("index_queue")
