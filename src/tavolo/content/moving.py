"""Renaming, moving and copying content, and the redirects that keep old URLs working.

A move rewrites the materialised path of the whole subtree in one UPDATE and records the
old path, so that bookmarks and links to the node (or to anything below it) are redirected
to where it is now. A copy is a new subtree with new ids that starts in each type's initial
state: nothing becomes public by being copied.
"""

from __future__ import annotations

from sqlalchemy import delete, func, inspect, literal, select, update

from tavolo.content.concurrency import claim_version
from tavolo.content.models import Node, NodeRedirect
from tavolo.content.registry import type_info
from tavolo.content.services import ALWAYS_RESERVED, ContentService, InvalidName
from tavolo.content.tree import ROOT_PATH, any_node, child_path, subtree_bounds
from tavolo.db import utcnow
from tavolo.workflow.engine import (
    initial_state_for,
    restart_where_workflow_changed,
    subtree_workflows,
)

# Columns a copy never takes from its original.
_NOT_COPIED = frozenset(
    {
        "id",
        "parent_id",
        "name",
        "path",
        "state",
        "owner_id",
        "created",
        "modified",
        "version",
        "trashed_at",
        "trashed_by_id",
        "type",
    }
)


class TreeChangeError(ValueError):
    """A rename, move or copy that cannot be done; the message says why."""


class TreeChanges:
    """``actor`` (a User) is recorded in the workflow history when a move restarts an
    item's workflow."""

    def __init__(self, dbsession, reserved_names: frozenset[str] = ALWAYS_RESERVED, actor=None):
        self.dbsession = dbsession
        self.content = ContentService(dbsession, reserved_names)
        self.actor = actor

    # rename and move --------------------------------------------------------------------
    def rename(self, node: Node, new_name: str, expected_version: int | None = None) -> Node:
        """Give ``node`` a new name in its folder; ``EditConflict`` when it is no longer at
        ``expected_version`` (the version the form showed)."""
        claim_version(node, expected_version, self.dbsession)
        parent = node.__parent__
        if parent is None:
            raise TreeChangeError("the site root has no name to change")
        if new_name == node.name:
            return node
        return self._relocate(node, parent, new_name)

    def move(
        self,
        node: Node,
        new_parent: Node,
        new_name: str | None = None,
        expected_version: int | None = None,
    ) -> Node:
        claim_version(node, expected_version, self.dbsession)
        if node.__parent__ is None:
            raise TreeChangeError("the site root cannot be moved")
        if new_parent.path.startswith(node.path):
            raise TreeChangeError("a folder cannot be moved into itself")
        if node.parent_id == new_parent.id and (new_name or node.name) == node.name:
            return node
        info = type_info(node.type)
        if new_parent.type not in info.addable_to:
            raise TreeChangeError(f"a {node.type} cannot be placed in a {new_parent.type}")
        return self._relocate(node, new_parent, new_name or node.name)

    def _relocate(self, node: Node, new_parent: Node, new_name: str) -> Node:
        try:
            self.content.check_name(new_parent, new_name)
        except InvalidName as exc:
            raise TreeChangeError(str(exc)) from None
        old_path = node.path
        new_path = child_path(new_parent.path, new_name)
        low, high = subtree_bounds(old_path)
        self.dbsession.flush()
        changes_place = node.parent_id != new_parent.id
        if changes_place:
            descendants = self.dbsession.scalars(
                select(Node)
                .where(Node.path > low, Node.path < high)
                .order_by(func.length(Node.path), Node.position)
            )
            subtree = [node, *descendants]
            workflows_before = subtree_workflows(self.dbsession, subtree, node.lineage[:-1])
        # The descendants' paths follow; their versions do not move (only the node's does).
        self.dbsession.execute(
            update(Node)
            .where(Node.path > low, Node.path < high)
            .values(path=literal(new_path) + func.substr(Node.path, len(old_path) + 1))
            .execution_options(synchronize_session=False)
        )
        if node.parent_id != new_parent.id:
            node.position = self._next_position(new_parent)
        node.parent_id = new_parent.id
        node.name = new_name
        node.path = new_path
        node.version += 1
        node.modified = utcnow()
        self._remember(old_path, new_path, node)
        self.dbsession.flush()
        # Loaded descendants hold their old paths and lineages: reload them when asked.
        for other in list(self.dbsession.identity_map.values()):
            if other is not node and isinstance(other, Node):
                self.dbsession.expire(other, ["path"])
                other._lineage = None
        node._lineage = [*new_parent.lineage, node]
        if changes_place:
            restart_where_workflow_changed(self.dbsession, subtree, workflows_before, self.actor)
        return node

    def _remember(self, old_path: str, new_path: str, node: Node) -> None:
        # The new place is real again: an older redirect from it must not shadow it.
        self.dbsession.execute(delete(NodeRedirect).where(NodeRedirect.old_path == new_path))
        existing = self.dbsession.get(NodeRedirect, old_path)
        if existing is None:
            self.dbsession.add(NodeRedirect(old_path=old_path, node_id=node.id))
        else:
            existing.node_id = node.id
            existing.created = utcnow()

    def _next_position(self, parent: Node) -> int:
        highest = self.dbsession.scalar(
            select(func.max(Node.position)).where(Node.parent_id == parent.id)
        )
        return 0 if highest is None else highest + 1

    # copy -------------------------------------------------------------------------------
    def copy(
        self, node: Node, target: Node, *, owner_id: int | None, new_name: str | None = None
    ) -> Node:
        if node.path == ROOT_PATH:
            raise TreeChangeError("the site root cannot be copied")
        if target.path.startswith(node.path):
            raise TreeChangeError("a folder cannot be copied into itself")
        if target.type not in type_info(node.type).addable_to:
            raise TreeChangeError(f"a {node.type} cannot be placed in a {target.type}")
        name = new_name or self.free_name(target, node.name)
        try:
            self.content.check_name(target, name)
        except InvalidName as exc:
            raise TreeChangeError(str(exc)) from None

        low, high = subtree_bounds(node.path)
        polymorphic = any_node()
        originals = self.dbsession.scalars(
            select(polymorphic)
            .where(polymorphic.path >= low, polymorphic.path < high)
            .where(polymorphic.trashed_at.is_(None))
            .order_by(func.length(polymorphic.path), polymorphic.position)
        ).all()
        now = utcnow()
        copies: dict[int, Node] = {}
        for original in originals:
            is_top = original.id == node.id
            parent = target if is_top else copies.get(original.parent_id)
            if parent is None:  # below a trashed node: left out, like the trashed node
                continue
            copy_name = name if is_top else original.name
            clone = type(original)(
                **self._copied_columns(original),
                parent_id=parent.id,
                name=copy_name,
                path=child_path(parent.path, copy_name),
                # Nothing becomes visible by being copied: the copy starts where the
                # workflow of its new place starts.
                state=initial_state_for(self.dbsession, original.type, parent),
                owner_id=owner_id,
                created=now,
                modified=now,
                version=1,
            )
            if is_top:
                clone.position = self._next_position(target)
            clone.tags = original.tags
            clone.related_ids = original.related_ids
            self.dbsession.add(clone)
            self.dbsession.flush()
            clone._lineage = [*parent.lineage, clone]
            copies[original.id] = clone
        return copies[node.id]

    def _copied_columns(self, original: Node) -> dict:
        mapper = inspect(type(original))
        return {
            attr.key: getattr(original, attr.key)
            for attr in mapper.column_attrs
            if attr.key not in _NOT_COPIED
        }

    def free_name(self, parent: Node, name: str) -> str:
        """``name`` if free in ``parent``, else ``name-copia``, ``name-copia-2``..."""
        taken = set(self.dbsession.scalars(select(Node.name).where(Node.parent_id == parent.id)))
        if name not in taken:
            return name
        stem, dot, extension = name.rpartition(".") if "." in name else (name, "", "")
        candidate = f"{stem}-copia{dot}{extension}"
        number = 2
        while candidate in taken:
            candidate = f"{stem}-copia-{number}{dot}{extension}"
            number += 1
        return candidate


def find_redirect(dbsession, path: str) -> tuple[Node, str] | None:
    """Where a request for ``path`` (which found nothing) should go: the node that used to
    be at the longest matching old path, and the rest of the path below it."""
    segments = [s for s in path.split("/") if s]
    candidates = ["/" + "/".join(segments[: i + 1]) + "/" for i in range(len(segments))]
    if not candidates:
        return None
    row = dbsession.execute(
        select(NodeRedirect.old_path, NodeRedirect.node_id)
        .where(NodeRedirect.old_path.in_(candidates))
        .order_by(func.length(NodeRedirect.old_path).desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    old_path, node_id = row
    node = dbsession.get(Node, node_id)
    if node is None or node.trashed_at is not None:
        return None
    remainder = "/".join(segments[old_path.count("/") - 1 :])
    return node, remainder


def move_to_position(dbsession, node: Node, position: int) -> None:
    """Put ``node`` at ``position`` among its siblings (0 is first).

    Positions are renumbered 0..n-1 and only the rows whose number changes are written, in
    one executemany: moving an item by k places writes k + 1 rows, whatever the folder's
    size. Reordering does not move the node's version: the folder's order changed, not the
    node.
    """
    rows = dbsession.execute(
        select(Node.id, Node.position)
        .where(Node.parent_id == node.parent_id, Node.trashed_at.is_(None))
        .order_by(Node.position, Node.id)
    ).all()
    current = {node_id: pos for node_id, pos in rows}
    if node.id not in current:
        raise TreeChangeError("the item is not in this folder")
    order = [node_id for node_id, _ in rows if node_id != node.id]
    order.insert(max(0, min(position, len(order))), node.id)
    changes = [
        {"id": node_id, "position": index}
        for index, node_id in enumerate(order)
        if current[node_id] != index
    ]
    dbsession.flush()
    if changes:
        dbsession.execute(update(Node), changes)
