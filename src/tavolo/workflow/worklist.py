"""The worklist "Da revisionare" (``@@da-revisionare`` on the site root): every item waiting
for review anywhere in the site that the caller may review.

Why in Python and not in SQL: whether one may review an item depends on the grants on
every ancestor, inheritance blocks and each ancestor's state and dates - the security
policy's own rules. A SQL filter over lineages would be a second copy of that policy, bound
to drift from it. Items waiting for review are few at any time (the review loop drains
them), so the pending items are read in one query, their lineages and grants in one query
each (``attach_lineages``, ``RoleCalculator.preload``), the policy decides item by item,
and sorting and paging happen on that short list.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound
from pyramid.view import view_config
from sqlalchemy import select

from tavolo.accounts.models import User
from tavolo.content.models import Node
from tavolo.content.registry import TYPES
from tavolo.content.tree import ROOT_PATH, attach_lineages
from tavolo.i18n import _
from tavolo.security.policy import calculator_for
from tavolo.security.roles import REVIEW, VIEW
from tavolo.web.pagination import Page
from tavolo.workflow.definitions import SUBMIT_FOR_REVIEW
from tavolo.workflow.models import WorkflowHistory

PENDING = "pending"
# The states that wait for a reviewer: documents in review, and Vademecum sections sent
# for approval (both get there by a transition named "submit").
AWAITING_REVIEW = (PENDING, "submitted")
PAGE_SIZE = 25
SORTS = (
    ("data", _("Inviato il")),
    ("titolo", _("Titolo")),
    ("percorso", _("Posizione")),
)
DEFAULT_SORT = "data"
_IN_CHUNK = 500  # ids per IN (...) list


@dataclass(frozen=True)
class WorklistEntry:
    node: Node
    folder: Node | None
    submitted_at: dt.datetime | None
    submitted_by: str | None


def _sort_key(sort: str):
    if sort == "titolo":
        return lambda e: (e.node.title.casefold(), e.node.path)
    if sort == "percorso":
        return lambda e: e.node.path
    # Oldest submission first, as a queue is worked; items without a recorded submission
    # (created as pending by a script) come last.
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return lambda e: (e.submitted_at or far, e.node.path)


class Worklist:
    def __init__(self, dbsession, calculator):
        self.dbsession = dbsession
        self.calculator = calculator

    def reviewable(self) -> list[Node]:
        """The items awaiting review, outside the trash, that the caller may review (and
        see)."""
        nodes = list(
            self.dbsession.scalars(
                select(Node).where(Node.state.in_(AWAITING_REVIEW), Node.trashed_at.is_(None))
            )
        )
        attach_lineages(self.dbsession, nodes)
        live = [
            node
            for node in nodes
            if node._lineage is not None and all(a.trashed_at is None for a in node._lineage)
        ]
        self.calculator.preload(live)
        return [
            node
            for node in live
            if self.calculator.permits(node, REVIEW) and self.calculator.permits(node, VIEW)
        ]

    def submissions(self, node_ids: list[int]) -> dict[int, tuple[dt.datetime, str]]:
        """The latest submission of each item: when, and by whom (a name or a login)."""
        found: dict[int, tuple[dt.datetime, str]] = {}
        for start in range(0, len(node_ids), _IN_CHUNK):
            rows = self.dbsession.execute(
                select(WorkflowHistory, User.fullname)
                .outerjoin(User, User.id == WorkflowHistory.actor_id)
                .where(
                    WorkflowHistory.node_id.in_(node_ids[start : start + _IN_CHUNK]),
                    WorkflowHistory.transition == SUBMIT_FOR_REVIEW.name,
                )
                .order_by(WorkflowHistory.at, WorkflowHistory.id)
            )
            for row, fullname in rows:  # oldest first: the latest one stays
                found[row.node_id] = (row.at, fullname or row.actor_login)
        return found

    def entries(self, sort: str = DEFAULT_SORT) -> list[WorklistEntry]:
        nodes = self.reviewable()
        submitted = self.submissions([node.id for node in nodes])
        entries = [
            WorklistEntry(
                node=node,
                folder=node.lineage[-2] if len(node.lineage) > 1 else None,
                submitted_at=submitted.get(node.id, (None, None))[0],
                submitted_by=submitted.get(node.id, (None, None))[1],
            )
            for node in nodes
        ]
        return sorted(entries, key=_sort_key(sort))


@view_config(
    context=Node,
    name="da-revisionare",
    permission=VIEW,
    renderer="tavolo:templates/workflow/worklist.pt",
)
def worklist_view(context, request):
    if context.path != ROOT_PATH:
        raise HTTPNotFound()  # one worklist for the whole site
    if request.identity is None:
        raise HTTPForbidden()
    sort = request.GET.get("ordina", DEFAULT_SORT)
    sort = sort if sort in dict(SORTS) else DEFAULT_SORT
    entries = Worklist(request.dbsession, calculator_for(request)).entries(sort)
    listing = Page.from_request(request, total=len(entries), size=PAGE_SIZE)
    return {
        "entries": entries[listing.offset : listing.offset + listing.size],
        "listing": listing,
        "sort": sort,
        "sorts": SORTS,
        "types": TYPES,
    }
