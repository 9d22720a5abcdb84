"""Sharing: the local roles granted on a node, and changing them.

The rules (``../shared/DESIGN.md``, Security):

* only Reader, Contributor, Editor and Reviewer are ever granted here - never the
  pseudo-roles, Owner (implied by ``nodes.owner_id``), Manager (global only) or Signatory
  (a membership's flag, not a role);
* nobody grants or revokes a role they do not hold on the node; a Manager holds them all,
  and a role holds the roles it includes - those whose permissions it has in every state
  (an Editor, or the owner, holds Contributor and Reader; nobody but a Reviewer or a
  Manager holds Reviewer);
* blocking inheritance needs only the sharing permission, since it can only take access
  away - but it is refused when it would take the caller's own sharing permission away;
* un-blocking lets the ancestors' grants flow in again, which amounts to granting them:
  the caller must hold every role that would flow in (see ``docs/decisions.md``).

Every change is checked in full before anything is written, so a refusal changes nothing.
The caller is described by its ``RoleCalculator`` (roles on the node as the security
policy computes them), so scripts can use the service as well as views.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import delete, func, or_, select

from tavolo.accounts.models import Group, Organisation, User
from tavolo.content.models import Node
from tavolo.i18n import _
from tavolo.security.models import LocalRole
from tavolo.security.roles import (
    CONTRIBUTOR,
    EDITOR,
    GRANTABLE_LOCAL_ROLES,
    MANAGER,
    READER,
    REVIEWER,
    SHARE,
)
from tavolo.workflow import STATES, permission_roles

# What the sharing tab calls each role (Plone's wording: what the role lets one do).
ROLE_TITLES = {
    READER: _("Può vedere"),
    CONTRIBUTOR: _("Può aggiungere"),
    EDITOR: _("Può modificare"),
    REVIEWER: _("Può revisionare"),
}

# principal kind -> (model, LocalRole column)
KINDS = {
    "user": (User, "user_id"),
    "group": (Group, "group_id"),
    "org": (Organisation, "organisation_id"),
}
KIND_TITLES = {"user": _("Utente"), "group": _("Gruppo"), "org": _("Organizzazione")}
SEARCH_LIMIT = 20  # per kind: a search is meant to be narrowed, not paged through
SEARCH_MIN_LENGTH = 2
SEARCH_MAX_LENGTH = 100


class SharingRefused(Exception):
    """The caller may not make this change (a role they do not hold, or not grantable)."""


class InvalidSharing(ValueError):
    """A malformed request: no principal or role chosen, an unknown or disabled principal.
    ``message`` is what the form shows."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class InheritanceLockout(Exception):
    """Blocking inheritance would take the caller's own sharing permission away."""


@dataclass(frozen=True)
class PrincipalInfo:
    key: str  # user:<id>, group:<id>, org:<id>
    kind: str
    id: int
    title: str
    detail: str = ""  # login and e-mail of a user, name of a group
    active: bool = True

    @property
    def kind_title(self):
        return KIND_TITLES[self.kind]


@dataclass
class SharingRow:
    """One principal's roles on a node: granted here, and inherited (role -> the
    ancestors it comes from, nearest first)."""

    principal: PrincipalInfo
    own: set[str] = field(default_factory=set)
    inherited: dict[str, list[Node]] = field(default_factory=dict)


@dataclass(frozen=True)
class SharingChange:
    granted: tuple[tuple[str, str], ...] = ()
    revoked: tuple[tuple[str, str], ...] = ()
    inherit_roles: tuple[bool, bool] | None = None  # (before, after)

    def __bool__(self) -> bool:
        return bool(self.granted or self.revoked or self.inherit_roles)


def parse_principal(value: str) -> tuple[str, int]:
    """``user:5`` -> ("user", 5); anything else raises ``InvalidSharing``."""
    kind, _sep, number = (value or "").partition(":")
    if kind not in KINDS or not number.isdigit() or len(number) > 18:
        raise InvalidSharing(_("Utente, gruppo o organizzazione non trovato."))
    return kind, int(number)


def describe_principals(dbsession, keys) -> dict[str, PrincipalInfo]:
    """Names of principals, one query per kind; unknown or malformed keys are left out."""
    ids: dict[str, set[int]] = defaultdict(set)
    for key in keys:
        try:
            kind, number = parse_principal(key)
        except InvalidSharing:
            continue
        ids[kind].add(number)
    found: dict[str, PrincipalInfo] = {}
    if ids["user"]:
        for user in dbsession.scalars(select(User).where(User.id.in_(ids["user"]))):
            found[user.principal] = _user_info(user)
    if ids["group"]:
        for group in dbsession.scalars(select(Group).where(Group.id.in_(ids["group"]))):
            found[group.principal] = _group_info(group)
    if ids["org"]:
        query = select(Organisation).where(Organisation.id.in_(ids["org"]))
        for org in dbsession.scalars(query):
            found[org.principal] = _org_info(org)
    return found


def _user_info(user: User) -> PrincipalInfo:
    detail = f"{user.login}, {user.email}"
    return PrincipalInfo(user.principal, "user", user.id, user.fullname, detail, user.active)


def _group_info(group: Group) -> PrincipalInfo:
    return PrincipalInfo(group.principal, "group", group.id, group.title, group.name)


def _org_info(org: Organisation) -> PrincipalInfo:
    return PrincipalInfo(org.principal, "org", org.id, org.name, "", org.retired is None)


def _permissions(role: str, state: str) -> set[str]:
    return {permission for permission, roles in STATES[state].items() if role in roles}


def includes(role: str, other: str) -> bool:
    """Whether ``role`` has every permission ``other`` has, in every state: holding it is
    holding ``other`` (derived from the permission maps, so it follows the workflows)."""
    return all(_permissions(other, state) <= _permissions(role, state) for state in STATES)


def may_assign(held: frozenset[str], role: str) -> bool:
    """Whether someone holding ``held`` on a node may grant or revoke ``role`` there."""
    if role not in GRANTABLE_LOCAL_ROLES:
        return False
    return MANAGER in held or any(includes(mine, role) for mine in held)


def _principal_info(kind: str, target) -> PrincipalInfo:
    return {"user": _user_info, "group": _group_info, "org": _org_info}[kind](target)


def _sort_key(info: PrincipalInfo):
    return (list(KINDS).index(info.kind), info.title.casefold(), info.id)


class SharingService:
    def __init__(self, dbsession):
        self.dbsession = dbsession

    # reading ------------------------------------------------------------------------
    @staticmethod
    def inheritance_sources(node: Node, *, as_if_inheriting: bool = False) -> list[Node]:
        """The ancestors whose grants reach ``node``, nearest first, up to and including
        the first that blocks inheritance (as ``RoleCalculator.roles_on`` walks them)."""
        if not (node.inherit_roles or as_if_inheriting):
            return []
        sources = []
        for ancestor in reversed(node.lineage[:-1]):
            sources.append(ancestor)
            if not ancestor.inherit_roles:
                break
        return sources

    def rows(self, node: Node) -> list[SharingRow]:
        """Every principal with a role on ``node``, granted here or inherited."""
        sources = self.inheritance_sources(node)
        by_id = {source.id: source for source in sources}
        grants = self.dbsession.scalars(
            select(LocalRole).where(LocalRole.node_id.in_([node.id, *by_id]))
        ).all()
        names = describe_principals(self.dbsession, {g.principal for g in grants})
        rows: dict[str, SharingRow] = {}
        distance = {source.id: i for i, source in enumerate(sources)}
        for grant in sorted(grants, key=lambda g: distance.get(g.node_id, -1)):
            info = names.get(grant.principal)
            if info is None:  # pragma: no cover - a foreign key guarantees it exists
                continue
            row = rows.setdefault(grant.principal, SharingRow(info))
            if grant.node_id == node.id:
                row.own.add(grant.role)
            else:
                row.inherited.setdefault(grant.role, []).append(by_id[grant.node_id])
        return sorted(rows.values(), key=lambda row: _sort_key(row.principal))

    def search(self, text: str, limit: int = SEARCH_LIMIT) -> tuple[list[PrincipalInfo], bool]:
        """Active users (by name, login or e-mail), groups and organisations (not retired) matching
        ``text``; at most ``limit`` of each kind, and whether some were left out."""
        text = (text or "").strip()[:SEARCH_MAX_LENGTH].lower()
        if len(text) < SEARCH_MIN_LENGTH:
            return [], False

        def like(column):
            return func.lower(column).contains(text, autoescape=True)

        queries = (
            (
                select(User)
                .where(
                    User.active.is_(True),
                    or_(like(User.fullname), like(User.login), like(User.email)),
                )
                .order_by(User.fullname, User.id),
                _user_info,
            ),
            (
                select(Group).where(or_(like(Group.title), like(Group.name))).order_by(Group.title),
                _group_info,
            ),
            (
                select(Organisation)
                .where(Organisation.retired.is_(None), like(Organisation.name))
                .order_by(Organisation.name),
                _org_info,
            ),
        )
        found, truncated = [], False
        for query, describe in queries:
            rows = self.dbsession.scalars(query.limit(limit + 1)).all()
            truncated = truncated or len(rows) > limit
            found += [describe(row) for row in rows[:limit]]
        return found, truncated

    # changing -----------------------------------------------------------------------
    def grant(self, node: Node, actor, principal: str, roles) -> SharingChange:
        """Grant ``roles`` on ``node`` to ``principal``; ``actor`` is the caller's
        ``RoleCalculator``. Roles already granted are left as they are."""
        roles = self._checked_roles(node, actor, roles)
        kind, number = parse_principal(principal)
        model, column = KINDS[kind]
        target = self.dbsession.get(model, number)
        if target is None or not _principal_info(kind, target).active:
            raise InvalidSharing(_("Utente, gruppo o organizzazione non trovato."))
        existing = self._roles_of(node, column, number)
        new = [role for role in roles if role not in existing]
        for role in new:
            self.dbsession.add(LocalRole(node_id=node.id, role=role, **{column: number}))
        self.dbsession.flush()
        return SharingChange(granted=tuple((target.principal, role) for role in new))

    def revoke(self, node: Node, actor, principal: str, roles) -> SharingChange:
        """Revoke ``roles`` granted on ``node`` itself to ``principal`` (inherited roles
        are revoked where they were granted, or cut off by blocking inheritance)."""
        roles = self._checked_roles(node, actor, roles)
        kind, number = parse_principal(principal)
        column = KINDS[kind][1]
        condition = (
            (LocalRole.node_id == node.id)
            & (getattr(LocalRole, column) == number)
            & LocalRole.role.in_(roles)
        )
        gone = self.dbsession.scalars(select(LocalRole.role).where(condition)).all()
        if gone:
            self.dbsession.execute(delete(LocalRole).where(condition))
        key = f"{kind}:{number}"
        return SharingChange(revoked=tuple((key, role) for role in roles if role in gone))

    def set_inheritance(self, node: Node, actor, block: bool) -> SharingChange:
        before = node.inherit_roles
        if before == (not block):
            return SharingChange()
        if block:
            # What the caller would hold afterwards: roles held everywhere and those
            # granted on the node itself.
            after = actor.base_roles | actor.own_roles(node)
            if not (permission_roles(node.state, SHARE) & after):
                raise InheritanceLockout()
        else:
            held = actor.roles_on(node)
            sources = self.inheritance_sources(node, as_if_inheriting=True)
            incoming = set(
                self.dbsession.scalars(
                    select(LocalRole.role).where(LocalRole.node_id.in_([s.id for s in sources]))
                )
            )
            refused = sorted(r for r in incoming if not (r in held or may_assign(held, r)))
            if MANAGER not in held and refused:
                raise SharingRefused(refused)
        node.inherit_roles = not block
        self.dbsession.flush()
        return SharingChange(inherit_roles=(before, node.inherit_roles))

    def _checked_roles(self, node: Node, actor, roles) -> list[str]:
        roles = list(dict.fromkeys(r for r in roles if r))
        if not roles:
            raise InvalidSharing(_("Scegli almeno un ruolo."))
        held = actor.roles_on(node)
        refused = [role for role in roles if not may_assign(held, role)]
        if refused:
            raise SharingRefused(refused)
        return roles

    def _roles_of(self, node: Node, column: str, number: int) -> set[str]:
        return set(
            self.dbsession.scalars(
                select(LocalRole.role).where(
                    LocalRole.node_id == node.id, getattr(LocalRole, column) == number
                )
            )
        )
