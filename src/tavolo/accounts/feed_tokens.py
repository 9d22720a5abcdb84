"""Personal feed tokens: a feed reader fetches feeds as its owner with ``?token=...``.

Only the SHA-256 of a token is stored; its owner sees the token once, when it is made. A
revoked token, or any token of a disabled account, opens nothing. A token authenticates
feed views only, never pages (see ``tavolo.feeds.access``).

Feeds are GET requests, which never write in the request's transaction: the last-used time
is refreshed at most once a minute on a short transaction of its own
(``touch_last_used``), like the login session's last-seen time.
"""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import or_, select, update

from tavolo.accounts.models import FeedToken, User
from tavolo.accounts.sessions import hash_token
from tavolo.db import independent_transaction, utcnow

TOUCH_INTERVAL = dt.timedelta(minutes=1)
LABEL_MAX = 100
# secrets.token_urlsafe(32) gives 43 characters; anything much longer is not ours.
TOKEN_MAX = 100


class FeedTokenNotFound(LookupError):
    """No such token among the user's own."""


class FeedTokenService:
    def __init__(self, dbsession):
        self.dbsession = dbsession

    def tokens_of(self, user: User) -> list[FeedToken]:
        return list(
            self.dbsession.scalars(
                select(FeedToken)
                .where(FeedToken.user_id == user.id)
                .order_by(FeedToken.created.desc(), FeedToken.id.desc())
            )
        )

    def create(self, user: User, label: str = "") -> tuple[str, FeedToken]:
        """A new token for ``user``: the token itself (shown once) and its stored row."""
        token = secrets.token_urlsafe(32)
        row = FeedToken(
            user_id=user.id,
            token_hash=hash_token(token),
            label=(label or "").strip()[:LABEL_MAX],
            created=utcnow(),
        )
        self.dbsession.add(row)
        self.dbsession.flush()
        return token, row

    def revoke(self, user: User, token_id: int) -> FeedToken:
        """Revoke one of ``user``'s own tokens; someone else's is "not found"."""
        row = self.dbsession.scalars(
            select(FeedToken).where(FeedToken.id == token_id, FeedToken.user_id == user.id)
        ).one_or_none()
        if row is None:
            raise FeedTokenNotFound(token_id)
        if row.revoked is None:
            row.revoked = utcnow()
            self.dbsession.flush()
        return row

    def authenticate(self, token: str) -> tuple[FeedToken, User] | None:
        """The live token and its active owner, or None (unknown, revoked, disabled)."""
        if not token or len(token) > TOKEN_MAX:
            return None
        row = self.dbsession.execute(
            select(FeedToken, User)
            .join(User, User.id == FeedToken.user_id)
            .where(
                FeedToken.token_hash == hash_token(token),
                FeedToken.revoked.is_(None),
                User.active.is_(True),
            )
        ).first()
        return (row[0], row[1]) if row is not None else None


def needs_touch(row: FeedToken, now: dt.datetime) -> bool:
    return row.last_used is None or now - row.last_used >= TOUCH_INTERVAL


def touch_last_used(registry, token_id: int, now: dt.datetime | None = None) -> None:
    """Record a use of the token, at most once a minute, beside the request's transaction.

    The condition is in the UPDATE itself, so concurrent fetches write once.
    """
    now = now or utcnow()
    with independent_transaction(registry) as connection:
        connection.execute(
            update(FeedToken)
            .where(
                FeedToken.id == token_id,
                or_(FeedToken.last_used.is_(None), FeedToken.last_used <= now - TOUCH_INTERVAL),
            )
            .values(last_used=now)
        )
