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


@dataclass
class UserLoggedIn:
    user: Any
    request: Any = None


@dataclass
class UserLoggedOut:
    user: Any
    request: Any = None
