"""Notices waiting for the daily digest."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tavolo.db import Base, UTCDateTime, utcnow


class PendingNotice(Base):
    """One notice for one user who chose the daily digest; ``sent`` once it went out.

    The digest checks again, when it is sent, that the user may still see the node: a
    notice never tells anyone about something they cannot open.
    """

    __tablename__ = "pending_notices"
    __table_args__ = (
        Index("ix_pending_notices_user_id_sent", "user_id", "sent"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    node_id: Mapped[int] = mapped_column(ForeignKey("nodes.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # what happened: "submit", "publish", ...
    actor_login: Mapped[str] = mapped_column(String(100), default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    created: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
