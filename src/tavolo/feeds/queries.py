"""What a feed lists: a folder's visible children, filtered in SQL for the feed's reader."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import case, func, select

from tavolo.content.models import Event, Node
from tavolo.content.tree import any_node, with_parent_lineage
from tavolo.feeds.access import FeedReader
from tavolo.security.listing import visible_children_clause_for

FEED_SIZE = 30
CALENDAR_SIZE = 500


def _visible(reader: FeedReader, folder: Node):
    # The listing clause covers states, grants and dates (effective, expires).
    return (
        Node.parent_id == folder.id,
        Node.trashed_at.is_(None),
        visible_children_clause_for(reader.calculator, folder),
    )


def feed_date_column():
    """News are dated by their publication (effective, else created); the rest by their
    last change."""
    return case(
        (Node.type == "news", func.coalesce(Node.effective, Node.created)), else_=Node.modified
    )


def feed_date(node: Node) -> dt.datetime:
    if node.type == "news":
        return node.effective or node.created
    return node.modified


def recent_items(dbsession, reader: FeedReader, folder: Node, limit: int = FEED_SIZE) -> list[Node]:
    polymorphic = any_node()
    query = (
        select(polymorphic)
        .where(*_visible(reader, folder))
        .order_by(feed_date_column().desc(), Node.id.desc())
        .limit(limit)
    )
    return with_parent_lineage(dbsession.scalars(query), folder)


def folder_events(
    dbsession, reader: FeedReader, folder: Node, limit: int = CALENDAR_SIZE
) -> list[Event]:
    """The folder's events, the most recent first (a calendar keeps the latest ones)."""
    query = (
        select(Event)
        .where(*_visible(reader, folder))
        .order_by(Event.start.desc(), Event.id.desc())
        .limit(limit)
    )
    events = with_parent_lineage(dbsession.scalars(query), folder)
    return sorted(events, key=lambda event: (event.start, event.id))


def has_events(dbsession, reader: FeedReader, folder: Node) -> bool:
    query = select(Node.id).where(Node.type == "event", *_visible(reader, folder)).limit(1)
    return dbsession.scalar(query) is not None
