"""Paths, traversal and listings of the content tree.

Traversal resolves a whole URL in one query: every prefix of the path is a candidate
materialised path, and the nodes found are the lineage from the root down. The first
segment that names no child is the view name (``@@name`` always is).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pyramid.interfaces import ITraverser
from pyramid.traversal import split_path_info
from sqlalchemy import func, select
from sqlalchemy.orm import object_session, with_polymorphic
from zope.interface import implementer

from tavolo.content.models import Node

ROOT_PATH = "/"
# Names are what URLs show: lower-case letters, digits and single dashes or dots inside.
_IN_CHUNK = 500  # paths per IN (...) list
NAME_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9._-]{0,198}[a-z0-9])?$")


def child_path(parent_path: str, name: str) -> str:
    return f"{parent_path}{name}/"


def ancestor_paths(path: str) -> list[str]:
    """``/a/b/`` -> ``["/", "/a/", "/a/b/"]``."""
    names = [n for n in path.split("/") if n]
    return [ROOT_PATH] + ["/" + "/".join(names[: i + 1]) + "/" for i in range(len(names))]


def subtree_bounds(path: str) -> tuple[str, str]:
    """Paths of ``path``'s subtree lie in ``[low, high)``: ``0`` follows ``/`` in ASCII."""
    return path, path[:-1] + "0"


def any_node():
    """Load nodes with every type's columns in the same query."""
    return with_polymorphic(Node, "*")


def _load_by_paths(dbsession, paths: list[str], include_trashed: bool = False) -> list[Node]:
    polymorphic = any_node()
    query = select(polymorphic).where(polymorphic.path.in_(paths))
    if not include_trashed:
        # A trashed node breaks the chain: it and its subtree are not found.
        query = query.where(polymorphic.trashed_at.is_(None))
    return list(dbsession.scalars(query.order_by(func.length(polymorphic.path))))


def _link_lineage(nodes: list[Node], wanted: list[str]) -> list[Node]:
    """Keep the unbroken chain from the root; give each node its own lineage."""
    lineage: list[Node] = []
    for node in nodes:
        if len(lineage) < len(wanted) and node.path == wanted[len(lineage)]:
            lineage.append(node)
            node._lineage = list(lineage)
    return lineage


def load_lineage(node: Node) -> list[Node]:
    dbsession = object_session(node)
    wanted = ancestor_paths(node.path)
    lineage = _link_lineage(_load_by_paths(dbsession, wanted, include_trashed=True), wanted)
    if not lineage or lineage[-1] is not node:
        raise LookupError(f"broken lineage for {node!r}")
    return lineage


def with_parent_lineage(children, parent: Node) -> list[Node]:
    """Children loaded by a listing share their parent's lineage: no further queries."""
    children = list(children)
    for child in children:
        child._lineage = [*parent.lineage, child]
    return children


class TreeEntry:
    """What the root factory returns: traversal proper happens in ``NodeTraverser``, which
    needs the whole path at once."""

    def __init__(self, request):
        self.request = request


class DatabaseNotInitialised(RuntimeError):
    pass


@implementer(ITraverser)
class NodeTraverser:
    def __init__(self, entry: TreeEntry):
        self.entry = entry

    def __call__(self, request):
        matchdict = request.matchdict
        if matchdict is not None and "traverse" not in matchdict:
            # A route without traversal (the static files): no content is involved, and
            # serving a stylesheet must not cost a query.
            subpath = matchdict.get("subpath", ())
            return {
                "context": self.entry,
                "view_name": "",
                "subpath": tuple(subpath),
                "traversed": (),
                "virtual_root": self.entry,
                "virtual_root_path": (),
                "root": self.entry,
            }
        segments = split_path_info(request.path_info)
        names: list[str] = []
        for segment in segments:
            if segment.startswith("@@") or not NAME_PATTERN.match(segment):
                break
            names.append(segment)
        wanted = [ROOT_PATH] + ["/" + "/".join(names[: i + 1]) + "/" for i in range(len(names))]
        lineage = _link_lineage(_load_by_paths(request.dbsession, wanted), wanted)
        if not lineage:
            raise DatabaseNotInitialised(
                "the content tree has no root: run 'tavolo-initdb <config.ini>' first"
            )
        consumed = len(lineage) - 1
        rest = segments[consumed:]
        view_name = ""
        subpath: tuple[str, ...] = ()
        if rest:
            view_name = rest[0][2:] if rest[0].startswith("@@") else rest[0]
            subpath = tuple(rest[1:])
        return {
            "context": lineage[-1],
            "view_name": view_name,
            "subpath": subpath,
            "traversed": tuple(segments[:consumed]),
            "virtual_root": lineage[0],
            "virtual_root_path": (),
            "root": lineage[0],
        }


def root_factory(request):
    return TreeEntry(request)


def find_by_path(dbsession, path: str) -> Node | None:
    """The node at ``path`` with its lineage loaded, unless it or an ancestor is in the
    trash (the same rule as traversal)."""
    wanted = ancestor_paths(path)
    lineage = _link_lineage(_load_by_paths(dbsession, wanted), wanted)
    if len(lineage) != len(wanted):
        return None
    return lineage[-1]


def attach_lineages(dbsession, nodes: Iterable[Node], known: Iterable[Node] = ()) -> None:
    """Give each node its lineage, loading every missing ancestor in one query per
    ``_IN_CHUNK`` paths (trashed ancestors included, so that callers can see them).

    ``known`` are nodes already at hand (typically the folder's own lineage). A node whose
    chain is broken keeps no lineage; asking for it then raises ``LookupError``.
    """
    nodes = list(nodes)
    by_path = {node.path: node for node in known}
    by_path.update({node.path: node for node in nodes})
    missing = sorted(
        {path for node in nodes for path in ancestor_paths(node.path)[:-1]} - by_path.keys()
    )
    for start in range(0, len(missing), _IN_CHUNK):
        chunk = missing[start : start + _IN_CHUNK]
        found = dbsession.scalars(select(Node).where(Node.path.in_(chunk)))
        by_path.update((node.path, node) for node in found)
    for node in sorted(nodes, key=lambda n: n.path.count("/")):
        chain = [by_path.get(path) for path in ancestor_paths(node.path)]
        if any(ancestor is None for ancestor in chain):
            continue
        for depth, ancestor in enumerate(chain, start=1):
            if ancestor._lineage is None:
                ancestor._lineage = chain[:depth]
