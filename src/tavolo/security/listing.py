"""Permission filters done in SQL, so that listings page and count what the caller sees."""

from __future__ import annotations

from sqlalchemy import and_, exists, or_, select

from tavolo.content.models import Node
from tavolo.security.models import LocalRole
from tavolo.security.policy import calculator_for
from tavolo.security.roles import EDIT, OWNER, REVIEW, VIEW
from tavolo.workflow import STATES, permission_roles, states_granting


def visible_children_clause(request, folder: Node):
    """SQL condition true for the children of ``folder`` the caller may view.

    It mirrors ``RoleCalculator.roles_on`` for a child: the roles held everywhere, the
    child's own grants and ownership, and - unless the child blocks inheritance - the roles
    held on ``folder``. The caller must already be allowed to view ``folder``.
    """
    return visible_children_clause_for(calculator_for(request), folder)


def visible_children_clause_for(calculator, folder: Node):
    """The same condition for any caller's ``RoleCalculator`` (feeds compute it for the
    anonymous visitor, or for a feed token's owner, not for the request's identity).

    As in ``RoleCalculator.permits``, a child outside its dates (``effective`` still to
    come, ``expires`` passed) is visible only to those who may edit or review it."""
    inherited = calculator.roles_on(folder)
    now = calculator.now
    in_effect = and_(
        or_(Node.effective.is_(None), Node.effective <= now),
        or_(Node.expires.is_(None), Node.expires > now),
    )
    return and_(
        _granted_clause(calculator, inherited, VIEW),
        or_(
            in_effect,
            _granted_clause(calculator, inherited, EDIT),
            _granted_clause(calculator, inherited, REVIEW),
        ),
    )


def _granted_clause(calculator, inherited: frozenset[str], permission: str):
    """SQL condition: the caller holds ``permission`` on a child (roles held everywhere,
    the child's own grants and ownership, and the roles inherited from its folder)."""
    principals = calculator.principals
    clauses = [
        Node.state.in_(states_granting(permission, calculator.base_roles)),
        and_(
            Node.inherit_roles.is_(True),
            Node.state.in_(states_granting(permission, inherited)),
        ),
    ]
    if principals.user_id is not None:
        clauses.append(
            and_(
                Node.owner_id == principals.user_id,
                Node.state.in_(states_granting(permission, frozenset({OWNER}))),
            )
        )
    grant_filter = principals.grant_filter(LocalRole)
    if grant_filter is not None:
        role_in_state = [
            and_(Node.state == state, LocalRole.role.in_(permission_roles(state, permission)))
            for state in STATES
        ]
        clauses.append(
            exists(
                select(LocalRole.id).where(
                    LocalRole.node_id == Node.id, grant_filter, or_(*role_in_state)
                )
            )
        )
    return or_(*clauses)
