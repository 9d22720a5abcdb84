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
    Date,
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
    # The organisation that answers for the content (a partner's section, a circular's
    # issuer inside the network...).
    responsible_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )

    # In the trash: invisible with its whole subtree (traversal, listings, search, feeds)
    # until a Manager restores it or empties the trash. The name stays taken meanwhile, so
    # a restore always puts it back where it was.
    trashed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    trashed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    tag_rows: Mapped[list[NodeTag]] = relationship(
        cascade="all, delete-orphan", order_by="NodeTag.tag"
    )

    @property
    def tags(self) -> list[str]:
        return [row.tag for row in self.tag_rows]

    @tags.setter
    def tags(self, values) -> None:
        wanted = sorted({v.strip() for v in values or () if v and v.strip()})
        self.tag_rows = [NodeTag(tag=tag) for tag in wanted]

    relation_rows: Mapped[list[NodeRelation]] = relationship(
        foreign_keys="NodeRelation.source_id",
        cascade="all, delete-orphan",
        order_by="NodeRelation.position",
    )

    @property
    def related_ids(self) -> list[int]:
        """The ids of the related items, in their order."""
        return [row.target_id for row in self.relation_rows]

    @related_ids.setter
    def related_ids(self, values) -> None:
        # Rows that stay are kept (only their position changes): replacing a row by a new
        # one with the same key would make the flush delete and insert it again.
        existing = {row.target_id: row for row in self.relation_rows}
        rows = []
        for position, target_id in enumerate(dict.fromkeys(values or ())):
            row = existing.get(target_id) or NodeRelation(target_id=target_id)
            row.position = position
            rows.append(row)
        self.relation_rows = rows

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
    # How visitors see the contents, as Plone's "Display" menu: ``listing`` (every item),
    # ``news`` (news items with dates and images) or ``agenda`` (events by date). The
    # values are the keys of ``tavolo.content.schemas.FOLDER_LAYOUTS``; an unknown value
    # shows the plain listing.
    layout: Mapped[str] = mapped_column(String(20), default="listing", server_default="listing")

    __mapper_args__ = {"polymorphic_identity": "folder"}


class Page(Node):
    __tablename__ = "pages"

    id: Mapped[int] = mapped_column(ForeignKey("nodes.id", ondelete="CASCADE"), primary_key=True)
    body: Mapped[str] = mapped_column(Text, default="")

    __mapper_args__ = {"polymorphic_identity": "page"}


class NodeTag(Base):
    """A free tag ("Vademecum", "lavoro", "minori") on a node; faceted by search."""

    __tablename__ = "node_tags"

    node_id: Mapped[int] = mapped_column(
        ForeignKey("nodes.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(100), primary_key=True, index=True)


class NodeRelation(Base):
    """ "Related items": an ordered link from one node to another."""

    __tablename__ = "node_relations"

    source_id: Mapped[int] = mapped_column(
        ForeignKey("nodes.id", ondelete="CASCADE"), primary_key=True
    )
    target_id: Mapped[int] = mapped_column(
        ForeignKey("nodes.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)


class Link(Node):
    __tablename__ = "links"

    id: Mapped[int] = mapped_column(ForeignKey("nodes.id", ondelete="CASCADE"), primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))

    __mapper_args__ = {"polymorphic_identity": "link"}


class NewsItem(Node):
    """Notizia: a lead, a body, an optional image (an Image node) and the date shown."""

    __tablename__ = "news_items"

    id: Mapped[int] = mapped_column(ForeignKey("nodes.id", ondelete="CASCADE"), primary_key=True)
    lead: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    image_id: Mapped[int | None] = mapped_column(ForeignKey("nodes.id", ondelete="SET NULL"))

    __mapper_args__ = {
        "polymorphic_identity": "news",
        "inherit_condition": id == Node.id,
    }


class Event(Node):
    """Evento: a meeting, a training day, a deadline."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(ForeignKey("nodes.id", ondelete="CASCADE"), primary_key=True)
    start: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    end: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    whole_day: Mapped[bool] = mapped_column(Boolean, default=False)
    location: Mapped[str] = mapped_column(String(300), default="")
    organiser: Mapped[str] = mapped_column(String(300), default="")
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_phone: Mapped[str] = mapped_column(String(50), default="")
    body: Mapped[str] = mapped_column(Text, default="")

    __mapper_args__ = {"polymorphic_identity": "event"}


class StoredFile:
    """Columns of anything that holds an uploaded file.

    The bytes are in the blob store (``tavolo.files``), named by ``sha256``: rows hold
    only what describes them. ``filename`` is for display only, never a path;
    ``content_type`` is the type recognised from the bytes at upload, never the browser's
    claim. ``sha256`` is indexed: garbage collection and "who uses this blob" ask by it.
    """

    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)


class File(StoredFile, Node):
    __tablename__ = "files"

    id: Mapped[int] = mapped_column(ForeignKey("nodes.id", ondelete="CASCADE"), primary_key=True)

    __mapper_args__ = {"polymorphic_identity": "file"}


class Image(StoredFile, Node):
    __tablename__ = "images"

    id: Mapped[int] = mapped_column(ForeignKey("nodes.id", ondelete="CASCADE"), primary_key=True)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)

    __mapper_args__ = {"polymorphic_identity": "image"}


class Legislation(Node):
    """Normativa: an act (law, decree, circular...) identified by its URN:NIR; it holds its
    attachments as child File nodes."""

    __tablename__ = "legislation"

    id: Mapped[int] = mapped_column(ForeignKey("nodes.id", ondelete="CASCADE"), primary_key=True)
    act_type: Mapped[str] = mapped_column(String(50))
    number: Mapped[str] = mapped_column(String(50), default="")
    act_date: Mapped[dt.date | None] = mapped_column(Date)
    issuing_body: Mapped[str] = mapped_column(String(300), default="")
    urn: Mapped[str] = mapped_column(String(500), default="", index=True)
    official_url: Mapped[str] = mapped_column(String(2000), default="")
    body: Mapped[str] = mapped_column(Text, default="")

    __mapper_args__ = {"polymorphic_identity": "legislation"}


class Question(Node):
    """Domanda e risposta: the title is the question in short, ``question`` in full."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(ForeignKey("nodes.id", ondelete="CASCADE"), primary_key=True)
    question: Mapped[str] = mapped_column(Text, default="")
    answer: Mapped[str] = mapped_column(Text, default="")
    topic: Mapped[str] = mapped_column(String(100), default="", index=True)

    __mapper_args__ = {"polymorphic_identity": "question"}


class NodeRedirect(Base):
    """An old path of a node that was renamed or moved: requests for it (and for anything
    below it) are sent to where the node is now, so bookmarks and links keep working."""

    __tablename__ = "node_redirects"

    old_path: Mapped[str] = mapped_column(PATH_TYPE, primary_key=True)
    node_id: Mapped[int] = mapped_column(ForeignKey("nodes.id", ondelete="CASCADE"), index=True)
    created: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Collection(Node):
    """Raccolta: a saved search (words and filters) whose page lists whatever matches now,
    as the caller may see it (``tavolo.search``). "Normativa 2024", for instance."""

    __tablename__ = "collections"

    id: Mapped[int] = mapped_column(ForeignKey("nodes.id", ondelete="CASCADE"), primary_key=True)
    search_words: Mapped[str] = mapped_column(String(500), default="")
    filter_type: Mapped[str] = mapped_column(String(50), default="")
    filter_year: Mapped[str] = mapped_column(String(4), default="")
    filter_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL")
    )
    filter_tag: Mapped[str] = mapped_column(String(100), default="")
    # "date" (newest first) or "relevance".
    sort: Mapped[str] = mapped_column(String(20), default="date")

    __mapper_args__ = {"polymorphic_identity": "collection"}
