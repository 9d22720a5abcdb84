"""One timeline per item: its saved versions and its state changes, newest first.

Both live in their own table (``revisions``, ``workflow_history``); the two selects are
merged with a UNION ALL and ordered and paged in SQL, because an item edited and
published for years has more rows than one page, and merging pages of each table in
Python would show some entries twice and skip others.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Integer, String, cast, func, literal, null, select, union_all

from tavolo.accounts.models import User
from tavolo.content.models import Node
from tavolo.versioning.models import Revision
from tavolo.workflow.history_views import SYSTEM, transition_title
from tavolo.workflow.models import WorkflowHistory
from tavolo.workflow.states import state_title

REVISION = "revision"
TRANSITION = "transition"


@dataclass(frozen=True)
class TimelineEntry:
    kind: str  # REVISION or TRANSITION
    at: dt.datetime
    actor: object  # a name, or SYSTEM
    number: int | None = None  # of a revision
    note: str = ""  # a revision's change note, or a transition's comment
    transition_title: object = None
    from_title: object = None
    to_title: object = None


def _merged(node: Node):
    """Both tables as one: the columns each kind needs, NULL where the other has none.
    Casts give the NULLs a type, which PostgreSQL needs to unify the branches."""
    revisions = select(
        literal(REVISION, String).label("kind"),
        Revision.id.label("id"),
        Revision.created.label("at"),
        Revision.author_id.label("actor_id"),
        Revision.author_login.label("actor_login"),
        Revision.number.label("number"),
        Revision.note.label("note"),
        cast(null(), String).label("workflow"),
        cast(null(), String).label("transition"),
        cast(null(), String).label("from_state"),
        cast(null(), String).label("to_state"),
    ).where(Revision.node_id == node.id)
    transitions = select(
        literal(TRANSITION, String).label("kind"),
        WorkflowHistory.id,
        WorkflowHistory.at,
        WorkflowHistory.actor_id,
        WorkflowHistory.actor_login,
        cast(null(), Integer).label("number"),
        WorkflowHistory.comment.label("note"),
        WorkflowHistory.workflow,
        WorkflowHistory.transition,
        WorkflowHistory.from_state,
        WorkflowHistory.to_state,
    ).where(WorkflowHistory.node_id == node.id)
    return union_all(revisions, transitions).subquery("timeline")


class Timeline:
    def __init__(self, dbsession):
        self.dbsession = dbsession

    def count(self, node: Node) -> int:
        return self.dbsession.scalar(select(func.count()).select_from(_merged(node)))

    def entries(self, node: Node, offset: int, limit: int) -> list[TimelineEntry]:
        merged = _merged(node)
        rows = self.dbsession.execute(
            select(merged, User.fullname)
            .outerjoin(User, User.id == merged.c.actor_id)
            # Ids of the two tables may coincide: the kind breaks that tie, so that an
            # entry never moves between pages from one request to the next.
            .order_by(merged.c.at.desc(), merged.c.id.desc(), merged.c.kind.desc())
            .offset(offset)
            .limit(limit)
        )
        return [_entry(row) for row in rows]


def _entry(row) -> TimelineEntry:
    # The stored login outlives a deleted account; no login at all: the system (a script,
    # the scheduled publication).
    actor = row.fullname or row.actor_login or SYSTEM
    if row.kind == REVISION:
        return TimelineEntry(REVISION, row.at, actor, number=row.number, note=row.note or "")
    return TimelineEntry(
        TRANSITION,
        row.at,
        actor,
        note=row.note or "",
        transition_title=transition_title(row.workflow, row.transition),
        from_title=state_title(row.from_state),
        to_title=state_title(row.to_state),
    )
