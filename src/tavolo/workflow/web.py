"""What the web layer needs from the workflow engine: the engine of a request's caller, the
workflow part of the editor bar (the item's state, the transitions the caller may take, the
links to the history and to the worklist), and the transitions folder contents offers for a
selection."""

from __future__ import annotations

from dataclasses import dataclass, field

from tavolo.content.models import Node
from tavolo.security.policy import calculator_for
from tavolo.security.roles import REVIEW
from tavolo.workflow.definitions import WORKFLOWS
from tavolo.workflow.engine import WorkflowEngine, subtree_workflows
from tavolo.workflow.states import state_title

TRANSITION_VIEW = "@@transizione"
HISTORY_VIEW = "@@cronologia"
WORKLIST_VIEW = "@@da-revisionare"


def engine_for(request) -> WorkflowEngine:
    """The engine acting for the request's caller: the same role calculator as the security
    policy (so guards and page permissions agree), the caller recorded as the actor."""
    return WorkflowEngine(
        request.dbsession,
        calculator_for(request),
        request.identity,
        notify=request.registry.notify,
        request=request,
    )


def transition_url(request, node: Node, name: str) -> str:
    return request.resource_url(node, TRANSITION_VIEW, query={"nome": name})


@dataclass(frozen=True)
class WorkflowMenu:
    state_title: object
    transitions: list[dict] = field(default_factory=list)
    history_url: str | None = None
    worklist_url: str | None = None


def workflow_menu(request, node, *, edits_here: bool = False) -> WorkflowMenu | None:
    """The editor bar's workflow part for ``node``, or None when there is nothing to show.

    The state and its transitions are offered to logged-in callers who may take one; the
    history to them and to whoever has other editing tools here (``edits_here``): readers
    have no use for it in the bar, though the page itself is open to them. The worklist is
    linked from the site root for those who review there."""
    if not isinstance(node, Node) or request.identity is None:
        return None
    transitions = [
        {"name": t.name, "title": t.title, "url": transition_url(request, node, t.name)}
        for t in engine_for(request).available(node)
    ]
    history_url = None
    # A reviewer keeps the link on an item they just decided on (no transition left).
    if transitions or edits_here or request.has_permission(REVIEW, node):
        history_url = request.resource_url(node, HISTORY_VIEW)
    worklist_url = None
    if node.parent_id is None and request.has_permission(REVIEW, node):
        worklist_url = request.resource_url(node, WORKLIST_VIEW)
    if not (transitions or history_url or worklist_url):
        return None
    return WorkflowMenu(state_title(node.state), transitions, history_url, worklist_url)


# Folder contents: one transition for a selection ------------------------------------------
# The transitions a selection may take, by name (a name means the same move in every
# workflow that has it). Those needing a comment are left out: a rejection explains itself
# item by item, on the item's own form.
def _bulk_transitions() -> dict[str, object]:
    found: dict[str, object] = {}
    for workflow in WORKFLOWS.values():
        for transition in workflow.transitions:
            if not transition.comment_required:
                found.setdefault(transition.name, transition.title)
    return found


BULK_TRANSITIONS = _bulk_transitions()


def bulk_choices(request, folder: Node, items: list[Node]) -> list[tuple[str, object]]:
    """The transitions to offer for a selection among ``items`` (children of ``folder``
    with their lineages): those the caller may take on at least one of them now. Their
    workflows come from one query for the placeful bindings, their grants from one more."""
    if not items:
        return []
    calculator = calculator_for(request)
    calculator.preload(items)
    workflows = subtree_workflows(request.dbsession, [folder, *items], folder.lineage[:-1])
    offered = set()
    for item in items:
        for transition in WORKFLOWS[workflows[item.id]].leaving(item.state):
            name = transition.name
            if (
                name in BULK_TRANSITIONS
                and name not in offered
                and calculator.permits(item, transition.guard)
            ):
                offered.add(name)
    return [(name, title) for name, title in BULK_TRANSITIONS.items() if name in offered]
