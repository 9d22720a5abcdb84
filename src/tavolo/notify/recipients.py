"""Who hears about a transition.

* Submitted for review: every active user who may review the item *and* see it.
* Published, published in the reserved area, rejected, visible on its date, expired: the
  item's owner, if active and able to see it.

Never the actor (they know), never someone who cannot see the item (a notice must not
reveal what its reader could not open). Candidates are found with a few queries on the
grants (global, and local on the item and its ancestors, through groups and organisations);
each is then confirmed with the security policy itself (``RoleCalculator``), which alone
knows about blocked inheritance, retired organisations, dates and private ancestors. The
queries only keep the confirmation from running for every account of the site.
"""

from __future__ import annotations

from sqlalchemy import select

from tavolo.accounts.models import GroupMember, Membership, Organisation, User
from tavolo.security.models import GlobalRole, LocalRole
from tavolo.security.policy import RoleCalculator
from tavolo.security.principals import principals_for
from tavolo.security.roles import OWNER, PSEUDO_ROLES, REVIEW, VIEW
from tavolo.workflow import permission_roles

# Transitions whose notice goes to the reviewers, and those whose notice goes to the owner.
# ``became_visible`` and ``expired`` are taken by the scheduled-publication script.
FOR_REVIEWERS = frozenset({"submit"})
FOR_OWNER = frozenset({"publish", "publish_internally", "reject", "became_visible", "expired"})


def may_see(dbsession, user: User, node, now=None) -> bool:
    calculator = RoleCalculator(dbsession, principals_for(dbsession, user), now=now)
    return calculator.permits(node, VIEW)


def _users_of_principals(dbsession, user_ids, group_ids, organisation_ids) -> set[int]:
    """The users behind some principals: themselves, group members (in person or through
    their organisation), members of organisations."""
    found = set(user_ids)
    organisations = set(organisation_ids)
    if group_ids:
        rows = dbsession.execute(
            select(GroupMember.user_id, GroupMember.organisation_id).where(
                GroupMember.group_id.in_(group_ids)
            )
        )
        for user_id, organisation_id in rows:
            if user_id is not None:
                found.add(user_id)
            else:
                organisations.add(organisation_id)
    if organisations:
        found.update(
            dbsession.scalars(
                select(Membership.user_id)
                .join(Organisation, Organisation.id == Membership.organisation_id)
                .where(
                    Membership.organisation_id.in_(organisations),
                    # A retired organisation's grants reach no one (as in principals_for).
                    Organisation.retired.is_(None),
                )
            )
        )
    return found


def _holders(dbsession, roles: frozenset[str], node) -> set[int] | None:
    """Ids of users who may hold one of ``roles`` on ``node``: a superset, to be confirmed.
    None means anyone may (a pseudo-role holds the permission)."""
    if roles & PSEUDO_ROLES:
        return None
    lineage = node.lineage
    user_ids, group_ids, organisation_ids = set(), set(), set()
    grants = [
        select(GlobalRole.user_id, GlobalRole.group_id, GlobalRole.organisation_id).where(
            GlobalRole.role.in_(roles)
        ),
        select(LocalRole.user_id, LocalRole.group_id, LocalRole.organisation_id).where(
            LocalRole.role.in_(roles), LocalRole.node_id.in_([n.id for n in lineage])
        ),
    ]
    for query in grants:
        for user_id, group_id, organisation_id in dbsession.execute(query):
            if user_id is not None:
                user_ids.add(user_id)
            elif group_id is not None:
                group_ids.add(group_id)
            else:
                organisation_ids.add(organisation_id)
    if OWNER in roles:
        # Owner is implied by owning the node or an ancestor (the policy inherits it).
        user_ids.update(n.owner_id for n in lineage if n.owner_id is not None)
    return _users_of_principals(dbsession, user_ids, group_ids, organisation_ids)


def _active_users(dbsession, ids: set[int] | None, actor) -> list[User]:
    query = select(User).where(User.active.is_(True)).order_by(User.id)
    if ids is not None:
        if not ids:
            return []
        query = query.where(User.id.in_(ids))
    if actor is not None:
        query = query.where(User.id != actor.id)
    return list(dbsession.scalars(query))


def reviewers(dbsession, node, actor=None, now=None) -> list[User]:
    """Active users, other than ``actor``, who may review ``node`` and see it."""
    candidates = _active_users(
        dbsession, _holders(dbsession, permission_roles(node.state, REVIEW), node), actor
    )
    found = []
    for user in candidates:
        calculator = RoleCalculator(dbsession, principals_for(dbsession, user), now=now)
        if calculator.permits(node, REVIEW) and calculator.permits(node, VIEW):
            found.append(user)
    return found


def owner(dbsession, node, actor=None, now=None) -> list[User]:
    """The node's owner, if active, not ``actor`` and able to see the node."""
    if node.owner_id is None or (actor is not None and actor.id == node.owner_id):
        return []
    user = dbsession.get(User, node.owner_id)
    if user is None or not user.active or not may_see(dbsession, user, node, now):
        return []
    return [user]


def discussion(dbsession, node, user_ids, actor=None, now=None) -> list[User]:
    """Who hears about a new comment on ``node``: ``user_ids`` (its owner and those who
    wrote in its discussion) that are active, not ``actor`` and still able to see it."""
    found = []
    for user in _active_users(dbsession, set(user_ids), actor):
        if may_see(dbsession, user, node, now):
            found.append(user)
    return found


def recipients(dbsession, node, transition: str, actor=None, now=None) -> list[User]:
    """Who hears about ``transition`` having been taken on ``node`` (now in its new state)."""
    if transition in FOR_REVIEWERS:
        return reviewers(dbsession, node, actor, now)
    if transition in FOR_OWNER:
        return owner(dbsession, node, actor, now)
    return []
