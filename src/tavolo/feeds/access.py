"""Who a feed is computed for: the anonymous visitor, or the owner of a feed token.

A feed never uses the request's login session: a feed URL copied from a logged-in browser
must show what it will show in a feed reader. The feed views register
``resolve_feed_token`` with the security policy as their way of naming the caller, so that
their ``view`` permission is checked - like every other view's - for that caller. A token
opens feed views only; pages ignore it.
"""

from __future__ import annotations

from dataclasses import dataclass

from tavolo.accounts.feed_tokens import FeedTokenService, needs_touch, touch_last_used
from tavolo.accounts.models import User
from tavolo.content.models import Node
from tavolo.db import utcnow
from tavolo.security.policy import InvalidToken, RoleCalculator, calculator_for
from tavolo.security.principals import ANONYMOUS_PRINCIPALS
from tavolo.security.roles import VIEW

TOKEN_PARAMETER = "token"  # noqa: S105 - the query parameter's name, not a secret


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


def resolve_feed_token(request) -> User | None:
    """The caller of a feed request: a token's owner, or anonymous without a token.

    Raises ``InvalidToken`` for a dead token: the security policy then treats the caller
    as anonymous and the feed views refuse the request (see ``views``)."""
    token = request.GET.get(TOKEN_PARAMETER)
    if token is None:
        return None
    found = FeedTokenService(request.dbsession).authenticate(token)
    if found is None:
        raise InvalidToken()
    row, user = found
    if needs_touch(row, utcnow()):
        # GET never writes in the request's transaction: a short one of its own, once the
        # request's transaction has ended (response callbacks run after pyramid_tm).
        token_id = row.id
        request.add_response_callback(
            lambda request, response: touch_last_used(request.registry, token_id)
        )
    return user


def feed_reader(request) -> FeedReader:
    """The reader of this feed request, as the security policy resolved it."""
    return FeedReader(calculator_for(request), request.identity)
