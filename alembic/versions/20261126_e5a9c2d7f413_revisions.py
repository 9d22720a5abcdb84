"""revisions

Revision ID: e5a9c2d7f413
Revises: 33cf1b07694a
Create Date: 2026-11-26 09:20:00.000000

Every save of a content item writes a revision (tavolo.versioning): its number, author,
time, change note, the canonical JSON snapshot of its fields and that snapshot's SHA-256,
and the blob a file revision names (kept by garbage collection). Existing items get their
first revision at their next save: nothing is written here.
"""

import sqlalchemy as sa
from alembic import op

revision = "e5a9c2d7f413"
down_revision = "33cf1b07694a"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author_login", sa.String(length=100), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("snapshot", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("blob_sha256", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_revisions_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["node_id"],
            ["nodes.id"],
            name=op.f("fk_revisions_node_id_nodes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revisions")),
        sa.UniqueConstraint("node_id", "number", name=op.f("uq_revisions_node_id_number")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_revisions_author_id"), ["author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_revisions_blob_sha256"), ["blob_sha256"], unique=False)


def downgrade():
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_revisions_blob_sha256"))
        batch_op.drop_index(batch_op.f("ix_revisions_author_id"))

    op.drop_table("revisions")
