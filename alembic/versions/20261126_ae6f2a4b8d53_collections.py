"""collections

Revision ID: ae6f2a4b8d53
Revises: 9d5e1f3a7c42
Create Date: 2026-11-26 12:00:00.000000

The "Raccolta" content type (tavolo.search): a saved search - words and filters - whose
page lists whatever matches now. A joined table of ``nodes`` like every type's.
"""

import sqlalchemy as sa
from alembic import op

revision = "ae6f2a4b8d53"
down_revision = "9d5e1f3a7c42"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "collections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("search_words", sa.String(length=500), nullable=False),
        sa.Column("filter_type", sa.String(length=50), nullable=False),
        sa.Column("filter_year", sa.String(length=4), nullable=False),
        sa.Column("filter_organisation_id", sa.Integer(), nullable=True),
        sa.Column("filter_tag", sa.String(length=100), nullable=False),
        sa.Column("sort", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["filter_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_collections_filter_organisation_id_organisations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["id"], ["nodes.id"], name=op.f("fk_collections_id_nodes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collections")),
    )


def downgrade():
    # Without their table the nodes of the type could not be loaded: they go with it.
    op.execute("DELETE FROM nodes WHERE type = 'collection'")
    op.drop_table("collections")
