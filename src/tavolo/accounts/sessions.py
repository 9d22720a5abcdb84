"""Server-side login sessions.

The cookie carries a random token; the ``auth_sessions`` row is keyed by its SHA-256. A
tween placed over pyramid_tm resolves the cookie before the request's transaction starts,
on its own short connection, so that:

* refreshing the last-seen time (at most once a minute) is the only write a GET makes, and
  it happens outside the request's transaction - a failing request cannot undo it and it
  cannot make a read-only request write;
* on SQLite, an unsafe request that holds the write lock never waits on it.

Logout and disabling an account delete the rows: the next request is anonymous at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.exc import OperationalError

from tavolo.accounts.models import AuthSession, User
from tavolo.db import independent_transaction, utcnow
from tavolo.settings import secure_cookies

log = logging.getLogger(__name__)

COOKIE_NAME = "tavolo_session"
ENVIRON_KEY = "tavolo.auth"


@dataclass(frozen=True)
class SessionPolicy:
    idle_timeout: dt.timedelta
    absolute_timeout: dt.timedelta
    touch_interval: dt.timedelta
    secure_cookies: bool

    @classmethod
    def from_settings(cls, settings) -> SessionPolicy:
        def seconds(key, default):
            return dt.timedelta(seconds=int(settings.get(key, default)))

        return cls(
            idle_timeout=seconds("tavolo.session.idle_timeout", 30 * 60),
            absolute_timeout=seconds("tavolo.session.absolute_timeout", 12 * 3600),
            touch_interval=seconds("tavolo.session.touch_interval", 60),
            secure_cookies=secure_cookies(settings),
        )


@dataclass(frozen=True)
class ResolvedSession:
    session_id: str
    user_id: int


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def session_policy(registry) -> SessionPolicy:
    return registry["tavolo.session_policy"]


def resolve(request) -> ResolvedSession | None:
    """Look the cookie up; end the session if it has expired or its user is disabled."""
    token = request.cookies.get(COOKIE_NAME)
    if not token:
        return None
    policy = session_policy(request.registry)
    session_id = hash_token(token)
    now = utcnow()
    # Read first, write (rarely) in a transaction of its own: see independent_transaction
    # for why a read-then-write transaction fails on SQLite under concurrent saves.
    with independent_transaction(request.registry) as connection:
        row = connection.execute(
            select(AuthSession.created, AuthSession.last_seen, AuthSession.user_id, User.active)
            .join(User, User.id == AuthSession.user_id)
            .where(AuthSession.id == session_id)
        ).first()
    if row is None:
        return None
    created, last_seen, user_id, active = row
    created = _aware(created)
    last_seen = _aware(last_seen)
    expired = (
        not active
        or now - last_seen > policy.idle_timeout
        or now - created > policy.absolute_timeout
    )
    if expired:
        _write_beside_request(request, delete(AuthSession).where(AuthSession.id == session_id))
        return None
    if now - last_seen >= policy.touch_interval:
        # The condition is in the UPDATE too, so a burst of requests writes once.
        _write_beside_request(
            request,
            update(AuthSession)
            .where(
                AuthSession.id == session_id,
                AuthSession.last_seen <= now - policy.touch_interval,
            )
            .values(last_seen=now),
        )
    return ResolvedSession(session_id, user_id)


def _write_beside_request(request, statement) -> None:
    """Bookkeeping write (last seen, an expired row's removal) that never fails the request.

    If the database stays locked beyond its busy timeout the write is skipped and logged:
    the next request writes it again, and the session is judged from what was read.
    """
    try:
        with independent_transaction(request.registry, write=True) as connection:
            connection.execute(statement)
    except OperationalError:
        log.warning("session bookkeeping skipped: database busy", exc_info=True)


def _aware(value: dt.datetime) -> dt.datetime:
    # Core selects bypass nothing: UTCDateTime already returns aware values. Kept explicit
    # because a raw driver value would be naive on SQLite.
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def session_tween_factory(handler, registry):
    static_prefix = "/static/"

    def session_tween(request):
        if request.path_info.startswith(static_prefix):
            request.environ[ENVIRON_KEY] = None
            return handler(request)
        resolved = resolve(request)
        request.environ[ENVIRON_KEY] = resolved
        response = handler(request)
        if (
            resolved is None
            and request.cookies.get(COOKIE_NAME)
            and not getattr(request, "_tavolo_session_started", False)
        ):
            # A stale cookie: drop it so the browser stops sending it.
            _expire_cookie(request, response)
        return response

    return session_tween


def current_session(request) -> ResolvedSession | None:
    return request.environ.get(ENVIRON_KEY)


def current_user(request) -> User | None:
    """The logged-in user, loaded once per request in the request's own session."""
    resolved = current_session(request)
    if resolved is None:
        return None
    cache = request.environ.setdefault("tavolo.user_cache", {})
    if "user" not in cache:
        user = request.dbsession.get(User, resolved.user_id)
        cache["user"] = user if user is not None and user.active else None
    return cache["user"]


def start_session(request, user_id: int) -> list[tuple[str, str]]:
    """Create a session with a fresh id (never the one the browser came with)."""
    end_session(request, headers=False)
    token = secrets.token_urlsafe(32)
    request.dbsession.add(
        AuthSession(
            id=hash_token(token),
            user_id=user_id,
            address=request.remote_addr,
            user_agent=(request.user_agent or "")[:500],
        )
    )
    request._tavolo_session_started = True
    policy = session_policy(request.registry)

    def set_cookie(request, response):
        response.set_cookie(
            COOKIE_NAME,
            token,
            httponly=True,
            secure=policy.secure_cookies,
            samesite="Lax",
            path="/",
            max_age=int(policy.absolute_timeout.total_seconds()),
        )

    request.add_response_callback(set_cookie)
    return []


def end_session(request, headers: bool = True) -> list[tuple[str, str]]:
    resolved = current_session(request)
    if resolved is not None:
        request.dbsession.execute(delete(AuthSession).where(AuthSession.id == resolved.session_id))
        request.environ[ENVIRON_KEY] = None
        request.environ.pop("tavolo.user_cache", None)
    if headers:
        request.add_response_callback(lambda request, response: _expire_cookie(request, response))
    return []


def purge_expired(dbsession, policy: SessionPolicy) -> int:
    """Delete sessions past their idle or absolute timeout: those whose browser never came
    back to be told. Returns how many went."""
    now = utcnow()
    result = dbsession.execute(
        delete(AuthSession).where(
            (AuthSession.last_seen < now - policy.idle_timeout)
            | (AuthSession.created < now - policy.absolute_timeout)
        )
    )
    return result.rowcount


def end_sessions_of(dbsession, user_id: int) -> None:
    """End every session of a user at once (used when an account is disabled)."""
    dbsession.execute(delete(AuthSession).where(AuthSession.user_id == user_id))


def _expire_cookie(request, response) -> None:
    policy = session_policy(request.registry)
    response.set_cookie(
        COOKIE_NAME,
        "",
        max_age=0,
        httponly=True,
        secure=policy.secure_cookies,
        samesite="Lax",
        path="/",
    )
