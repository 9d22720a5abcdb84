"""edit locks

Revision ID: 7b3e9c1d5a20
Revises: e5a9c2d7f413
Create Date: 2026-11-26 11:30:00.000000

Advisory edit locks (tavolo.versioning.locks): at most one row per node naming who has its
edit form open, since when, until when the lock counts, and whom it was taken over from.
A new table with nothing to move: existing items start unlocked.
"""

import sqlalchemy as sa
from alembic import op

revision = "7b3e9c1d5a20"
down_revision = "e5a9c2d7f413"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "edit_locks",
        sa.Column("node_id", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column("acquired", sa.DateTime(timezone=True), nullable=False),
        sa.Column("refreshed", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires", sa.DateTime(timezone=True), nullable=False),
        sa.Column("taken_over_from_id", sa.Integer(), nullable=True),
        sa.Column("taken_over_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["holder_id"],
            ["users.id"],
            name=op.f("fk_edit_locks_holder_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["node_id"],
            ["nodes.id"],
            name=op.f("fk_edit_locks_node_id_nodes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["taken_over_from_id"],
            ["users.id"],
            name=op.f("fk_edit_locks_taken_over_from_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("node_id", name=op.f("pk_edit_locks")),
    )
    with op.batch_alter_table("edit_locks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_edit_locks_holder_id"), ["holder_id"], unique=False)


def downgrade():
    with op.batch_alter_table("edit_locks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_edit_locks_holder_id"))

    op.drop_table("edit_locks")
