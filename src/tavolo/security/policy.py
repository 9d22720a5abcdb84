"""The security policy: permission = roles on the context ∩ roles the state grants.

Roles on a node are the caller's pseudo-roles and global roles, Owner on what they own, and
the local roles granted to them, their groups or their organisations on the node and on its
ancestors - up to and including the first node that blocks inheritance. A node is reachable
only if the caller may view every ancestor: a private folder hides its published children.

Dates decide visibility too, and only here (and in the SQL twin, ``security.listing``): a
node whose ``effective`` date is still to come, or whose ``expires`` date has passed, is
visible only to those who may edit or review it - for the node itself and for every
ancestor.
"""

from __future__ import annotations

import datetime as dt

from pyramid.interfaces import ISecurityPolicy
from pyramid.request import RequestLocalCache
from pyramid.security import Allowed, Denied

from tavolo.accounts import sessions
from tavolo.content.models import Node
from tavolo.db import utcnow
from tavolo.security.principals import Principals, local_roles_by_node, principals_for
from tavolo.security.roles import EDIT, OWNER, REVIEW, VIEW
from tavolo.workflow import permission_roles


class RoleCalculator:
    """Roles of one caller on nodes, with the local roles of a lineage loaded in one query."""

    def __init__(self, dbsession, principals: Principals, now: dt.datetime | None = None):
        self.dbsession = dbsession
        self.principals = principals
        # One instant per calculator (per request): pages, listings and counts agree.
        self.now = now or utcnow()
        self._local: dict[int, set[str]] = {}
        self._roles: dict[tuple, frozenset[str]] = {}

    def _load(self, lineage: list[Node]) -> None:
        missing = list({n.id for n in lineage if n.id not in self._local})
        if missing:
            self._local.update(local_roles_by_node(self.dbsession, self.principals, missing))

    def preload(self, nodes) -> None:
        """Load the grants on many nodes and their lineages in one query, so that a listing
        asking about each of its items costs no query per item. Nodes without a loaded
        lineage are skipped (loading it here would cost the queries this saves)."""
        self._load([n for node in nodes if node._lineage is not None for n in node._lineage])

    def roles_on(self, node: Node) -> frozenset[str]:
        lineage = node.lineage
        # A listing or a search asks about many items under the same few folders, and
        # ``permits`` asks about every ancestor: remember the answer per lineage (with what
        # in it decides roles, so that a block or a move within the request is seen).
        key = tuple((n.id, n.inherit_roles, n.owner_id) for n in lineage)
        known = self._roles.get(key)
        if known is not None:
            return known
        self._load(lineage)
        roles = set(self.base_roles)
        for ancestor in reversed(lineage):
            roles |= self.own_roles(ancestor)
            if not ancestor.inherit_roles:
                break
        self._roles[key] = frozenset(roles)
        return self._roles[key]

    @property
    def base_roles(self) -> frozenset[str]:
        """Roles held everywhere: pseudo-roles and global roles, never blocked."""
        return self.principals.pseudo_roles | self.principals.global_roles

    def own_roles(self, node: Node) -> set[str]:
        """Roles granted on ``node`` itself: local roles, and Owner on what one created
        (like Plone's Owner local role, it is inherited by the subtree)."""
        self._load([node])
        roles = set(self._local[node.id])
        if self.principals.user_id is not None and node.owner_id == self.principals.user_id:
            roles.add(OWNER)
        return roles

    def in_effect(self, node: Node) -> bool:
        """Whether ``node``'s dates let it be seen now (effective already, not expired)."""
        return (node.effective is None or node.effective <= self.now) and (
            node.expires is None or node.expires > self.now
        )

    def _grants(self, node: Node, permission: str) -> bool:
        return bool(permission_roles(node.state, permission) & self.roles_on(node))

    def _may_view(self, node: Node) -> bool:
        """View on the node itself: outside its dates only its editors and reviewers see
        it (a reviewer who scheduled a publication keeps sight of it, as in Plone)."""
        if not self._grants(node, VIEW):
            return False
        return self.in_effect(node) or self._grants(node, EDIT) or self._grants(node, REVIEW)

    def permits(self, node: Node, permission: str) -> bool:
        self._load(node.lineage)  # every ancestor's grants in one query
        for ancestor in node.lineage[:-1]:
            if not self._may_view(ancestor):
                return False
        if permission == VIEW:
            return self._may_view(node)
        return self._grants(node, permission)


TOKEN_IDENTITIES = "tavolo.token_identities"  # noqa: S105 - a registry key
_REFUSED_TOKEN = "tavolo.refused_token"  # noqa: S105 - an environ key


class InvalidToken(Exception):
    """A token was given but opens nothing (unknown, revoked, or its account disabled)."""


def add_token_identity(config, view_names, resolver) -> None:
    """Let ``resolver(request) -> User | None`` name the caller of the views ``view_names``
    instead of the login session (feeds: anonymous, or a personal token's owner).

    Permissions on those views are checked as on any other, for that identity; a resolver
    raises ``InvalidToken`` for a token that opens nothing, and the caller is anonymous.
    """
    identities = config.registry.setdefault(TOKEN_IDENTITIES, {})
    for name in view_names:
        identities[name] = resolver


def is_token_view(request) -> bool:
    # ``view_name`` exists once traversal is done, before any permission is checked.
    name = getattr(request, "view_name", None)
    return name is not None and name in request.registry.get(TOKEN_IDENTITIES, {})


def token_refused(request) -> bool:
    """Whether this request's token was refused (its views answer 403, not a public page)."""
    request.identity  # noqa: B018 - resolving the identity is what records the refusal
    return bool(request.environ.get(_REFUSED_TOKEN))


class TavoloSecurityPolicy:
    def __init__(self):
        self._identity = RequestLocalCache(self._load_identity)
        self._principals = RequestLocalCache(self._load_principals)
        self._calculator = RequestLocalCache(
            lambda request: RoleCalculator(request.dbsession, self.principals(request))
        )

    # identity -----------------------------------------------------------------------
    def identity(self, request):
        if is_token_view(request):
            return self._identity.get_or_create(request)
        return sessions.current_user(request)

    def _load_identity(self, request):
        resolver = request.registry[TOKEN_IDENTITIES][request.view_name]
        try:
            return resolver(request)
        except InvalidToken:
            request.environ[_REFUSED_TOKEN] = True
            return None

    def authenticated_userid(self, request):
        user = self.identity(request)
        return user.id if user is not None else None

    def remember(self, request, userid, **kw):
        return sessions.start_session(request, userid)

    def forget(self, request, **kw):
        return sessions.end_session(request)

    # authorisation ------------------------------------------------------------------
    def _load_principals(self, request) -> Principals:
        return principals_for(request.dbsession, self.identity(request))

    def principals(self, request) -> Principals:
        return self._principals.get_or_create(request)

    def calculator(self, request) -> RoleCalculator:
        return self._calculator.get_or_create(request)

    def permits(self, request, context, permission):
        if not isinstance(context, Node):
            # Only content is a context here; anything else (an exception, a stray
            # resource) grants nothing.
            return Denied("no content context for %r", permission)
        if self.calculator(request).permits(context, permission):
            return Allowed("%r granted on %r", permission, context)
        return Denied("%r denied on %r", permission, context)


def calculator_for(request) -> RoleCalculator:
    """The role calculator of this request's caller (for SQL listing filters)."""
    return request.registry.getUtility(ISecurityPolicy).calculator(request)
