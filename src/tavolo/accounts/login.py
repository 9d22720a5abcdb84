"""Checking credentials, with throttling per account and address together.

Throttling counts failures for the pair (login name, client address): after ``limit``
failures within ``window`` that pair gets 429 until the oldest failure leaves the window.
Someone hammering an account from elsewhere therefore cannot lock its owner out.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import delete, func, select

from tavolo.accounts.models import LoginFailure, User
from tavolo.accounts.passwords import hash_password, needs_rehash, verify_password
from tavolo.db import utcnow


@dataclass(frozen=True)
class Throttle:
    limit: int = 10
    window: dt.timedelta = dt.timedelta(minutes=5)

    @classmethod
    def from_settings(cls, settings) -> Throttle:
        return cls(
            limit=int(settings.get("tavolo.login.max_failures", 10)),
            window=dt.timedelta(seconds=int(settings.get("tavolo.login.failure_window", 300))),
        )


class LoginThrottled(Exception):
    def __init__(self, retry_after: int):
        super().__init__(f"too many failed logins; retry after {retry_after} s")
        self.retry_after = retry_after


LOGIN_MAX_LENGTH = 100  # users.login and login_failures.login


def normalise_login(login: str) -> str:
    """How a login name is compared and counted: trimmed, lower-case, bounded like the
    column, so that an over-long name is throttled like any other."""
    return (login or "").strip().lower()[:LOGIN_MAX_LENGTH]


class LoginService:
    def __init__(self, dbsession, throttle: Throttle):
        self.dbsession = dbsession
        self.throttle = throttle

    def retry_after(self, login: str, address: str) -> int | None:
        """Seconds to wait before this pair may try again, or None when it may now."""
        since = utcnow() - self.throttle.window
        count, oldest = self.dbsession.execute(
            select(func.count(LoginFailure.id), func.min(LoginFailure.at)).where(
                LoginFailure.login == normalise_login(login),
                LoginFailure.address == address[:64],
                LoginFailure.at >= since,
            )
        ).one()
        if count < self.throttle.limit:
            return None
        if oldest.tzinfo is None:  # func.min bypasses the column type on SQLite
            oldest = dt.datetime.fromisoformat(str(oldest)).replace(tzinfo=dt.UTC)
        wait = (oldest + self.throttle.window - utcnow()).total_seconds()
        return max(1, math.ceil(wait))

    def authenticate(self, login: str, password: str, address: str) -> User:
        """The active user these credentials belong to.

        Raises ``LoginThrottled`` when the pair is throttled (the password is not even
        checked) and ``ValueError`` for wrong credentials, unknown and disabled accounts
        alike - the caller shows one message for all of them.
        """
        name = normalise_login(login)
        address = address[:64]
        wait = self.retry_after(name, address)
        if wait is not None:
            raise LoginThrottled(wait)
        user = self.dbsession.scalars(select(User).where(User.login == name)).one_or_none()
        # Always one argon2 verification, known account or not.
        valid = verify_password(user.password_hash if user else None, password or "")
        if not (valid and user is not None and user.active):
            self.dbsession.add(LoginFailure(login=name, address=address))
            raise ValueError("invalid credentials")
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        self.dbsession.execute(
            delete(LoginFailure).where(LoginFailure.login == name, LoginFailure.address == address)
        )
        return user

    def prune_failures(self) -> int:
        """Forget failures older than the window; they no longer count."""
        result = self.dbsession.execute(
            delete(LoginFailure).where(LoginFailure.at < utcnow() - self.throttle.window)
        )
        return result.rowcount
