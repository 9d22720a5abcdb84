"""What discussions store: comments on items, and the folders' comment policies."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tavolo.db import Base, UTCDateTime, utcnow

# A comment's status. Rows are never removed by the application: a comment its author
# deleted keeps its row (without its text) so that the replies under it keep their thread,
# and ids are never reused.
VISIBLE = "visible"
HIDDEN = "hidden"  # by a moderator, with a reason
DELETED = "deleted"  # by its author
STATUSES = (VISIBLE, HIDDEN, DELETED)


class Comment(Base):
    """One comment on one item, or a reply (``parent_id``) to a top-level comment.

    ``quote`` is the passage of the item's text the comment is about ("" for none), as it
    was when the comment was written; ``revision`` the item's revision number then (None
    for items that had no revision yet). Whether the passage is still in the text is
    decided when the comment is shown, never stored: an edit can remove it and a later
    revert bring it back.
    """

    __tablename__ = "comments"
    __table_args__ = (
        Index("ix_comments_node_id_parent_id_id", "node_id", "parent_id", "id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    node_id: Mapped[int] = mapped_column(ForeignKey("nodes.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when the author changes the text: shown as "modificato".
    modified: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    text: Mapped[str] = mapped_column(Text, default="")
    quote: Mapped[str] = mapped_column(Text, default="")
    revision: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default=VISIBLE)
    moderation_reason: Mapped[str] = mapped_column(Text, default="")
    moderated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    moderated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class CommentPolicy(Base):
    """A folder's choice for its subtree: comments on (``enabled``) or off. No row means
    "as the folder above", and at the top "as each type says" (``TypeInfo.comments``)."""

    __tablename__ = "comment_policies"

    node_id: Mapped[int] = mapped_column(
        ForeignKey("nodes.id", ondelete="CASCADE"), primary_key=True
    )
    enabled: Mapped[bool] = mapped_column(Boolean)
