"""The workflow engine: which workflow a node follows, which transitions a caller may take,
and taking one.

A transition checks its guard permission on the node (as the security policy computes it:
roles on the node ∩ roles the state grants), changes the state, moves the node's version on
(an edit form opened before is now stale), writes a history row and fires
``AfterTransition``. Anything refused raises before anything is written.

The caller is described by a ``RoleCalculator`` (``tavolo.security.policy``), so scripts and
tests use the engine as views do; ``actor`` is the ``User`` recorded in the history (None:
the system).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from tavolo import events
from tavolo.db import utcnow
from tavolo.workflow.definitions import WORKFLOWS, Transition, Workflow
from tavolo.workflow.models import WorkflowHistory, WorkflowPolicy

COMMENT_MAX_LENGTH = 2000
ANY_TYPE = "*"
# ``take``'s dates when the caller says nothing about them (None means "no date").
KEEP = object()


class TransitionError(Exception):
    """Base of the engine's refusals; nothing was changed."""


class UnknownTransition(TransitionError):
    """No transition of that name leaves the node's current state in its workflow."""


class TransitionRefused(TransitionError):
    """The caller lacks the transition's guard permission on the node."""


class CommentRequired(TransitionError):
    """The transition needs a comment (a rejection says why)."""


class InvalidDates(TransitionError):
    """The expiry date is not after the publication date."""


class StaleVersion(TransitionError):
    """The node changed since the caller looked at it (``expected_version`` is old).

    The engine's own error, never an exception pyramid_retry would retry: a retried
    transition would act on a state its actor never saw."""


def _type_default(type_name: str) -> str:
    # Imported here: the content registry imports the workflow definitions.
    from tavolo.content.registry import type_info

    return type_info(type_name).workflow


def policy_bindings(dbsession, lineage) -> dict[int, dict[str, str]]:
    """The placeful bindings on the nodes of ``lineage``: node id -> {type: workflow}."""
    ids = [node.id for node in lineage if node.id is not None]
    found: dict[int, dict[str, str]] = {}
    if not ids:
        return found
    rows = dbsession.execute(
        select(WorkflowPolicy.node_id, WorkflowPolicy.type_name, WorkflowPolicy.workflow).where(
            WorkflowPolicy.node_id.in_(ids)
        )
    )
    for node_id, type_name, workflow in rows:
        found.setdefault(node_id, {})[type_name] = workflow
    return found


def workflow_name_for(dbsession, type_name: str, lineage) -> str:
    """The workflow an item of ``type_name`` follows at the end of ``lineage`` (the node's
    ancestors and itself, or the ancestors of where it is about to be created): the nearest
    binding up the tree for its type, then for any type, else the type's default."""
    bindings = policy_bindings(dbsession, lineage)
    for node in reversed(list(lineage)):
        bound = bindings.get(node.id, {})
        name = bound.get(type_name) or bound.get(ANY_TYPE)
        if name in WORKFLOWS:
            return name
    return _type_default(type_name)


def initial_state_for(dbsession, type_name: str, parent) -> str:
    """Where a new (or copied, or moved-in) item of ``type_name`` under ``parent`` starts."""
    lineage = parent.lineage if parent is not None else []
    return WORKFLOWS[workflow_name_for(dbsession, type_name, lineage)].initial


@dataclass(frozen=True)
class Taken:
    """The outcome of a transition."""

    transition: Transition
    old_state: str
    new_state: str
    history: WorkflowHistory


class WorkflowEngine:
    def __init__(self, dbsession, calculator, actor=None, *, notify=None, request=None):
        self.dbsession = dbsession
        self.calculator = calculator
        self.actor = actor
        self.notify = notify
        self.request = request

    # reading ------------------------------------------------------------------------
    def workflow_for(self, node) -> Workflow:
        return WORKFLOWS[workflow_name_for(self.dbsession, node.type, node.lineage)]

    def available(self, node) -> list[Transition]:
        """The transitions the caller may take from the node's state now."""
        return [
            transition
            for transition in self.workflow_for(node).leaving(node.state)
            if self.calculator.permits(node, transition.guard)
        ]

    def history(self, node) -> list[WorkflowHistory]:
        return list(
            self.dbsession.scalars(
                select(WorkflowHistory)
                .where(WorkflowHistory.node_id == node.id)
                .order_by(WorkflowHistory.at.desc(), WorkflowHistory.id.desc())
            )
        )

    # changing -----------------------------------------------------------------------
    def take(
        self,
        node,
        name: str,
        comment: str = "",
        *,
        effective: dt.datetime | None = KEEP,
        expires: dt.datetime | None = KEEP,
        expected_version: int | None = None,
    ) -> Taken:
        """Take transition ``name`` on ``node``. Dates are set only by transitions that
        schedule (publishing): a datetime sets it, None removes it, ``KEEP`` (not given)
        leaves the node's date as it is."""
        # Imported here: the content package imports this module.
        from tavolo.content.concurrency import EditConflict, claim_version

        # First, so that the state checked below is the committed one, locked until the
        # end of the transaction (two concurrent submits must not both pass the check).
        try:
            claim_version(node, expected_version, self.dbsession)
        except EditConflict:
            raise StaleVersion(name) from None
        workflow = self.workflow_for(node)
        transition = workflow.transition(name)
        if transition is None or node.state not in transition.sources:
            raise UnknownTransition(name)
        if not self.calculator.permits(node, transition.guard):
            raise TransitionRefused(name)
        comment = (comment or "").strip()[:COMMENT_MAX_LENGTH]
        if transition.comment_required and not comment:
            raise CommentRequired(name)
        if transition.schedules:
            new_effective = node.effective if effective is KEEP else effective
            new_expires = node.expires if expires is KEEP else expires
            if new_effective and new_expires and new_expires <= new_effective:
                raise InvalidDates(name)
            node.effective, node.expires = new_effective, new_expires

        old_state = node.state
        now = utcnow()
        node.state = transition.target
        node.version = (node.version or 0) + 1
        node.modified = now
        entry = WorkflowHistory(
            node_id=node.id,
            at=now,
            actor_id=self.actor.id if self.actor is not None else None,
            actor_login=self.actor.login if self.actor is not None else "",
            workflow=workflow.name,
            transition=transition.name,
            from_state=old_state,
            to_state=transition.target,
            comment=comment,
        )
        self.dbsession.add(entry)
        self.dbsession.flush()
        if self.notify is not None:
            self.notify(
                events.AfterTransition(
                    node,
                    self.request,
                    old_state=old_state,
                    new_state=transition.target,
                    transition=transition.name,
                    comment=comment,
                    actor=self.actor,
                    workflow=workflow.name,
                )
            )
        return Taken(transition, old_state, transition.target, entry)


def subtree_workflows(dbsession, subtree, ancestors) -> dict[int, str]:
    """The workflow of every node of ``subtree`` (the top node first, then its
    descendants, parents before children) as if the top node sat below ``ancestors``: one
    query for the bindings, the walk up the tree done in memory."""
    nodes = list(subtree)
    bindings = policy_bindings(dbsession, [*ancestors, *nodes])
    parent_of = {node.id: node.parent_id for node in nodes[1:]}
    chain_above_top = [a.id for a in reversed(list(ancestors))]
    found = {}
    for node in nodes:
        chain = []
        current = node.id
        while current is not None and current != nodes[0].id:
            chain.append(current)
            current = parent_of.get(current)
        chain.append(nodes[0].id)
        chain += chain_above_top
        name = None
        for node_id in chain:
            bound = bindings.get(node_id, {})
            name = bound.get(node.type) or bound.get(ANY_TYPE)
            if name in WORKFLOWS:
                break
            name = None
        found[node.id] = name or _type_default(node.type)
    return found


def restart_where_workflow_changed(dbsession, subtree, before: dict[int, str], actor=None):
    """After a move: every node of ``subtree`` whose workflow is not the one it had
    (``before``) starts again in its new workflow's initial state, with a history row
    saying so. Nothing becomes visible by being moved (DESIGN.md, Conventions). Returns
    the nodes that changed state."""
    subtree = list(subtree)
    top = subtree[0]
    after = subtree_workflows(dbsession, subtree, top.lineage[:-1])
    now = utcnow()
    changed = []
    for node in subtree:
        workflow = WORKFLOWS[after[node.id]]
        if after[node.id] == before.get(node.id) or node.state == workflow.initial:
            continue
        dbsession.add(
            WorkflowHistory(
                node_id=node.id,
                at=now,
                actor_id=actor.id if actor is not None else None,
                actor_login=actor.login if actor is not None else "",
                workflow=workflow.name,
                transition="moved",
                from_state=node.state,
                to_state=workflow.initial,
                comment="",
            )
        )
        node.state = workflow.initial
        node.version = (node.version or 0) + 1
        node.modified = now
        changed.append(node)
    dbsession.flush()
    return changed
