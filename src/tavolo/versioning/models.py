"""What versioning stores: one row per saved state of a node."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tavolo.db import Base, UTCDateTime, utcnow


class Revision(Base):
    """Revision ``number`` (1, 2, ... per node) of a node: its editable fields as they were
    saved, who saved them, when, and why.

    Rows are only ever added (a revert writes a new one). ``snapshot`` is the canonical JSON
    of the fields (``tavolo.versioning.service.canonical``) and ``sha256`` its hash, so a
    revision can later be identified (approval rounds sign a hash). ``blob_sha256`` repeats
    the file's hash of a File or Image revision so that garbage collection finds every
    blob an old revision still needs with one query. ``author_login`` outlives the account.
    """

    __tablename__ = "revisions"
    __table_args__ = (
        UniqueConstraint("node_id", "number"),
        # Ids are never reused: a deleted node's revisions must not come back as another's.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    node_id: Mapped[int] = mapped_column(ForeignKey("nodes.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    author_login: Mapped[str] = mapped_column(String(100), default="")
    created: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")
    snapshot: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    blob_sha256: Mapped[str | None] = mapped_column(String(64), index=True)


class EditLock(Base):
    """The advisory edit lock of a node: who has its edit form open, since when, and until
    when the lock counts (``expires``; a lock past it is free, whatever the row says).

    One row per node at most: taking a free lock overwrites the row. ``taken_over_from_id``
    and ``taken_over_at`` say that the holder took the lock from someone else, so that the
    previous holder's next refresh can be told (the takeover is also in the audit trail).
    Locks never stop a save: the version check (``EditConflict``) protects against lost
    updates; a lock only tells people that someone else is editing.
    """

    __tablename__ = "edit_locks"

    node_id: Mapped[int] = mapped_column(
        ForeignKey("nodes.id", ondelete="CASCADE"), primary_key=True
    )
    holder_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    acquired: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    refreshed: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    taken_over_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    taken_over_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
