"""The content tree: one ``nodes`` table, one joined table per type.

``path`` is materialised with a trailing slash (``/``, ``/area-riservata/``,
``/area-riservata/documenti/``) so that a subtree is the half-open range from ``/a/`` to
``/a0`` (``0`` follows ``/`` in ASCII) - compared as a range, never with ``LIKE``, whose
``_`` is a wildcard and which ignores case on SQLite. The column uses the binary "C"
collation on PostgreSQL so that the range means bytes, not a locale's ordering.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tavolo.db import Base, UTCDateTime, utcnow

PATH_TYPE = String(2000).with_variant(String(2000, collation="C"), "postgresql")


class Node(Base):
    __tablename__ = "nodes"
    __table_args__ = (
        UniqueConstraint("parent_id", "name"),
        # NULL parents are distinct in a unique constraint: top-level names need their own.
        Index(
            "uq_nodes_top_level_name",
            "name",
            unique=True,
            sqlite_where=text("parent_id IS NULL"),
            postgresql_where=text("parent_id IS NULL"),
        ),
        Index("ix_nodes_parent_id_position", "parent_id", "position"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("nodes.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(50))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    modified: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    effective: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    expires: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    language: Mapped[str] = mapped_column(String(8), default="it")
    state: Mapped[str] = mapped_column(String(50))
    position: Mapped[int] = mapped_column(Integer, default=0)
    path: Mapped[str] = mapped_column(PATH_TYPE, unique=True)
    # Moved by edits, state changes, renames and moves (optimistic concurrency, checked by
    # services); deliberately not SQLAlchemy's version_id_col, whose StaleDataError
    # pyramid_retry would retry and so silently overwrite the winner.
    version: Mapped[int] = mapped_column(Integer, default=1)
    inherit_roles: Mapped[bool] = mapped_column(Boolean, default=True)
    # Kept out of the main menu (legal pages, for instance), still reachable by URL.
    exclude_from_nav: Mapped[bool] = mapped_column(Boolean, default=False)

    parent: Mapped[Node | None] = relationship(remote_side=[id], lazy="raise_on_sql")

    __mapper_args__ = {"polymorphic_on": "type", "polymorphic_identity": "node"}

    # Filled by traversal: the ancestors from the root down, loaded in the same query.
    _lineage = None  # list[Node] once known

    @property
    def __name__(self) -> str:
        return self.name

    @property
    def __parent__(self) -> Node | None:
        lineage = self.lineage
        return lineage[-2] if len(lineage) > 1 else None

    @property
    def lineage(self) -> list[Node]:
        """Root first, this node last. Set by traversal; loaded on demand otherwise."""
        if self._lineage is None:
            from tavolo.content.tree import load_lineage

            self._lineage = load_lineage(self)
        return self._lineage

    @property
    def depth(self) -> int:
        return self.path.count("/") - 1

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id} {self.path!r}>"


class Folder(Node):
    __tablename__ = "folders"

    id: Mapped[int] = mapped_column(ForeignKey("nodes.id", ondelete="CASCADE"), primary_key=True)
    # An introduction shown above the folder's contents (sanitised HTML).
    body: Mapped[str] = mapped_column(Text, default="")

    __mapper_args__ = {"polymorphic_identity": "folder"}


class Page(Node):
    __tablename__ = "pages"

    id: Mapped[int] = mapped_column(ForeignKey("nodes.id", ondelete="CASCADE"), primary_key=True)
    body: Mapped[str] = mapped_column(Text, default="")

    __mapper_args__ = {"polymorphic_identity": "page"}
