"""The trash: deleting puts an item (and so its subtree) out of sight until a Manager
restores it or empties the trash. Usable from views, scripts and tests alike.

Only the item itself is marked (``trashed_at``/``trashed_by_id``): traversal and listings
stop at a trashed node, so its subtree disappears with it and comes back whole. The name
stays taken meanwhile, so a restore always puts the item back where it was.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select

from tavolo.content.concurrency import claim_version
from tavolo.content.models import NewsItem, Node, NodeRelation
from tavolo.content.tree import any_node, subtree_bounds
from tavolo.db import utcnow


class TrashService:
    def __init__(self, dbsession):
        self.dbsession = dbsession

    def trash(self, node: Node, user=None, expected_version: int | None = None) -> Node:
        """Move ``node`` (and so its subtree) to the trash; ``EditConflict`` when it is no
        longer at ``expected_version``: the confirmation was given for what it was."""
        if node.parent_id is None:
            raise ValueError("the site root cannot be deleted")
        claim_version(node, expected_version, self.dbsession)
        node.trashed_at = utcnow()
        node.trashed_by_id = user.id if user is not None else None
        self.dbsession.flush()
        return node

    def restore(self, node: Node) -> Node:
        node.trashed_at = None
        node.trashed_by_id = None
        self.dbsession.flush()
        return node

    def get(self, node_id: int) -> Node | None:
        """A trashed item by id (``None`` if it is not in the trash)."""
        polymorphic = any_node()
        return self.dbsession.scalars(
            select(polymorphic).where(polymorphic.id == node_id, polymorphic.trashed_at.isnot(None))
        ).one_or_none()

    def count(self) -> int:
        return self.dbsession.scalar(select(func.count(Node.id)).where(Node.trashed_at.isnot(None)))

    def items(self, offset: int = 0, limit: int | None = None) -> list[Node]:
        """What was deleted, the most recent first."""
        query = (
            select(Node)
            .where(Node.trashed_at.isnot(None))
            .order_by(Node.trashed_at.desc(), Node.id.desc())
            .offset(offset)
        )
        if limit is not None:
            query = query.limit(limit)
        return list(self.dbsession.scalars(query))

    def empty(self, node: Node | None = None) -> int:
        """Delete for good everything in the trash (or only ``node``) with its subtree;
        the number of items deleted."""
        roots = [node] if node is not None else self.items()
        deleted = 0
        for root in roots:
            low, high = subtree_bounds(root.path)
            in_subtree = (Node.path >= low) & (Node.path < high)
            deleted += self.dbsession.scalar(select(func.count(Node.id)).where(in_subtree))
            # Type rows, tags, relations and local roles go with the nodes (ON DELETE
            # CASCADE); one statement, so parent and children go together.
            ids = list(self.dbsession.scalars(select(Node.id).where(in_subtree)))
            self.dbsession.execute(
                delete(Node).where(Node.id.in_(ids)),
                execution_options={"synchronize_session": False},
            )
        self.dbsession.expire_all()
        return deleted


def links_to(dbsession, node: Node) -> list[Node]:
    """The items that point at ``node`` (as a related item, or as a news item's image),
    not in the trash."""
    relating = select(NodeRelation.source_id).where(NodeRelation.target_id == node.id)
    showing = select(NewsItem.id).where(NewsItem.image_id == node.id)
    return list(
        dbsession.scalars(
            select(Node)
            .where(Node.id.in_(relating.union(showing)), Node.trashed_at.is_(None))
            .order_by(Node.title, Node.id)
        )
    )


def subtree_count(dbsession, node: Node) -> int:
    """How many items ``node`` contains, at any depth (itself excluded)."""
    low, high = subtree_bounds(node.path)
    return dbsession.scalar(select(func.count(Node.id)).where(Node.path > low, Node.path < high))


def contents(dbsession, node: Node, limit: int = 20) -> list[Node]:
    """The first items inside ``node``, by path, for the delete confirmation."""
    low, high = subtree_bounds(node.path)
    return list(
        dbsession.scalars(
            select(Node).where(Node.path > low, Node.path < high).order_by(Node.path).limit(limit)
        )
    )
