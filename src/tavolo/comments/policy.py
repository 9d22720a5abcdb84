"""Whether an item has a discussion.

Its type says first (``TypeInfo.comments``); a folder's policy (``comment_policies``)
overrides that for everything below it, the nearest folder with a setting winning. A
folder's own page never has one: a folder is where documents are discussed, not a document.
"""

from __future__ import annotations

from sqlalchemy import select

from tavolo.comments.models import CommentPolicy
from tavolo.content.registry import TYPES

INHERIT = "inherit"
ENABLED = "enabled"
DISABLED = "disabled"
CHOICES = (INHERIT, ENABLED, DISABLED)
_NEVER = frozenset({"folder"})


class CommentPolicies:
    def __init__(self, dbsession):
        self.dbsession = dbsession

    def own(self, folder) -> str:
        """The folder's own setting: ``inherit``, ``enabled`` or ``disabled``."""
        row = self.dbsession.get(CommentPolicy, folder.id)
        if row is None:
            return INHERIT
        return ENABLED if row.enabled else DISABLED

    def set(self, folder, choice: str) -> None:
        if choice not in CHOICES:
            raise ValueError(f"unknown comment policy {choice!r}")
        row = self.dbsession.get(CommentPolicy, folder.id)
        if choice == INHERIT:
            if row is not None:
                self.dbsession.delete(row)
        elif row is None:
            self.dbsession.add(CommentPolicy(node_id=folder.id, enabled=choice == ENABLED))
        else:
            row.enabled = choice == ENABLED
        self.dbsession.flush()

    def inherited(self, node) -> bool | None:
        """The nearest setting strictly above ``node`` (None: no folder says)."""
        ancestors = [n.id for n in node.lineage[:-1]]
        if not ancestors:
            return None
        rows = dict(
            self.dbsession.execute(
                select(CommentPolicy.node_id, CommentPolicy.enabled).where(
                    CommentPolicy.node_id.in_(ancestors)
                )
            ).all()
        )
        for ancestor_id in reversed(ancestors):
            if ancestor_id in rows:
                return rows[ancestor_id]
        return None

    def enabled(self, node) -> bool:
        """Whether ``node`` has comments: its nearest folder's setting, else its type's."""
        if node.type in _NEVER:
            return False
        found = self.inherited(node)
        if found is not None:
            return found
        info = TYPES.get(node.type)
        return bool(info is not None and info.comments)

    def subtree_default(self, folder) -> bool | None:
        """What the folder's subtree gets when the folder says nothing (for its page)."""
        return self.inherited(folder)
