"""Who may view a node, as index tokens (Plone's allowedRolesAndUsers).

Tokens: ``user:<id>``, ``group:<id>``, ``org:<id>`` and ``role:<Role>`` - global roles and
the pseudo-roles ``role:Anonymous`` and ``role:Authenticated``; the Owner role becomes the
owner's ``user:<id>``. A node's tokens are those holding ``view`` in its state - through a
global role, a pseudo-role, a local grant on it or on an ancestor up to the first that
blocks inheritance, or ownership along that same chain - intersected down the path, because
the policy lets nobody see a node below one they may not view.

The intersection treats ``role:Anonymous`` as covering every token and
``role:Authenticated`` as covering every token but ``role:Anonymous``: a public folder
does not narrow what its children allow. Any looseness must err towards leaving someone
out (a false negative): a caller matches a token only if that token alone grants them view
on the node and on every ancestor. The query side re-checks every hit with the policy, and
checks each hit's own date window; an ancestor that is outside its dates when indexed keeps
only the tokens that may also edit or review it (as ``RoleCalculator._may_view``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import select

from tavolo.security.models import LocalRole
from tavolo.security.roles import (
    ANONYMOUS,
    AUTHENTICATED,
    EDIT,
    GLOBAL_ROLES,
    OWNER,
    REVIEW,
    VIEW,
)
from tavolo.workflow import permission_roles

ANONYMOUS_TOKEN = f"role:{ANONYMOUS}"
AUTHENTICATED_TOKEN = f"role:{AUTHENTICATED}"
_ROLE_TOKENS = frozenset({ANONYMOUS, AUTHENTICATED, *GLOBAL_ROLES})
_CHUNK = 500


def principal_tokens(principals) -> frozenset[str]:
    """The tokens of a caller (``security.principals.Principals``): what a query matches
    against ``allowed``."""
    tokens = {*principals.as_strings(), ANONYMOUS_TOKEN}
    if principals.authenticated:
        tokens.add(AUTHENTICATED_TOKEN)
        tokens.update(f"role:{role}" for role in principals.global_roles)
    return frozenset(tokens)


def _covered(token: str, tokens: frozenset[str] | set[str]) -> bool:
    return (
        token in tokens
        or ANONYMOUS_TOKEN in tokens
        or (AUTHENTICATED_TOKEN in tokens and token != ANONYMOUS_TOKEN)
    )


def intersect(first, second) -> frozenset[str]:
    """Tokens that grant both ``first`` and ``second`` (see the module docstring)."""
    return frozenset(t for t in {*first, *second} if _covered(t, first) and _covered(t, second))


def load_grants(dbsession, node_ids) -> dict[int, list[tuple[str, str]]]:
    """``node id -> [(principal token, role)]`` for every local grant on ``node_ids``, in
    one query per ``_CHUNK`` ids."""
    grants: dict[int, list[tuple[str, str]]] = defaultdict(list)
    ids = sorted(set(node_ids))
    for start in range(0, len(ids), _CHUNK):
        rows = dbsession.scalars(
            select(LocalRole).where(LocalRole.node_id.in_(ids[start : start + _CHUNK]))
        )
        for row in rows:
            grants[row.node_id].append((row.principal, row.role))
    return grants


class AllowedCalculator:
    """Tokens of many nodes whose lineages are loaded, each ancestor computed once."""

    def __init__(self, grants: dict[int, list[tuple[str, str]]], now: dt.datetime):
        self.grants = grants
        self.now = now
        self._cumulative: dict[int, frozenset[str]] = {}

    def holders(self, chain, role: str) -> set[str]:
        """Tokens holding ``role`` on the first node of ``chain`` (the node, then its
        ancestors up to the first that blocks inheritance)."""
        tokens: set[str] = set()
        if role in _ROLE_TOKENS:
            tokens.add(f"role:{role}")
        for node in chain:
            if role == OWNER and node.owner_id is not None:
                tokens.add(f"user:{node.owner_id}")
            tokens.update(p for p, r in self.grants.get(node.id, ()) if r == role)
        return tokens

    def permission_tokens(self, chain, permission: str) -> set[str]:
        tokens: set[str] = set()
        for role in permission_roles(chain[0].state, permission):
            tokens |= self.holders(chain, role)
        return tokens

    @staticmethod
    def chain(lineage) -> list:
        """The last node of ``lineage`` and the ancestors it inherits roles from."""
        chain = []
        for node in reversed(lineage):
            chain.append(node)
            if not node.inherit_roles:
                break
        return chain

    def in_effect(self, node) -> bool:
        return (node.effective is None or node.effective <= self.now) and (
            node.expires is None or node.expires > self.now
        )

    def own(self, lineage, as_ancestor: bool) -> frozenset[str]:
        """Who may view the last node of ``lineage`` itself."""
        chain = self.chain(lineage)
        tokens = frozenset(self.permission_tokens(chain, VIEW))
        if as_ancestor and not self.in_effect(chain[0]):
            managers = self.permission_tokens(chain, EDIT) | self.permission_tokens(chain, REVIEW)
            tokens = intersect(tokens, managers)
        return tokens

    def allowed(self, node) -> frozenset[str]:
        """The ``allowed`` tokens of ``node`` (its lineage must be loaded)."""
        lineage = node.lineage
        result = None
        for depth, ancestor in enumerate(lineage[:-1], start=1):
            cached = self._cumulative.get(ancestor.id)
            if cached is None:
                own = self.own(lineage[:depth], as_ancestor=True)
                cached = own if result is None else intersect(result, own)
                self._cumulative[ancestor.id] = cached
            result = cached
        own = self.own(lineage, as_ancestor=False)
        return own if result is None else intersect(result, own)
