"""vademecum editions

Revision ID: c8b2d4f6e0a3
Revises: b7a1c3e5d9f2
Create Date: 2026-11-26 15:00:00.000000

Editions of the Vademecum: frozen snapshots with their SHA-256 (tavolo.vademecum.editions).
One table; numbers are unique per Vademecum. Nothing existing changes.
"""

import sqlalchemy as sa
from alembic import op

revision = "c8b2d4f6e0a3"
down_revision = "b7a1c3e5d9f2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "vademecum_editions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vademecum_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("published_by_name", sa.String(length=300), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("public_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("public_changed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["vademecum_id"],
            ["nodes.id"],
            name=op.f("fk_vademecum_editions_vademecum_id_nodes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["published_by_id"],
            ["users.id"],
            name=op.f("fk_vademecum_editions_published_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["public_changed_by_id"],
            ["users.id"],
            name=op.f("fk_vademecum_editions_public_changed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vademecum_editions")),
        sa.UniqueConstraint(
            "vademecum_id", "number", name=op.f("uq_vademecum_editions_vademecum_id_number")
        ),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("vademecum_editions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_vademecum_editions_vademecum_id"), ["vademecum_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("vademecum_editions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vademecum_editions_vademecum_id"))
    op.drop_table("vademecum_editions")
