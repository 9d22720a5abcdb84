"""Permission filters done in SQL, so that listings page and count what the caller sees."""

from __future__ import annotations

from pyramid.interfaces import ISecurityPolicy
from sqlalchemy import and_, exists, false, or_, select

from tavolo.content.models import Node
from tavolo.security.models import LocalRole
from tavolo.security.roles import OWNER, VIEW
from tavolo.workflow import STATES, permission_roles, states_granting


def visible_children_clause(request, folder: Node):
    """SQL condition true for the children of ``folder`` the caller may view.

    It mirrors ``RoleCalculator.roles_on`` for a child: the roles held everywhere, the
    child's own grants and ownership, and - unless the child blocks inheritance - the roles
    held on ``folder``. The caller must already be allowed to view ``folder``.
    """
    calculator = request.registry.getUtility(ISecurityPolicy).calculator(request)
    principals = calculator.principals
    inherited = calculator.roles_on(folder)

    clauses = [
        Node.state.in_(states_granting(VIEW, calculator.base_roles)),
        and_(Node.inherit_roles.is_(True), Node.state.in_(states_granting(VIEW, inherited))),
    ]
    if principals.user_id is not None:
        clauses.append(
            and_(
                Node.owner_id == principals.user_id,
                Node.state.in_(states_granting(VIEW, frozenset({OWNER}))),
            )
        )
    grant_filter = principals.grant_filter(LocalRole)
    if grant_filter is not None:
        role_in_state = [
            and_(Node.state == state, LocalRole.role.in_(permission_roles(state, VIEW)))
            for state in STATES
        ]
        clauses.append(
            exists(
                select(LocalRole.id).where(
                    LocalRole.node_id == Node.id, grant_filter, or_(*role_in_state)
                )
            )
        )
    return or_(*clauses) if clauses else false()
