"""What the workflow stores: each node's history of transitions, and placeful policies."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tavolo.db import Base, UTCDateTime, utcnow

# Written by the scheduled-publication script, which has no actor.
BECAME_VISIBLE = "became_visible"
EXPIRED = "expired"


class WorkflowHistory(Base):
    """One transition of one node: who, when, from which state to which, and why.

    Rows are only ever added. ``actor_login`` keeps the name if the account goes; a row
    without an actor was written by the system (scheduled publication). ``scheduled_for``
    is the date a system row is about, and makes recording it idempotent.
    """

    __tablename__ = "workflow_history"
    __table_args__ = (
        Index("ix_workflow_history_node_id_at", "node_id", "at"),
        # NULLs never collide, so only the system's dated rows are unique: running the
        # scheduled-publication script twice (or twice at once) records nothing twice.
        Index(
            "uq_workflow_history_scheduled", "node_id", "transition", "scheduled_for", unique=True
        ),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    node_id: Mapped[int] = mapped_column(ForeignKey("nodes.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    actor_login: Mapped[str] = mapped_column(String(100), default="")
    workflow: Mapped[str] = mapped_column(String(50))
    transition: Mapped[str] = mapped_column(String(50))
    from_state: Mapped[str] = mapped_column(String(30))
    to_state: Mapped[str] = mapped_column(String(30))
    comment: Mapped[str] = mapped_column(Text, default="")
    scheduled_for: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class WorkflowPolicy(Base):
    """A folder binds ``workflow`` for ``type_name`` (``*``: any type without its own
    binding) in its subtree, itself included. The nearest binding up the tree wins over the
    type registry's default."""

    __tablename__ = "workflow_policies"

    node_id: Mapped[int] = mapped_column(
        ForeignKey("nodes.id", ondelete="CASCADE"), primary_key=True
    )
    type_name: Mapped[str] = mapped_column(String(50), primary_key=True)
    workflow: Mapped[str] = mapped_column(String(50))
