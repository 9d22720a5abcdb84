"""Changing a node's state, until the workflow engine (its own issue) brings transitions.

The provisional states of ``tavolo.workflow.states`` are set directly: any state from any
state, for whoever the caller lets through (the views ask for the ``review`` permission).
The engine will replace this with guarded transitions and a history; what stays is that a
state change moves the node's version on, like any other change of the node.
"""

from __future__ import annotations

from tavolo.db import utcnow
from tavolo.workflow.states import STATES


class UnknownState(ValueError):
    """A state name that no workflow defines."""


class StateChanges:
    def __init__(self, dbsession):
        self.dbsession = dbsession

    def set_state(self, node, state: str) -> bool:
        """Put ``node`` in ``state``; whether anything changed.

        Setting the state it already has writes nothing (its version stays): a form that
        re-sends the same choice must not count as a change nor conflict with an edit.
        """
        if state not in STATES:
            raise UnknownState(f"no workflow state is called {state!r}")
        if node.state == state:
            return False
        node.state = state
        # Optimistic concurrency: an edit form opened before the change is now stale.
        node.version = (node.version or 0) + 1
        node.modified = utcnow()
        self.dbsession.flush()
        return True
