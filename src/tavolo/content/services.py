"""Creating and finding content. Usable from views, scripts and tests alike."""

from __future__ import annotations

from sqlalchemy import func, select

from tavolo.content.models import Node
from tavolo.content.registry import type_info
from tavolo.content.tree import (
    NAME_PATTERN,
    ROOT_PATH,
    any_node,
    child_path,
    with_parent_lineage,
)
from tavolo.db import utcnow

# Names the application's own URLs use; content may never take them. The view names
# registered on content are added at start-up (see tavolo.content.includeme).
ALWAYS_RESERVED = frozenset({"login", "logout", "static", "favicon.ico", "robots.txt"})


class InvalidName(ValueError):
    pass


class ContentService:
    def __init__(self, dbsession, reserved_names: frozenset[str] = ALWAYS_RESERVED):
        self.dbsession = dbsession
        self.reserved_names = reserved_names | ALWAYS_RESERVED

    # lookups --------------------------------------------------------------------------
    def root(self) -> Node | None:
        return self.by_path(ROOT_PATH)

    def by_path(self, path: str) -> Node | None:
        """The node at ``path``, unless it is in the trash."""
        polymorphic = any_node()
        return self.dbsession.scalars(
            select(polymorphic).where(polymorphic.path == path, polymorphic.trashed_at.is_(None))
        ).one_or_none()

    def children(self, parent: Node, where=None, offset: int = 0, limit: int | None = None):
        """The children not in the trash, in their order."""
        polymorphic = any_node()
        query = select(polymorphic).where(
            polymorphic.parent_id == parent.id, polymorphic.trashed_at.is_(None)
        )
        if where is not None:
            query = query.where(where)
        query = query.order_by(polymorphic.position, polymorphic.id).offset(offset)
        if limit is not None:
            query = query.limit(limit)
        return with_parent_lineage(self.dbsession.scalars(query), parent)

    def count_children(self, parent: Node, where=None) -> int:
        query = select(func.count(Node.id)).where(
            Node.parent_id == parent.id, Node.trashed_at.is_(None)
        )
        if where is not None:
            query = query.where(where)
        return self.dbsession.scalar(query)

    # changes --------------------------------------------------------------------------
    def check_name(self, parent: Node | None, name: str) -> None:
        if not NAME_PATTERN.match(name or ""):
            raise InvalidName(
                f"{name!r}: use lower-case letters, digits, '-', '.' or '_' (no spaces)"
            )
        if name in self.reserved_names:
            # A view name is reachable on every node, so it is reserved at every level.
            raise InvalidName(f"{name!r} is reserved for the application's own pages")
        if parent is not None:
            # Trashed siblings count: a restore must find its name free.
            taken = self.dbsession.scalar(
                select(func.count(Node.id)).where(Node.parent_id == parent.id, Node.name == name)
            )
            if taken:
                raise InvalidName(f"{name!r} is already used in this folder")

    def create(
        self,
        parent: Node | None,
        type_name: str,
        name: str,
        title: str,
        *,
        owner_id: int | None = None,
        state: str | None = None,
        **fields,
    ) -> Node:
        info = type_info(type_name)
        now = utcnow()
        if parent is None:
            if self.root() is not None:
                raise InvalidName("the site already has a root")
            name, path, position = "", ROOT_PATH, 0
        else:
            self.check_name(parent, name)
            if parent.type not in info.addable_to and info.addable_to:
                raise ValueError(f"a {type_name} cannot be added to a {parent.type}")
            path = child_path(parent.path, name)
            position = (
                self.dbsession.scalar(
                    select(func.coalesce(func.max(Node.position), -1)).where(
                        Node.parent_id == parent.id
                    )
                )
                + 1
            )
        node = info.model(
            parent_id=parent.id if parent is not None else None,
            name=name,
            path=path,
            title=title,
            position=position,
            owner_id=owner_id,
            state=state or info.initial_state,
            created=now,
            modified=now,
            **fields,
        )
        self.dbsession.add(node)
        self.dbsession.flush()
        node._lineage = [*(parent.lineage if parent is not None else []), node]
        return node
