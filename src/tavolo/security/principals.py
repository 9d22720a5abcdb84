"""Who the caller is, as principals and roles, computed once per request."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import or_, select

from tavolo.accounts.models import GroupMember, Membership, Organisation, User
from tavolo.security.models import GlobalRole, LocalRole, PrincipalGrant
from tavolo.security.roles import ANONYMOUS, AUTHENTICATED


@dataclass(frozen=True)
class Principals:
    """The principals of one caller: the user, their groups and organisations."""

    user_id: int | None = None
    group_ids: frozenset[int] = field(default_factory=frozenset)
    organisation_ids: frozenset[int] = field(default_factory=frozenset)
    global_roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def authenticated(self) -> bool:
        return self.user_id is not None

    @property
    def pseudo_roles(self) -> frozenset[str]:
        return (
            frozenset({ANONYMOUS, AUTHENTICATED}) if self.authenticated else frozenset({ANONYMOUS})
        )

    def as_strings(self) -> list[str]:
        """``user:<id>``, ``group:<id>``, ``org:<id>`` - the names search and audit use."""
        names = [f"user:{self.user_id}"] if self.user_id is not None else []
        names += [f"group:{g}" for g in sorted(self.group_ids)]
        names += [f"org:{o}" for o in sorted(self.organisation_ids)]
        return names

    def grant_filter(self, model: type[PrincipalGrant]):
        """SQL condition: a grant row names one of these principals."""
        clauses = []
        if self.user_id is not None:
            clauses.append(model.user_id == self.user_id)
        if self.group_ids:
            clauses.append(model.group_id.in_(self.group_ids))
        if self.organisation_ids:
            clauses.append(model.organisation_id.in_(self.organisation_ids))
        return or_(*clauses) if clauses else None


ANONYMOUS_PRINCIPALS = Principals()


def principals_for(dbsession, user: User | None) -> Principals:
    if user is None or not user.active:
        return ANONYMOUS_PRINCIPALS
    # A retired organisation's grants reach no one: its members stop being ``org:<id>``.
    organisation_ids = frozenset(
        dbsession.scalars(
            select(Membership.organisation_id)
            .join(Organisation, Organisation.id == Membership.organisation_id)
            .where(Membership.user_id == user.id, Organisation.retired.is_(None))
        )
    )
    # A group counts the user as a member in person or through a whole organisation.
    member = GroupMember.user_id == user.id
    if organisation_ids:
        member = or_(member, GroupMember.organisation_id.in_(organisation_ids))
    group_ids = frozenset(dbsession.scalars(select(GroupMember.group_id).where(member).distinct()))
    partial = Principals(user.id, group_ids, organisation_ids)
    roles = frozenset(
        dbsession.scalars(select(GlobalRole.role).where(partial.grant_filter(GlobalRole)))
    )
    return Principals(user.id, group_ids, organisation_ids, roles)


def local_roles_by_node(dbsession, principals: Principals, node_ids) -> dict[int, set[str]]:
    """The roles granted to ``principals`` on each of ``node_ids``, in one query."""
    condition = principals.grant_filter(LocalRole)
    result: dict[int, set[str]] = {node_id: set() for node_id in node_ids}
    if condition is None or not node_ids:
        return result
    rows = dbsession.execute(
        select(LocalRole.node_id, LocalRole.role).where(
            LocalRole.node_id.in_(list(node_ids)), condition
        )
    )
    for node_id, role in rows:
        result[node_id].add(role)
    return result
