"""The audit trail: one append-only row per security event.

Rows are only ever inserted. The application has no code path that updates or deletes
them, and the database refuses it too (triggers created by the migration; see
``docs/decisions.md`` for what a database administrator can still do). The one update
allowed is the foreign key's own ``SET NULL`` when an account is deleted: the actor's
login, copied at the time, keeps naming them.
"""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tavolo.db import Base, UTCDateTime, utcnow


class AuditEntry(Base):
    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_at_id", "at", "id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    actor_login: Mapped[str | None] = mapped_column(String(100), index=True)
    address: Mapped[str | None] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(50), index=True)
    # What the event is about: "node", "user", "group", "organisation"; its id, and a text
    # that stays readable after the object is gone (a node's path, a user's login).
    object_type: Mapped[str | None] = mapped_column(String(30))
    object_id: Mapped[int | None] = mapped_column(Integer)
    object_path: Mapped[str | None] = mapped_column(Text)
    # JSON text, not a JSON column: compared as written by the append-only trigger
    # (PostgreSQL's json type has no equality), and exported as it is.
    details: Mapped[str] = mapped_column(Text, default="{}")

    @property
    def data(self) -> dict:
        try:
            value = json.loads(self.details or "{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}
