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
    """SQLite rebuilds ``users`` (copy, drop, rename) to add a column with a CHECK. Its
    modern RENAME re-checks every trigger, and the audit trail's triggers sit on a table
    that refers to ``users``, which is briefly missing: the rename fails. The legacy rename
    checks nothing; foreign keys name tables by name, so they point at the new table."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("PRAGMA legacy_alter_table = ON")
    try:
        yield
    finally:
        if sqlite:
            op.execute("PRAGMA legacy_alter_table = OFF")


def upgrade():
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

    with op.batch_alter_table("organisations", schema=None) as batch_op:
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
