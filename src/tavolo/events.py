"""Domain events. Subsystems (search, audit, notifications) subscribe to these instead of
being called by the code that changes things."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class ObjectEvent:
    object: Any
    request: Any = None


class ObjectAdded(ObjectEvent):
    pass


class ObjectModified(ObjectEvent):
    pass


class ObjectRemoved(ObjectEvent):
    pass


# Both are modifications, so that a subscriber for ObjectModified (reindexing the node, say)
# sees them too; subscribers that care about the subtree (paths, visibility) listen to these.
@dataclass
class ObjectMoved(ObjectModified):
    """Renamed or moved: the node and its whole subtree now live under ``new_path``."""

    old_path: str = ""
    new_path: str = ""


@dataclass
class StateChanged(ObjectModified):
    """The node's state changed (who may see it changed with it, for its whole subtree).

    The provisional states are set directly; the workflow engine's transitions will fire
    an event of their own that carries the transition and the comment."""

    old_state: str = ""
    new_state: str = ""


@dataclass
class UserLoggedIn:
    user: Any
    request: Any = None


@dataclass
class UserLoggedOut:
    user: Any
    request: Any = None
