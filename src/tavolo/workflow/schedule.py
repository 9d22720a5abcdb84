"""Scheduled publication: recording that what a reviewer approved with a date became
visible, or stopped being visible, on that date.

Visibility itself needs no run: the security policy and its SQL twin compare the dates
with the clock on every request (``RoleCalculator.in_effect``). What needs a run - the
``tavolo-scheduled`` console script, meant for cron - is the *record*: a history row with
the system as actor, and an ``AfterTransition`` event so that notifications and the search
index act as they do for a reviewer's transition.

The rules:

* Only nodes in a state that shows them beyond the staff (derived from ``STATES``: the
  states whose View reaches Authenticated or Anonymous). A private or pending node with a
  past date is left alone: the run never changes a state, so it never publishes anything a
  reviewer has not approved.
* A date counts only if the node was already in that state when the date came: its last
  transition happened before it (or, without any, it was created before it). A node
  published after its publication date became visible by being published, and that
  transition already told everyone.
* An expiry counts only if the node was ever in effect (no publication date, or one
  before the expiry).
* Idempotent: a row exists per (node, kind, date), checked before writing and enforced by
  the unique index ``uq_workflow_history_scheduled``. Each row is written in its own
  savepoint, so that a concurrent run that wrote it first costs this run that row, not
  the run. A changed date is a new date: moving the publication date on records again.
* Bounded: only dates within a window (the last ``DEFAULT_WINDOW`` by default), so that a
  first run on an old database does not announce years-old publications.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.exc import IntegrityError

from tavolo import events
from tavolo.content.models import Node
from tavolo.content.tree import attach_lineages
from tavolo.db import utcnow
from tavolo.security.roles import ANONYMOUS, AUTHENTICATED, VIEW
from tavolo.workflow.definitions import STATES
from tavolo.workflow.engine import workflow_name_for
from tavolo.workflow.models import BECAME_VISIBLE, EXPIRED, WorkflowHistory

# States that show a node to someone beyond the staff: the ones a reviewer publishes to.
VISIBLE_STATES = frozenset(
    name
    for name, state in STATES.items()
    if state.permissions.get(VIEW, frozenset()) & {AUTHENTICATED, ANONYMOUS}
)

# The rows only the system writes; "became visible" is recorded before "expired".
KINDS = (BECAME_VISIBLE, EXPIRED)

# A week covers a weekend of downtime; --since reaches further back on purpose only.
DEFAULT_WINDOW = dt.timedelta(days=7)
BATCH_SIZE = 200


@dataclass(frozen=True)
class Due:
    """A date that came: ``kind`` (``became_visible`` or ``expired``) of ``node`` at
    ``date``, in ``workflow``."""

    node: Node
    kind: str
    date: dt.datetime
    workflow: str


@dataclass
class Report:
    """What one run found: the rows recorded (or, dry, that would be), and those another
    run recorded first."""

    recorded: list[Due] = field(default_factory=list)
    already: list[Due] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(1 for due in self.recorded if due.kind == kind)


# The node's column each kind is about.
_DATE_ATTRIBUTE = {BECAME_VISIBLE: "effective", EXPIRED: "expires"}


def _date_column(kind: str):
    return getattr(Node, _DATE_ATTRIBUTE[kind])


class ScheduledPublication:
    """Finds the dates that came between ``since`` and ``now`` and records them.

    ``notify`` receives each ``AfterTransition`` (a registry's ``notify``; None: no event).
    Scripts and tests use it alike; it never commits: the caller owns the transaction,
    and may commit between batches (``on_batch``).
    """

    def __init__(
        self,
        dbsession,
        *,
        now: dt.datetime | None = None,
        since: dt.datetime | None = None,
        notify: Callable | None = None,
        batch_size: int = BATCH_SIZE,
    ):
        self.dbsession = dbsession
        self.now = now or utcnow()
        self.since = since if since is not None else self.now - DEFAULT_WINDOW
        if self.since > self.now:
            raise ValueError("since is after now")
        self.notify = notify
        self.batch_size = batch_size

    # finding ------------------------------------------------------------------------
    def _conditions(self, kind: str) -> list:
        date = _date_column(kind)
        recorded = exists(
            select(WorkflowHistory.id).where(
                WorkflowHistory.node_id == Node.id,
                WorkflowHistory.transition == kind,
                WorkflowHistory.scheduled_for == date,
            )
        )
        # The reviewer's (or a move's) last change of state, not the system's own rows.
        last_change = (
            select(func.max(WorkflowHistory.at))
            .where(WorkflowHistory.node_id == Node.id, WorkflowHistory.transition.not_in(KINDS))
            .scalar_subquery()
        )
        conditions = [
            Node.trashed_at.is_(None),
            Node.state.in_(sorted(VISIBLE_STATES)),
            date.is_not(None),
            date <= self.now,
            date >= self.since,
            func.coalesce(last_change, Node.created) < date,
            ~recorded,
        ]
        if kind == EXPIRED:
            conditions.append(or_(Node.effective.is_(None), Node.effective < Node.expires))
        return conditions

    def _batch(self, kind: str, after_id: int) -> list[Node]:
        return list(
            self.dbsession.scalars(
                select(Node)
                .where(and_(*self._conditions(kind)), Node.id > after_id)
                .order_by(Node.id)
                .limit(self.batch_size)
            )
        )

    def batches(self) -> Iterator[list[Due]]:
        """The due dates, a batch at a time (by node id, so that a dry run, which records
        nothing, moves on too). Nodes below a trashed folder are left out."""
        for kind in KINDS:
            after_id = 0
            while nodes := self._batch(kind, after_id):
                after_id = nodes[-1].id
                attach_lineages(self.dbsession, nodes)
                due = [
                    Due(
                        node,
                        kind,
                        getattr(node, _DATE_ATTRIBUTE[kind]),
                        workflow_name_for(self.dbsession, node.type, node.lineage),
                    )
                    for node in nodes
                    if node._lineage is not None
                    and all(n.trashed_at is None for n in node._lineage)
                ]
                if due:
                    yield due

    def due(self) -> list[Due]:
        return [due for batch in self.batches() for due in batch]

    # recording ----------------------------------------------------------------------
    def record(self, due: Due) -> bool:
        """Write the history row and fire the event; False when another run wrote the row
        first (its savepoint is rolled back, the rest of the run goes on)."""
        entry = WorkflowHistory(
            node_id=due.node.id,
            at=self.now,
            actor_id=None,
            actor_login="",
            workflow=due.workflow,
            transition=due.kind,
            from_state=due.node.state,
            to_state=due.node.state,
            comment="",
            scheduled_for=due.date,
        )
        try:
            with self.dbsession.begin_nested():
                self.dbsession.add(entry)
                self.dbsession.flush()
        except IntegrityError:
            return False
        if self.notify is not None:
            self.notify(
                events.AfterTransition(
                    due.node,
                    None,
                    old_state=due.node.state,
                    new_state=due.node.state,
                    transition=due.kind,
                    comment="",
                    actor=None,
                    workflow=due.workflow,
                )
            )
        return True

    def run(
        self,
        *,
        dry_run: bool = False,
        on_item: Callable[[Due, bool], None] | None = None,
        on_batch: Callable[[], None] | None = None,
    ) -> Report:
        """Record every due date (``dry_run``: only find them). ``on_item(due, recorded)``
        is called for each; ``on_batch()`` after each batch (the script commits there)."""
        report = Report()
        for batch in self.batches():
            for due in batch:
                done = True if dry_run else self.record(due)
                (report.recorded if done else report.already).append(due)
                if on_item is not None:
                    on_item(due, done)
            if on_batch is not None and not dry_run:
                on_batch()
        return report
