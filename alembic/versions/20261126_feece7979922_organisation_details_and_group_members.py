"""organisation details, whole organisations in groups, notification choice

Revision ID: feece7979922
Revises: d4b8e2f1a6c9
Create Date: 2026-11-26 07:52:29.491660

Organisations get an address, a logo (a blob of the files store) and a retirement date;
a group member is a user or a whole organisation; every user has a notification choice
(immediate by default, which is how the workflow will treat existing accounts).
"""

import contextlib

import sqlalchemy as sa
from alembic import op

revision = "feece7979922"
down_revision = "d4b8e2f1a6c9"
branch_labels = None
depends_on = None


@contextlib.contextmanager
def _users_rebuildable():
    """SQLite rebuilds ``users`` (copy, drop, rename) to add a column with a CHECK.

    Two things need help. Its modern RENAME re-checks every trigger, and the audit trail's
    trigger reads ``users``, which is briefly missing: the legacy RENAME checks nothing
    (foreign keys name tables by name, so they point at the new table). And the copy's
    AUTOINCREMENT counter starts from the highest id *left*, so the id of the most recently
    deleted account would be handed out again: the old high-water mark is put back."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        yield
        return
    high_water = bind.execute(
        sa.text("SELECT seq FROM sqlite_sequence WHERE name = 'users'")
    ).scalar()
    op.execute("PRAGMA legacy_alter_table = ON")
    try:
        yield
    finally:
        op.execute("PRAGMA legacy_alter_table = OFF")
    if high_water is not None:
        bind.execute(
            sa.text("UPDATE sqlite_sequence SET seq = MAX(seq, :high) WHERE name = 'users'"),
            {"high": high_water},
        )
        bind.execute(
            sa.text(
                "INSERT INTO sqlite_sequence (name, seq) SELECT 'users', :high"
                " WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'users')"
            ),
            {"high": high_water},
        )


def _restore_nodes_autoincrement():
    """An earlier batch operation rebuilt ``nodes`` on SQLite without AUTOINCREMENT, so a
    deleted node's id could be handed out again (the audit trail and redirects name nodes
    by id). Rebuild it with the keyword, counting on from the highest id left: ids freed
    above it before this revision cannot be known any more."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    table_sql = bind.execute(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'nodes'")
    ).scalar_one()
    if "AUTOINCREMENT" in table_sql.upper():
        return
    with op.batch_alter_table(
        "nodes", recreate="always", table_kwargs={"sqlite_autoincrement": True}
    ):
        pass


def upgrade():
    _restore_nodes_autoincrement()
    with op.batch_alter_table("group_members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
        batch_op.alter_column("user_id", existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_index(
            batch_op.f("ix_group_members_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_group_members_group_id_organisation_id"),
            ["group_id", "organisation_id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_group_members_organisation_id_organisations"),
            "organisations",
            ["organisation_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_group_members_user_or_organisation"),
            "(user_id IS NULL) <> (organisation_id IS NULL)",
        )

    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("address", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("logo_sha256", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("logo_content_type", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("retired", sa.DateTime(timezone=True), nullable=True))

    with (
        _users_rebuildable(),
        op.batch_alter_table("users", table_kwargs={"sqlite_autoincrement": True}) as batch_op,
    ):
        batch_op.add_column(
            sa.Column(
                "notifications",
                sa.Enum(
                    "immediate",
                    "digest",
                    "none",
                    name="notification_mode",
                    native_enum=False,
                    create_constraint=True,
                    length=10,
                ),
                server_default="immediate",
                nullable=False,
            )
        )


def downgrade():
    with (
        _users_rebuildable(),
        op.batch_alter_table("users", table_kwargs={"sqlite_autoincrement": True}) as batch_op,
    ):
        batch_op.drop_constraint(batch_op.f("ck_users_notification_mode"), type_="check")
        batch_op.drop_column("notifications")

    with op.batch_alter_table(
        "organisations", table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.drop_column("retired")
        batch_op.drop_column("logo_content_type")
        batch_op.drop_column("logo_sha256")
        batch_op.drop_column("address")

    # The older schema has no place for a whole organisation in a group: those memberships
    # go (the users' own memberships stay).
    op.execute("DELETE FROM group_members WHERE organisation_id IS NOT NULL")
    with op.batch_alter_table("group_members", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_group_members_user_or_organisation"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_group_members_organisation_id_organisations"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("uq_group_members_group_id_organisation_id"), type_="unique"
        )
        batch_op.drop_index(batch_op.f("ix_group_members_organisation_id"))
        batch_op.alter_column("user_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column("organisation_id")
