"""Workflow: states with their permission maps, workflows as plain data, the engine that
takes transitions and keeps their history, placeful policies, the worklist.

``states`` is what the security policy needs (imported by it, so it imports nothing of
security's own); ``engine`` moves nodes; the views come with ``includeme``.
"""

from tavolo.workflow.states import STATES, permission_roles, states_granting

__all__ = ["STATES", "permission_roles", "states_granting"]


def includeme(config):
    from tavolo.content.registry import TYPES
    from tavolo.workflow.definitions import WORKFLOWS

    unbound = sorted(name for name, info in TYPES.items() if info.workflow not in WORKFLOWS)
    if unbound:
        raise ValueError(f"content types bound to no existing workflow: {unbound}")
    config.scan("tavolo.workflow.views")
    config.scan("tavolo.workflow.history_views")
    config.scan("tavolo.workflow.worklist")
