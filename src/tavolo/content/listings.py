"""What visitors' listings show: a folder's news and events, the images of its news, and
the latest documents of a whole subtree - each time only what the viewer may see.

A folder's own children are filtered in SQL (``security.listing``), so they page and count
exactly. The latest documents come from anywhere below a folder, where whether an item is
visible depends on every ancestor's state, grants and dates: there the security policy
itself decides, item by item, over bounded batches whose lineages are loaded in one query
per batch, and the list pages forward from the last item shown ("more") instead of
counting.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from tavolo.content.models import Event, Image, NewsItem, Node
from tavolo.content.registry import TYPES
from tavolo.content.services import ContentService
from tavolo.content.tree import (
    any_node,
    attach_lineages,
    subtree_bounds,
    with_parent_lineage,
)
from tavolo.db import utcnow
from tavolo.security.listing import visible_children_clause
from tavolo.security.policy import calculator_for
from tavolo.security.roles import VIEW

MONTH_EVENT_LIMIT = 500  # events one month's calendar shows at most
LATEST_BATCH = 50  # candidates read per query while looking for visible documents
LATEST_SCAN_LIMIT = 500  # candidates examined per page at most: the page's cost is bounded
# Not documents: containers are where documents are, not news of their own (and the other
# types the registry says are not).
_NOT_DOCUMENTS = tuple(sorted(name for name, info in TYPES.items() if not info.in_latest))


def news_date_column():
    """The date a news item is shown and sorted by: effective, else its creation (as
    ``display.news_date`` and the feeds)."""
    return func.coalesce(Node.effective, Node.created)


def document_date_column():
    """The date of a document in "latest documents": its publication (effective), else
    its last change."""
    return func.coalesce(Node.effective, Node.modified)


def document_date(node: Node) -> dt.datetime:
    return node.effective or node.modified


# --- lineages and visibility of nodes found anywhere -----------------------------------


def may_view(request, node: Node) -> bool:
    """The security policy's answer (every ancestor's state, grants and dates), with the
    trash, which the policy does not know about: a trashed ancestor hides the node."""
    try:
        lineage = node.lineage
    except LookupError:
        return False
    if any(ancestor.trashed_at is not None for ancestor in lineage):
        return False
    return bool(request.has_permission(VIEW, node))


class Visibility:
    """``may_view`` for many nodes, remembering each parent's answer.

    A node is visible only if its parent is (the policy checks every ancestor), so the
    siblings of a hidden folder are refused without asking for their own grants - which
    for a logged-in viewer would cost a query each.
    """

    def __init__(self, request, visible_folders: Iterable[Node] = ()):
        self.request = request
        self._parents = {folder.id: True for folder in visible_folders}

    def __call__(self, node: Node) -> bool:
        try:
            lineage = node.lineage
        except LookupError:
            return False
        if len(lineage) > 1:
            parent = lineage[-2]
            if parent.id not in self._parents:
                self._parents[parent.id] = may_view(self.request, parent)
            if not self._parents[parent.id]:
                return False
        return may_view(self.request, node)


# --- a folder's children: news and events ----------------------------------------------


class FolderListings:
    """The children of one folder that the request's viewer may see (SQL-filtered)."""

    def __init__(self, request, folder: Node):
        self.request = request
        self.dbsession = request.dbsession
        self.folder = folder
        self.service = ContentService(request.dbsession)
        self.permitted = visible_children_clause(request, folder)
        self.visible = and_(Node.parent_id == folder.id, Node.trashed_at.is_(None), self.permitted)

    # news ---------------------------------------------------------------------------
    def count_news(self) -> int:
        return self.service.count_children(self.folder, and_(self.permitted, Node.type == "news"))

    def news(self, offset: int = 0, limit: int | None = None) -> list[NewsItem]:
        """The visible news items, newest first by their date."""
        query = (
            select(NewsItem)
            .where(self.visible)
            .order_by(news_date_column().desc(), NewsItem.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return with_parent_lineage(self.dbsession.scalars(query), self.folder)

    def news_images(self, items: list[NewsItem]) -> dict[int, Image]:
        """News item id -> its image, for the images the viewer may see.

        Images beside the news, in this folder, are filtered in SQL like any child. Those
        elsewhere are loaded in one query, their ancestors in another, and each is checked
        by the policy (an image in the reserved area stays hidden from a visitor, even with
        a public news item)."""
        wanted = {item.image_id for item in items if item.image_id is not None}
        if not wanted:
            return {}
        found = Image.id.in_(wanted)
        beside = self.dbsession.scalars(select(Image).where(found, self.visible))
        shown = {image.id: image for image in with_parent_lineage(beside, self.folder)}
        elsewhere = list(
            self.dbsession.scalars(
                select(Image).where(
                    found, Image.parent_id != self.folder.id, Image.trashed_at.is_(None)
                )
            )
        )
        if elsewhere:
            attach_lineages(self.dbsession, elsewhere, known=self.folder.lineage)
            visible = Visibility(self.request, [self.folder])
            shown.update((image.id, image) for image in elsewhere if visible(image))
        return {item.id: shown[item.image_id] for item in items if item.image_id in shown}

    # events -------------------------------------------------------------------------
    def _when(self, past: bool, now: dt.datetime):
        # An event is upcoming until it ends: one under way is still on the agenda.
        return Event.end < now if past else Event.end >= now

    def count_events(self, past: bool = False, now: dt.datetime | None = None) -> int:
        events = select(Event.id).where(self._when(past, now or utcnow()))
        return self.service.count_children(self.folder, and_(self.permitted, Node.id.in_(events)))

    def events(
        self,
        past: bool = False,
        offset: int = 0,
        limit: int | None = None,
        now: dt.datetime | None = None,
    ) -> list[Event]:
        """Upcoming events by start (the next first), or past ones the latest first."""
        order = (
            (Event.start.desc(), Event.id.desc()) if past else (Event.start.asc(), Event.id.asc())
        )
        query = (
            select(Event)
            .where(self.visible, self._when(past, now or utcnow()))
            .order_by(*order)
            .offset(offset)
            .limit(limit)
        )
        return with_parent_lineage(self.dbsession.scalars(query), self.folder)

    def events_between(
        self, start: dt.datetime, end: dt.datetime, limit: int = MONTH_EVENT_LIMIT
    ) -> list[Event]:
        """The visible events that overlap ``[start, end)``, by start."""
        query = (
            select(Event)
            .where(self.visible, Event.start < end, Event.end >= start)
            .order_by(Event.start, Event.id)
            .limit(limit)
        )
        return with_parent_lineage(self.dbsession.scalars(query), self.folder)


# --- the latest documents of a subtree -------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """Where a page of latest documents continues: after this date and id."""

    date: dt.datetime
    id: int

    @classmethod
    def after(cls, node: Node) -> Cursor:
        return cls(document_date(node), node.id)

    @classmethod
    def from_params(cls, params) -> Cursor | None:
        """From the ``prima`` (ISO date and time, with its offset) and ``id`` parameters;
        ``None`` (the first page) when they are missing or malformed."""
        try:
            date = dt.datetime.fromisoformat(params.get("prima", ""))
            node_id = int(params.get("id", ""))
        except (TypeError, ValueError):
            return None
        if date.tzinfo is None:
            return None
        return cls(date.astimezone(dt.UTC), node_id)

    def as_params(self) -> dict[str, str]:
        return {"prima": self.date.isoformat(), "id": str(self.id)}


@dataclass(frozen=True)
class LatestPage:
    items: list[Node]
    # Where the next page starts; None when nothing more was found.
    next: Cursor | None


def _latest_candidates(request, folder: Node, after: Cursor | None) -> Iterator[Node]:
    """Documents below ``folder``, latest first, in batches, each batch with its lineages.

    The SQL leaves out what nobody may see in a listing: folders, trashed items and
    anything below a trashed item. For a visitor who is not logged in it also leaves out
    items that are themselves not visible - exact for them, because without local roles
    or ownership whether one node is visible does not depend on its place (see
    ``security.listing``); their ancestors are still checked by ``may_view``.
    """
    dbsession = request.dbsession
    low, high = subtree_bounds(folder.path)
    polymorphic = any_node()
    trashed = aliased(Node)
    date = document_date_column()
    query = select(polymorphic).where(
        Node.path > low,
        Node.path < high,
        Node.type.not_in(_NOT_DOCUMENTS),
        Node.trashed_at.is_(None),
        # A trashed ancestor inside the subtree (the folder and those above it were
        # reached by traversal, which refuses the trash). Few nodes are in the trash: this
        # reads only them, through the index on trashed_at.
        ~exists(
            select(trashed.id).where(
                trashed.trashed_at.is_not(None),
                trashed.path > low,
                trashed.path < high,
                func.substr(Node.path, 1, func.length(trashed.path)) == trashed.path,
            )
        ),
    )
    if request.authenticated_userid is None:
        query = query.where(visible_children_clause(request, folder))
    while True:
        batch_query = query
        if after is not None:
            batch_query = batch_query.where(
                or_(date < after.date, and_(date == after.date, Node.id < after.id))
            )
        batch = list(
            dbsession.scalars(batch_query.order_by(date.desc(), Node.id.desc()).limit(LATEST_BATCH))
        )
        if not batch:
            return
        attach_lineages(dbsession, batch, known=folder.lineage)
        # The policy then answers for each of them without a query of its own.
        calculator_for(request).preload(batch)
        yield from batch
        if len(batch) < LATEST_BATCH:
            return
        after = Cursor.after(batch[-1])


def latest_documents(
    request,
    folder: Node,
    limit: int,
    after: Cursor | None = None,
    scan_limit: int | None = None,
) -> LatestPage:
    """Up to ``limit`` of the most recently published or changed documents anywhere below
    ``folder`` that the viewer may see, continuing ``after`` a cursor.

    At most ``scan_limit`` candidates are examined: when they run out before the page is
    full, the page ends there and ``next`` continues from the last one examined.
    """
    scan_limit = scan_limit or LATEST_SCAN_LIMIT
    visible = Visibility(request, [folder])
    shown: list[Node] = []
    for examined, node in enumerate(_latest_candidates(request, folder, after), start=1):
        if visible(node):
            if len(shown) == limit:
                # One more visible document exists: the next page starts after this one.
                return LatestPage(shown, Cursor.after(shown[-1]))
            shown.append(node)
        if examined >= scan_limit:
            return LatestPage(shown, Cursor.after(node))
    return LatestPage(shown, None)
