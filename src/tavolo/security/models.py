"""Role grants: global (site-wide) and local (on one node, inherited down the tree).

A grant names exactly one principal - a user, a group or a whole organisation - through a
real foreign key with ON DELETE CASCADE: deleting a group takes its grants with it, and a
principal id is never reused, so nothing is inherited by a newcomer.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from tavolo.db import Base

_ONE_PRINCIPAL = (
    "(CASE WHEN user_id IS NULL THEN 0 ELSE 1 END"
    " + CASE WHEN group_id IS NULL THEN 0 ELSE 1 END"
    " + CASE WHEN organisation_id IS NULL THEN 0 ELSE 1 END) = 1"
)


class PrincipalGrant:
    """Columns shared by both kinds of grant."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    role: Mapped[str] = mapped_column(String(30))

    @declared_attr
    def user_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)

    @declared_attr
    def group_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)

    @declared_attr
    def organisation_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)

    @property
    def principal(self) -> str:
        if self.user_id is not None:
            return f"user:{self.user_id}"
        if self.group_id is not None:
            return f"group:{self.group_id}"
        return f"org:{self.organisation_id}"


def _unique_per_principal(table: str, scope: tuple[str, ...]) -> tuple[Index, ...]:
    """One grant of a role per principal (and node): a partial unique index per kind,
    because NULLs never collide in a plain unique constraint."""
    indexes = []
    for column in ("user_id", "group_id", "organisation_id"):
        where = text(f"{column} IS NOT NULL")
        indexes.append(
            Index(
                f"uq_{table}_{column}_role",
                *scope,
                column,
                "role",
                unique=True,
                sqlite_where=where,
                postgresql_where=where,
            )
        )
    return tuple(indexes)


class GlobalRole(PrincipalGrant, Base):
    __tablename__ = "global_roles"
    __table_args__ = (
        CheckConstraint(_ONE_PRINCIPAL, name="one_principal"),
        *_unique_per_principal("global_roles", ()),
    )


class LocalRole(PrincipalGrant, Base):
    __tablename__ = "local_roles"
    __table_args__ = (
        CheckConstraint(_ONE_PRINCIPAL, name="one_principal"),
        *_unique_per_principal("local_roles", ("node_id",)),
    )

    node_id: Mapped[int] = mapped_column(ForeignKey("nodes.id", ondelete="CASCADE"), index=True)
