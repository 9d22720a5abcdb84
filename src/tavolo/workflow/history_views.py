"""The history tab of an item, ``@@cronologia``: its state changes, newest first, a page at
a time (the rows are counted and paged in SQL: an item published and retracted for years
keeps every row).

Who made each change is shown, as the author in the content views, to logged-in users
only; the tab itself is for them (visitors are asked to log in): state changes are the
editorial life of an item, not something the public site tells.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pyramid.httpexceptions import HTTPForbidden
from pyramid.view import view_config
from sqlalchemy import func, select

from tavolo.accounts.models import User
from tavolo.content.models import Node
from tavolo.i18n import _
from tavolo.security.roles import VIEW
from tavolo.web.pagination import Page
from tavolo.workflow.definitions import WORKFLOWS
from tavolo.workflow.models import BECAME_VISIBLE, EXPIRED, WorkflowHistory
from tavolo.workflow.states import state_title

PAGE_SIZE = 25
SYSTEM = _("Sistema")
# Rows that no transition of a workflow wrote: the system's own moves.
SYSTEM_TRANSITIONS = {
    "moved": _("Spostamento in un'area con un altro flusso di lavoro"),
    BECAME_VISIBLE: _("Data di pubblicazione raggiunta"),
    EXPIRED: _("Data di scadenza raggiunta"),
}


@dataclass(frozen=True)
class HistoryEntry:
    at: dt.datetime
    actor: object  # a name, or SYSTEM
    from_title: object
    to_title: object
    transition_title: object
    comment: str


def transition_title(workflow: str, transition: str):
    """The title of a recorded transition; its name when no definition knows it any more
    (a workflow renamed since): history is never hidden for want of a title."""
    found = WORKFLOWS.get(workflow)
    defined = found.transition(transition) if found is not None else None
    if defined is not None:
        return defined.title
    return SYSTEM_TRANSITIONS.get(transition, transition)


class StateHistory:
    def __init__(self, dbsession):
        self.dbsession = dbsession

    def count(self, node: Node) -> int:
        return self.dbsession.scalar(
            select(func.count())
            .select_from(WorkflowHistory)
            .where(WorkflowHistory.node_id == node.id)
        )

    def entries(self, node: Node, offset: int, limit: int) -> list[HistoryEntry]:
        rows = self.dbsession.execute(
            select(WorkflowHistory, User.fullname)
            .outerjoin(User, User.id == WorkflowHistory.actor_id)
            .where(WorkflowHistory.node_id == node.id)
            .order_by(WorkflowHistory.at.desc(), WorkflowHistory.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return [
            HistoryEntry(
                at=row.at,
                # The stored login outlives a deleted account; no login at all: the system.
                actor=fullname or row.actor_login or SYSTEM,
                from_title=state_title(row.from_state),
                to_title=state_title(row.to_state),
                transition_title=transition_title(row.workflow, row.transition),
                comment=row.comment or "",
            )
            for row, fullname in rows
        ]


@view_config(
    context=Node,
    name="cronologia",
    permission=VIEW,
    renderer="tavolo:templates/workflow/history.pt",
)
def history_view(context, request):
    if request.identity is None:
        raise HTTPForbidden()
    history = StateHistory(request.dbsession)
    listing = Page.from_request(request, total=history.count(context), size=PAGE_SIZE)
    return {"entries": history.entries(context, listing.offset, listing.size), "listing": listing}
