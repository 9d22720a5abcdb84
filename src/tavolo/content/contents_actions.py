"""Folder contents, the actions on a selection that change the items themselves: moving
them to the trash and taking a workflow transition.

Deleting asks first. The confirmation is the answer to the POST of the selection (no GET
ever leads to a write): it lists what each item contains and what links to it, names the
items the user may not delete, and carries the ids on to a second POST. That POST checks
the delete permission on every item again, since the confirmation page may be old.
"""

from __future__ import annotations

from pyramid.httpexceptions import HTTPBadRequest
from pyramid.view import view_config

from tavolo import events
from tavolo.content.concurrency import EditConflict
from tavolo.content.contents import _back, _selected, seen_version
from tavolo.content.models import Node
from tavolo.content.trash import TrashService, links_to, subtree_count
from tavolo.content.tree import load_lineage
from tavolo.security.roles import ADD, DELETE, VIEW
from tavolo.workflow.engine import StaleVersion, TransitionError
from tavolo.workflow.web import BULK_TRANSITIONS, engine_for

CONFIRM_TEMPLATE = "tavolo:templates/content/contents_delete.pt"


def _visible_links(request, node: Node) -> tuple[list[Node], int]:
    """The items linking to ``node`` that the user may see, and how many others do: the
    confirmation must not reveal the titles of items hidden from the user."""
    visible, hidden = [], 0
    for source in links_to(request.dbsession, node):
        try:
            source._lineage = load_lineage(source)
        except LookupError:  # below a trashed folder: not a live link
            continue
        if any(ancestor.trashed_at is not None for ancestor in source.lineage):
            continue
        if request.has_permission(VIEW, source):
            visible.append(source)
        else:
            hidden += 1
    return visible, hidden


@view_config(
    name="contents",
    context=Node,
    request_method="POST",
    request_param="action=delete",
    permission=ADD,
    renderer=CONFIRM_TEMPLATE,
)
def confirm_delete(context, request):
    """Render the confirmation; nothing is written here."""
    nodes = _selected(request, context)
    if not nodes:
        return _back(request, context, "none")
    entries, refused = [], []
    for node in nodes:
        if not request.has_permission(DELETE, node):
            refused.append(node)
            continue
        linked_from, hidden_links = _visible_links(request, node)
        entries.append(
            {
                "node": node,
                "contained": subtree_count(request.dbsession, node),
                "linked_from": linked_from,
                "hidden_links": hidden_links,
            }
        )
    return {"entries": entries, "refused": refused}


@view_config(
    name="contents",
    context=Node,
    request_method="POST",
    request_param="action=trash",
    permission=ADD,
)
def trash_selected(context, request):
    nodes = _selected(request, context)
    if not nodes:
        return _back(request, context, "none")
    trash = TrashService(request.dbsession)
    done, refused, changed = 0, 0, 0
    for node in nodes:
        if not request.has_permission(DELETE, node):
            refused += 1
            continue
        try:
            trash.trash(node, request.identity, seen_version(request, node))
        except EditConflict:
            changed += 1
            continue
        request.registry.notify(events.ObjectRemoved(node, request))
        done += 1
    return _back(request, context, f"delete:{done}:{refused}" + (f":{changed}" if changed else ""))


@view_config(
    name="contents",
    context=Node,
    request_method="POST",
    request_param="action=transition",
    permission=ADD,
)
def take_transition(context, request):
    """Take the chosen transition on each selected item where its workflow has it from the
    item's state and the user passes its guard; the others are counted as refused. A
    transition needing a comment is never taken in bulk (the form does not offer it)."""
    name = request.POST.get("transition", "")
    if name not in BULK_TRANSITIONS:
        raise HTTPBadRequest()
    nodes = _selected(request, context)
    if not nodes:
        return _back(request, context, "none")
    engine = engine_for(request)
    done, refused, changed = 0, 0, 0
    for node in nodes:
        try:
            engine.take(node, name, expected_version=seen_version(request, node))
        except StaleVersion:
            changed += 1
        except TransitionError:
            refused += 1
        else:
            done += 1
    return _back(
        request, context, f"transition:{done}:{refused}" + (f":{changed}" if changed else "")
    )
