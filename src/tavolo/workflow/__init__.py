"""Workflow: the states a node can be in and what each state permits to which roles.

Until the workflow engine lands (its own issue), a node's state is one of the provisional
states below and never changes by itself. The names and meanings are the ones the engine
keeps: ``published`` is seen by everyone, ``internal`` by every logged-in partner.
"""

from tavolo.workflow.states import STATES, permission_roles, states_granting

__all__ = ["STATES", "permission_roles", "states_granting"]


def includeme(config):
    """Nothing to register yet: the engine's views come with the workflow issue."""
