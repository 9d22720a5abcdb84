"""What an edition of the Vademecum stores: a frozen snapshot and its fingerprint.

An edition is written once and its content never changes: the snapshot (canonical JSON of
``snapshot.consolidated``), its SHA-256, its number, date, publisher and note are frozen,
and a flush that tries to change one of them fails (``FrozenEdition``) - the service has no
update path, and this guard catches a script or a future view that would try. Only whether
the edition is shown in the public area (``public`` and who/when) may change: it is a
decision about the edition, not part of it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, mapped_column

from tavolo.db import Base, UTCDateTime, utcnow

FROZEN_FIELDS = (
    "vademecum_id",
    "number",
    "published_at",
    "published_by_name",
    "note",
    "content",
    "sha256",
)


class FrozenEdition(RuntimeError):
    """Something tried to change a published edition's content."""


class Edition(Base):
    """Edition ``number`` (1, 2, ... per Vademecum) of one Vademecum."""

    __tablename__ = "vademecum_editions"
    __table_args__ = (
        # Two publishes at once must never both get number N: the service serialises them
        # (a row lock on the Vademecum), and this constraint is the last word.
        UniqueConstraint("vademecum_id", "number"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vademecum_id: Mapped[int] = mapped_column(
        ForeignKey("nodes.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The publisher's name as it was: an edition's colophon does not change when an
    # account is renamed or removed.
    published_by_name: Mapped[str] = mapped_column(String(300), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    # Canonical JSON (sorted keys, no whitespace, UTF-8) of the consolidated Vademecum.
    content: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    # Shown in the public area (anonymous visitors, with contact persons filtered).
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    public_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    public_changed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )


@event.listens_for(Edition, "before_update")
def _refuse_changes(_mapper, _connection, edition: Edition) -> None:
    state = inspect(edition)
    changed = [name for name in FROZEN_FIELDS if state.attrs[name].history.has_changes()]
    if changed:
        raise FrozenEdition(f"edition {edition.id} is frozen; tried to change {changed}")
