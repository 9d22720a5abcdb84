"""workflow history, placeful policies, pending notices

Revision ID: 33cf1b07694a
Revises: feece7979922
Create Date: 2026-11-26 08:34:46.310895

The workflow engine's tables: each node's transition history, the workflows a folder
binds for its subtree, and the notices waiting for a daily digest. An existing site's
reserved area is bound to the reserved-area workflows, as a new site's is: nothing in it
can be published to the public from now on. States stay as they are (their names and
permission maps did not change), so no content changes.
"""

import sqlalchemy as sa
from alembic import op

revision = "33cf1b07694a"
down_revision = "feece7979922"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "pending_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("actor_login", sa.String(length=100), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["node_id"],
            ["nodes.id"],
            name=op.f("fk_pending_notices_node_id_nodes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_pending_notices_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_notices")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("pending_notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pending_notices_node_id"), ["node_id"], unique=False)
        batch_op.create_index("ix_pending_notices_user_id_sent", ["user_id", "sent"], unique=False)

    op.create_table(
        "workflow_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_login", sa.String(length=100), nullable=False),
        sa.Column("workflow", sa.String(length=50), nullable=False),
        sa.Column("transition", sa.String(length=50), nullable=False),
        sa.Column("from_state", sa.String(length=30), nullable=False),
        sa.Column("to_state", sa.String(length=30), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("scheduled_for", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_workflow_history_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["node_id"],
            ["nodes.id"],
            name=op.f("fk_workflow_history_node_id_nodes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workflow_history")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("workflow_history", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_workflow_history_actor_id"), ["actor_id"], unique=False
        )
        batch_op.create_index("ix_workflow_history_node_id_at", ["node_id", "at"], unique=False)
        batch_op.create_index(
            "uq_workflow_history_scheduled", ["node_id", "transition", "scheduled_for"], unique=True
        )

    policies = op.create_table(
        "workflow_policies",
        sa.Column("node_id", sa.Integer(), nullable=False),
        sa.Column("type_name", sa.String(length=50), nullable=False),
        sa.Column("workflow", sa.String(length=50), nullable=False),
        sa.ForeignKeyConstraint(
            ["node_id"],
            ["nodes.id"],
            name=op.f("fk_workflow_policies_node_id_nodes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("node_id", "type_name", name=op.f("pk_workflow_policies")),
    )
    reserved = (
        op.get_bind()
        .execute(sa.text("SELECT id FROM nodes WHERE path = '/area-riservata/'"))
        .scalar()
    )
    if reserved is not None:
        op.bulk_insert(
            policies,
            [
                {"node_id": reserved, "type_name": "*", "workflow": "reserved_publication"},
                {"node_id": reserved, "type_name": "folder", "workflow": "reserved_folder"},
            ],
        )


def downgrade():
    op.drop_table("workflow_policies")
    with op.batch_alter_table("workflow_history", schema=None) as batch_op:
        batch_op.drop_index("uq_workflow_history_scheduled")
        batch_op.drop_index("ix_workflow_history_node_id_at")
        batch_op.drop_index(batch_op.f("ix_workflow_history_actor_id"))

    op.drop_table("workflow_history")
    with op.batch_alter_table("pending_notices", schema=None) as batch_op:
        batch_op.drop_index("ix_pending_notices_user_id_sent")
        batch_op.drop_index(batch_op.f("ix_pending_notices_node_id"))

    op.drop_table("pending_notices")
