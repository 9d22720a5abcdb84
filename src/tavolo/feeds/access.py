"""Who a feed is computed for: the anonymous visitor, or the owner of a feed token.

A feed never uses the request's login session: a feed URL copied from a logged-in browser
must show what it will show in a feed reader. A token opens feed views only; pages ignore
it.
"""

from __future__ import annotations

from dataclasses import dataclass

from tavolo.accounts.feed_tokens import FeedTokenService, needs_touch, touch_last_used
from tavolo.accounts.models import User
from tavolo.content.models import Node
from tavolo.db import utcnow
from tavolo.security.policy import RoleCalculator
from tavolo.security.principals import ANONYMOUS_PRINCIPALS, principals_for
from tavolo.security.roles import VIEW

TOKEN_PARAMETER = "token"  # noqa: S105 - the query parameter's name, not a secret


class InvalidFeedToken(Exception):
    """A token was given but opens nothing (unknown, revoked, or its account disabled)."""


@dataclass(frozen=True)
class FeedReader:
    calculator: RoleCalculator
    user: User | None = None

    @property
    def personal(self) -> bool:
        return self.user is not None

    def may_view(self, node: Node) -> bool:
        """The security policy decides, dates included, for the node and its ancestors."""
        return self.calculator.permits(node, VIEW)


def anonymous_reader(dbsession) -> FeedReader:
    return FeedReader(RoleCalculator(dbsession, ANONYMOUS_PRINCIPALS))


def feed_reader(request) -> FeedReader:
    """The reader of this feed request; raises ``InvalidFeedToken`` for a dead token."""
    token = request.GET.get(TOKEN_PARAMETER)
    if token is None:
        return anonymous_reader(request.dbsession)
    found = FeedTokenService(request.dbsession).authenticate(token)
    if found is None:
        raise InvalidFeedToken()
    row, user = found
    if needs_touch(row, utcnow()):
        # GET never writes in the request's transaction: a short one of its own, once the
        # request's transaction has ended (response callbacks run after pyramid_tm).
        token_id = row.id
        request.add_response_callback(
            lambda request, response: touch_last_used(request.registry, token_id)
        )
    return FeedReader(
        RoleCalculator(request.dbsession, principals_for(request.dbsession, user)), user
    )
