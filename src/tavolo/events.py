"""Domain events. Subsystems (search, audit, notifications) subscribe to these instead of
being called by the code that changes things."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ObjectEvent:
    object: Any
    request: Any = None


class ObjectAdded(ObjectEvent):
    pass


class ObjectModified(ObjectEvent):
    pass


class ObjectWillBeModified(ObjectEvent):
    """An edit is about to be saved: subscribers see the node as it still is (versioning
    records it when it has no revision yet, so the first recorded edit loses nothing)."""


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

    The workflow engine fires ``AfterTransition``, which is one of these."""

    old_state: str = ""
    new_state: str = ""


@dataclass
class AfterTransition(StateChanged):
    """A workflow transition was taken: ``actor`` (a User, None for the system) moved the
    node from ``old_state`` to ``new_state`` by ``transition`` of ``workflow``, saying
    ``comment``. Notifications and the search index subscribe."""

    transition: str = ""
    comment: str = ""
    actor: Any = None
    workflow: str = ""


@dataclass
class LocalRolesChanged(ObjectEvent):
    """The sharing of a node changed: ``granted`` and ``revoked`` are ``(principal, role)``
    pairs (``user:<id>``, ``group:<id>``, ``org:<id>``); ``inherit_roles`` is
    ``(before, after)`` when the inheritance block was switched, else None.

    Not an ``ObjectModified``: sharing is not an edit (the node's version does not move),
    but who may see the whole subtree changed with it."""

    granted: tuple[tuple[str, str], ...] = ()
    revoked: tuple[tuple[str, str], ...] = ()
    inherit_roles: tuple[bool, bool] | None = None


# Accounts ------------------------------------------------------------------------------
# The audit trail subscribes to these. The login events are fired by accounts.views; the
# others are hooks for the user administration (invitations, passwords, memberships),
# which fires them when it lands.
@dataclass
class UserLoggedIn:
    user: Any
    request: Any = None


@dataclass
class UserLoggedOut:
    user: Any
    request: Any = None


@dataclass
class UserLoginFailed:
    """Wrong credentials, unknown or disabled account (never the password)."""

    login: str
    user: Any = None  # the account with that login name, if there is one
    request: Any = None


@dataclass
class PasswordChanged:
    user: Any
    request: Any = None
    by_reset: bool = False  # set through a one-time reset (or invitation) link


@dataclass
class PasswordResetRequested:
    """Someone asked for a reset link for ``email``; ``user`` is None when no account
    has that address (the visitor gets the same answer either way; the trail does not)."""

    email: str
    user: Any = None
    request: Any = None


@dataclass
class UserInvited:
    user: Any
    request: Any = None


@dataclass
class AccountChanged:
    """``change`` is one of "created", "modified", "disabled", "enabled"."""

    user: Any
    change: str
    request: Any = None
    details: dict = field(default_factory=dict)


@dataclass
class MembershipChanged:
    """``change`` is one of "added", "modified", "removed" (the signatory flag included)."""

    user: Any
    organisation: Any
    change: str
    request: Any = None
    details: dict = field(default_factory=dict)


@dataclass
class OrganisationChanged:
    """``change`` is one of "created", "modified", "retired", "restored", "deleted";
    ``details`` holds what changed (``{field: [before, after]}`` for "modified")."""

    organisation: Any
    change: str
    request: Any = None
    details: dict = field(default_factory=dict)


@dataclass
class CommentModerated:
    """A moderator hid (``change`` "hidden", with the reason in ``details``) or restored
    ("restored") ``comment`` on ``node``."""

    node: Any
    comment: Any
    change: str
    request: Any = None
    details: dict = field(default_factory=dict)


@dataclass
class EditLockTakenOver:
    """Someone took over the edit lock of ``node`` from its holder; ``previous`` is the
    lock as it was (``tavolo.versioning.locks.LockInfo``)."""

    node: Any
    previous: Any
    request: Any = None


@dataclass
class GroupChanged:
    """``change`` is one of "created", "renamed", "deleted", "member_added",
    "member_removed"; a member is named in ``details`` by its principal
    (``user:<id>`` or ``org:<id>``) and its name."""

    group: Any
    change: str
    request: Any = None
    details: dict = field(default_factory=dict)


# The Vademecum ---------------------------------------------------------------------------
@dataclass
class SuggestionChanged:
    """A partner proposed a change to a Vademecum section (``change`` "proposed"), or the
    section's organisation "accepted" or "declined" it (``tavolo.vademecum``)."""

    node: Any
    request: Any
    suggestion: Any
    change: str
    details: dict = field(default_factory=dict)


@dataclass
class VademecumStructureChanged:
    """The prefecture changed a Vademecum's structure: ``change`` is "sections_created",
    "section_added", "section_retired", "section_restored" or "reordered"; ``node`` is the
    section concerned (the Vademecum for the whole)."""

    node: Any
    change: str
    request: Any = None
    details: dict = field(default_factory=dict)


@dataclass
class VademecumReminderSent:
    """The prefecture sent the reminder of a Vademecum to the members of the organisations
    named in ``details`` (late or returned sections)."""

    node: Any
    request: Any = None
    details: dict = field(default_factory=dict)
