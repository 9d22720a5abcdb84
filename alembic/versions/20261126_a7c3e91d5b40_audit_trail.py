"""audit trail

Revision ID: a7c3e91d5b40
Revises: 3f8a1c5e7b21
Create Date: 2026-11-27 10:00:00.000000

The ``audit_entries`` table is append-only, and the database enforces it where that is
cheap: triggers refuse every UPDATE and DELETE (and TRUNCATE on PostgreSQL). The one
update let through is the foreign key's own ``SET NULL`` of ``actor_id`` once the account
it named is gone, with every other column unchanged. A later batch operation on this table
under SQLite recreates it, and must create the triggers again.
"""

import sqlalchemy as sa
from alembic import op

revision = "a7c3e91d5b40"
down_revision = "3f8a1c5e7b21"
branch_labels = None
depends_on = None

_SQLITE_TRIGGERS = (
    """
    CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
    WHEN NOT (
        OLD.actor_id IS NOT NULL AND NEW.actor_id IS NULL
        AND NEW.id IS OLD.id
        AND NEW.at IS OLD.at
        AND NEW.actor_login IS OLD.actor_login
        AND NEW.address IS OLD.address
        AND NEW.event_type IS OLD.event_type
        AND NEW.object_type IS OLD.object_type
        AND NEW.object_id IS OLD.object_id
        AND NEW.object_path IS OLD.object_path
        AND NEW.details IS OLD.details
        AND NOT EXISTS (SELECT 1 FROM users WHERE users.id = OLD.actor_id)
    )
    BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only: UPDATE refused'); END
    """,
    """
    CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
    BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only: DELETE refused'); END
    """,
)

_PG_STATEMENTS = (
    """
    CREATE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' THEN
            IF OLD.actor_id IS NOT NULL AND NEW.actor_id IS NULL
               AND ROW(NEW.id, NEW.at, NEW.actor_login, NEW.address, NEW.event_type,
                       NEW.object_type, NEW.object_id, NEW.object_path, NEW.details)
                   IS NOT DISTINCT FROM
                   ROW(OLD.id, OLD.at, OLD.actor_login, OLD.address, OLD.event_type,
                       OLD.object_type, OLD.object_id, OLD.object_path, OLD.details)
               AND NOT EXISTS (SELECT 1 FROM users WHERE users.id = OLD.actor_id) THEN
                RETURN NEW;  -- ON DELETE SET NULL of a deleted account
            END IF;
        END IF;
        RAISE EXCEPTION 'audit_entries is append-only: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END
    $$
    """,
    """
    CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
    FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()
    """,
    """
    CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
    FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only()
    """,
)


def upgrade():
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_login", sa.String(length=100), nullable=True),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.Column("event_type", sa.String(length=50), nullable=False),
        sa.Column("object_type", sa.String(length=30), nullable=True),
        sa.Column("object_id", sa.Integer(), nullable=True),
        sa.Column("object_path", sa.Text(), nullable=True),
        sa.Column("details", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_audit_entries_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.create_index("ix_audit_entries_at_id", ["at", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entries_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_audit_entries_actor_login"), ["actor_login"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_audit_entries_event_type"), ["event_type"], unique=False
        )

    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in _SQLITE_TRIGGERS:
            op.execute(statement)
    elif dialect == "postgresql":
        for statement in _PG_STATEMENTS:
            op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_entries_no_truncate ON audit_entries")
        op.execute("DROP TRIGGER IF EXISTS audit_entries_append_only ON audit_entries")
        op.execute("DROP FUNCTION IF EXISTS audit_entries_append_only()")
    elif dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_entries_no_delete")
        op.execute("DROP TRIGGER IF EXISTS audit_entries_no_update")
    # Plain drop (no batch mode): the table goes with its indexes.
    op.drop_table("audit_entries")
