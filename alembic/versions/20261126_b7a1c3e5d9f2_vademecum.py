"""vademecum

Revision ID: b7a1c3e5d9f2
Revises: ae6f2a4b8d53
Create Date: 2026-11-26 15:00:00.000000

The Vademecum: vademecums, common chapters, one section per partner organisation (its
lists as JSON, its approved content kept beside the draft), suggestions between partners.
New tables only; nothing existing changes.
"""

import sqlalchemy as sa
from alembic import op

revision = "b7a1c3e5d9f2"
down_revision = "ae6f2a4b8d53"
branch_labels = None
depends_on = None


def _node_fk(table):
    return sa.ForeignKeyConstraint(
        ["id"], ["nodes.id"], name=op.f(f"fk_{table}_id_nodes"), ondelete="CASCADE"
    )


def upgrade():
    op.create_table(
        "vademecums",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        _node_fk("vademecums"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vademecums")),
    )
    op.create_table(
        "vademecum_chapters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=50), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        _node_fk("vademecum_chapters"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vademecum_chapters")),
    )
    op.create_table(
        "vademecum_sections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("competences", sa.Text(), nullable=False),
        sa.Column("network_role", sa.Text(), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("offices", sa.JSON(), nullable=False),
        sa.Column("contacts", sa.JSON(), nullable=False),
        sa.Column("contact_person", sa.JSON(), nullable=False),
        sa.Column("languages", sa.Text(), nullable=False),
        sa.Column("last_checked", sa.Date(), nullable=True),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_revision", sa.Integer(), nullable=True),
        sa.Column("approved_snapshot", sa.Text(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_by_login", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["approved_by_id"],
            ["users.id"],
            name=op.f("fk_vademecum_sections_approved_by_id_users"),
            ondelete="SET NULL",
        ),
        _node_fk("vademecum_sections"),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_vademecum_sections_organisation_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vademecum_sections")),
    )
    with op.batch_alter_table("vademecum_sections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_vademecum_sections_organisation_id"), ["organisation_id"], unique=False
        )
    op.create_table(
        "vademecum_suggestions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("proposer_id", sa.Integer(), nullable=True),
        sa.Column("proposer_login", sa.String(length=100), nullable=False),
        sa.Column("proposer_name", sa.String(length=200), nullable=False),
        sa.Column("proposer_organisation_id", sa.Integer(), nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("base_revision", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_login", sa.String(length=100), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("applied_revision", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_vademecum_suggestions_decided_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["proposer_id"],
            ["users.id"],
            name=op.f("fk_vademecum_suggestions_proposer_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["proposer_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_vademecum_suggestions_proposer_organisation_id_organisations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["section_id"],
            ["nodes.id"],
            name=op.f("fk_vademecum_suggestions_section_id_nodes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vademecum_suggestions")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("vademecum_suggestions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_vademecum_suggestions_section_id"), ["section_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_vademecum_suggestions_status"), ["status"], unique=False
        )


def _delete_vademecum_subtrees():
    """Remove every Vademecum with what is inside it (attachments too), and any stray
    chapter or section: their rows would be left without their type tables.

    Migrations run with foreign keys off on SQLite, so ON DELETE CASCADE cannot be relied
    on: every table that refers to ``nodes`` is cleaned explicitly, on both backends."""
    bind = op.get_bind()
    nodes = sa.table("nodes", sa.column("id"), sa.column("path"), sa.column("type"))
    kinds = ("vademecum", "vademecum_chapter", "vademecum_section")
    tops = list(bind.scalars(sa.select(nodes.c.path).where(nodes.c.type.in_(kinds))))
    ids = set()
    for path in tops:
        # The subtree is the range [path, path-with-last-"/"-as-"0"), as in content.tree.
        ids.update(
            bind.scalars(
                sa.select(nodes.c.id).where(nodes.c.path >= path, nodes.c.path < path[:-1] + "0")
            )
        )
    if not ids:
        return
    inspector = sa.inspect(bind)
    for table_name in inspector.get_table_names():
        if table_name == "nodes":
            continue
        for fk in inspector.get_foreign_keys(table_name):
            if fk["referred_table"] == "nodes" and len(fk["constrained_columns"]) == 1:
                column = sa.column(fk["constrained_columns"][0])
                table = sa.table(table_name, column)
                bind.execute(table.delete().where(column.in_(ids)))
    bind.execute(nodes.delete().where(nodes.c.id.in_(ids)))


def downgrade():
    _delete_vademecum_subtrees()
    with op.batch_alter_table("vademecum_suggestions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vademecum_suggestions_status"))
        batch_op.drop_index(batch_op.f("ix_vademecum_suggestions_section_id"))
    op.drop_table("vademecum_suggestions")
    with op.batch_alter_table("vademecum_sections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vademecum_sections_organisation_id"))
    op.drop_table("vademecum_sections")
    op.drop_table("vademecum_chapters")
    op.drop_table("vademecums")
