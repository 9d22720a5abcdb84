"""What a page shows of an item's discussion, for the person looking, a page of threads at
a time.

Only logged-in users who may take part in the item's discussion (the ``comment``
permission, which follows view but is never Anonymous's) see it: the public site shows
no comments. What each of them sees of a comment:

* visible: the comment, its quoted passage marked as no longer in the text when an edit
  removed it (never dropped);
* hidden by a moderator: its author and the moderators see it marked as hidden, with the
  reason; everyone else sees a placeholder where it was;
* deleted by its author: a placeholder if replies hang from it, otherwise nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urlencode

from pyramid.renderers import get_renderer
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from tavolo.accounts.models import User
from tavolo.comments import anchors
from tavolo.comments.models import DELETED, HIDDEN, Comment
from tavolo.comments.policy import CommentPolicies
from tavolo.content.models import Node
from tavolo.i18n import _
from tavolo.security.roles import COMMENT, MODERATE_COMMENTS, VIEW
from tavolo.web.pagination import Page

MACROS_TEMPLATE = "tavolo:templates/comments/macros.pt"
THREADS_PER_PAGE = 20
PAGE_PARAM = "commenti"
REMOVED_USER = _("Utente rimosso")


class ThreadPage(Page):
    """Pages of threads on an item's page, whose own ``page`` parameter may be taken."""

    def url(self, request, number: int) -> str:
        query = {k: v for k, v in request.GET.items() if k != PAGE_PARAM}
        query[PAGE_PARAM] = str(number)
        return f"{request.path_url}?{urlencode(query)}#commenti"


def _page_number(request) -> int:
    try:
        return int(request.GET.get(PAGE_PARAM, "1"))
    except ValueError:
        return 1


@dataclass
class Shown:
    """One comment as this viewer sees it."""

    comment: Comment
    author: str
    # "comment" (the text), "hidden" (a moderator hid it; the viewer may still read it),
    # "hidden-placeholder", "deleted-placeholder".
    kind: str
    detached: bool = False
    editable: bool = False
    deletable: bool = False
    replies: list[Shown] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"commento-{self.comment.id}"

    @property
    def readable(self) -> bool:
        return self.kind in ("comment", "hidden")

    @property
    def paragraphs(self) -> list[list[str]]:
        """The text as paragraphs of lines: rendered escaped, line breaks kept."""
        blocks = [b for b in self.comment.text.split("\n\n") if b.strip()]
        return [block.strip("\n").split("\n") for block in blocks]


def _shown_threads_clause(node_id: int):
    """Top-level comments that show: all but the deleted ones without a living reply."""
    reply = aliased(Comment)
    return and_(
        Comment.node_id == node_id,
        Comment.parent_id.is_(None),
        or_(
            Comment.status != DELETED,
            exists().where(reply.parent_id == Comment.id, reply.status != DELETED),
        ),
    )


def thread_count(dbsession, node) -> int:
    return dbsession.scalar(select(func.count(Comment.id)).where(_shown_threads_clause(node.id)))


def page_of(dbsession, node, comment: Comment) -> int:
    """The page of threads that shows ``comment``."""
    thread_id = comment.parent_id or comment.id
    before = dbsession.scalar(
        select(func.count(Comment.id)).where(_shown_threads_clause(node.id), Comment.id < thread_id)
    )
    return before // THREADS_PER_PAGE + 1


class CommentsSection:
    """An item's discussion on its page (or on ``@@commenti``) for one viewer."""

    def __init__(self, request, node: Node, size: int = THREADS_PER_PAGE):
        self.request = request
        self.node = node
        self.dbsession = request.dbsession
        self.user = request.identity
        self.listing = ThreadPage(number=1, size=size, total=0)
        total = thread_count(self.dbsession, node)
        number = min(max(_page_number(request), 1), max(1, -(-total // size)))
        self.listing = ThreadPage(number=number, size=size, total=total)

    @cached_property
    def macros(self):
        return get_renderer(MACROS_TEMPLATE).implementation()

    @cached_property
    def open(self) -> bool:
        return self.node.trashed_at is None and CommentPolicies(self.dbsession).enabled(self.node)

    @cached_property
    def may_post(self) -> bool:
        return self.open

    @cached_property
    def may_moderate(self) -> bool:
        return bool(self.request.has_permission(MODERATE_COMMENTS, self.node))

    @property
    def total(self) -> int:
        return self.listing.total

    def url(self, view: str, **query) -> str:
        return self.request.resource_url(self.node, f"@@{view}", query=query or None)

    # the threads ----------------------------------------------------------------------
    @cached_property
    def threads(self) -> list[Shown]:
        tops = list(
            self.dbsession.scalars(
                select(Comment)
                .where(_shown_threads_clause(self.node.id))
                .order_by(Comment.id)
                .offset(self.listing.offset)
                .limit(self.listing.size)
            )
        )
        if not tops:
            return []
        replies = list(
            self.dbsession.scalars(
                select(Comment)
                .where(Comment.parent_id.in_([c.id for c in tops]))
                .order_by(Comment.id)
            )
        )
        names = self._names([*tops, *replies])
        text = anchors.item_text(self.node)
        by_thread: dict[int, list[Comment]] = {}
        for reply in replies:
            by_thread.setdefault(reply.parent_id, []).append(reply)
        shown = []
        for top in tops:
            thread = by_thread.get(top.id, [])
            living = [r for r in thread if r.status != DELETED]
            item = self._shown(top, names, text, answered_by_others(top, living), bool(living))
            for reply in living:
                later = [r for r in living if r.id > reply.id]
                item.replies.append(
                    self._shown(reply, names, text, answered_by_others(reply, later), False)
                )
            shown.append(item)
        return shown

    def one(self, comment) -> Shown:
        """``comment`` alone as this viewer may see it (the reply and moderation pages),
        outside its thread."""
        return self._shown(
            comment, self._names([comment]), anchors.item_text(self.node), False, False
        )

    def _names(self, comments) -> dict[int, str]:
        ids = {c.author_id for c in comments if c.author_id is not None}
        if not ids:
            return {}
        return dict(
            self.dbsession.execute(select(User.id, User.fullname).where(User.id.in_(ids))).all()
        )

    def _shown(self, comment, names, text, answered: bool, has_replies: bool) -> Shown:
        author = names.get(comment.author_id) or REMOVED_USER
        own = self.user is not None and comment.author_id == self.user.id
        if comment.status == DELETED:
            return Shown(comment, author, "deleted-placeholder")
        if comment.status == HIDDEN:
            if not (own or self.may_moderate):
                return Shown(comment, author, "hidden-placeholder")
            kind = "hidden"
        else:
            kind = "comment"
        return Shown(
            comment,
            author,
            kind,
            detached=bool(comment.quote) and not anchors.occurs(comment.quote, text),
            editable=own and kind == "comment" and not answered and self.open,
            deletable=own,
        )


def answered_by_others(comment: Comment, later_replies: list[Comment]) -> bool:
    """The rule of ``CommentService.answered``, on replies already loaded."""
    return any(
        r.id > comment.id and (r.author_id is None or r.author_id != comment.author_id)
        for r in later_replies
    )


def may_take_part(request, node) -> bool:
    """Logged in, may see the item and take part in its discussion."""
    return (
        request.identity is not None
        and bool(request.has_permission(VIEW, node))
        and bool(request.has_permission(COMMENT, node))
    )


def comments_section(request, context) -> CommentsSection | None:
    """The discussion an item's page shows, or None: for visitors, for those who may not
    take part, on folders, and where comments are off and none were ever written."""
    if not isinstance(context, Node) or context.type == "folder":
        return None
    if not may_take_part(request, context):
        return None
    section = CommentsSection(request, context)
    if not section.open and section.total == 0:
        return None
    return section
