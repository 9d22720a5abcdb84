"""Provisional states and their permission maps (DCWorkflow style: permission -> roles).

Permissions are computed from the state at request time, so changing these maps needs no
data migration.
"""

from __future__ import annotations

from tavolo.i18n import _
from tavolo.security.roles import (
    ADD,
    ANONYMOUS,
    AUTHENTICATED,
    CONTRIBUTOR,
    DELETE,
    EDIT,
    EDITOR,
    MANAGE,
    MANAGER,
    OWNER,
    READER,
    REVIEW,
    REVIEWER,
    SHARE,
    VIEW,
)

_STAFF_ROLES = frozenset({READER, CONTRIBUTOR, EDITOR, REVIEWER, OWNER, MANAGER})

_EDITING = {
    ADD: frozenset({CONTRIBUTOR, EDITOR, OWNER, MANAGER}),
    EDIT: frozenset({EDITOR, OWNER, MANAGER}),
    DELETE: frozenset({EDITOR, OWNER, MANAGER}),
    SHARE: frozenset({EDITOR, OWNER, MANAGER}),
    REVIEW: frozenset({REVIEWER, MANAGER}),
    MANAGE: frozenset({MANAGER}),
}

STATES: dict[str, dict[str, frozenset[str]]] = {
    # Only the people the node is shared with (and its owner) see it: privacy by default.
    "private": {VIEW: _STAFF_ROLES, **_EDITING},
    # Every logged-in partner sees it: the reserved area.
    "internal": {VIEW: _STAFF_ROLES | {AUTHENTICATED}, **_EDITING},
    # Everyone sees it: the public area.
    "published": {VIEW: _STAFF_ROLES | {AUTHENTICATED, ANONYMOUS}, **_EDITING},
}


# What editors read (the names above are what the database and the code keep).
STATE_TITLES = {
    "private": _("Privato"),
    "internal": _("Riservato agli utenti registrati"),
    "published": _("Pubblicato"),
}


def state_title(state: str):
    """The title of ``state`` to show; an unknown state shows its name rather than nothing."""
    return STATE_TITLES.get(state, state)


def permission_roles(state: str, permission: str) -> frozenset[str]:
    """The roles that hold ``permission`` in ``state``; none for an unknown state or
    permission (deny by default)."""
    return STATES.get(state, {}).get(permission, frozenset())


def states_granting(permission: str, roles: frozenset[str] | set[str]) -> list[str]:
    """The states in which any of ``roles`` holds ``permission``."""
    return sorted(s for s, perms in STATES.items() if perms.get(permission, frozenset()) & roles)
