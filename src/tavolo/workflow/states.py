"""What each state permits to which roles (DCWorkflow style: permission -> roles).

The maps are defined with the workflows (``tavolo.workflow.definitions``); a state name
means the same map in every workflow, so a node's permissions need only its state.
Permissions are computed from the state at request time: changing a map needs no data
migration.
"""

from __future__ import annotations

from tavolo.workflow.definitions import STATES as _DEFINED

STATES: dict[str, dict[str, frozenset[str]]] = {
    name: dict(state.permissions) for name, state in _DEFINED.items()
}

# What editors read (the names above are what the database and the code keep).
STATE_TITLES = {name: state.title for name, state in _DEFINED.items()}


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
