"""The index queue: the transactional outbox between the database and the index.

A row says "re-read this node (and, with ``subtree``, everything below it) and update the
index". It is written in the same transaction as the change, so a rolled-back change
leaves no row and a committed one always leaves one; rows are deleted once applied.
``node_id`` is deliberately not a foreign key: a row about a node deleted meanwhile must
survive to remove its document.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tavolo.db import Base, UTCDateTime, utcnow


class IndexQueueEntry(Base):
    __tablename__ = "index_queue"
    # Ids never reused: the indexer deletes exactly the ids it applied.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    node_id: Mapped[int] = mapped_column(Integer)
    subtree: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(String(30), default="")
    created: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
