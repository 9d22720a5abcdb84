"""One-time links to set a password: invitations (72 hours) and resets (1 hour).

Only the SHA-256 of a token is stored; the token itself is only in the mail. A token is
live while unused, unexpired and its account active. Using one marks it used together
with every other live token of that account (an older reset link must not outlive the
password it was meant to replace); so does changing the password.

Mails go through ``request.mailer`` (or any pyramid_mailer mailer bound to a transaction
manager): they leave only when the transaction commits.

A reset request gives the same answer whether or not an account matches; the work that
differs (one token row, one mail handed over at commit) is small next to the request, and
a deployment that wants none uses a local relay or pyramid_mailer's queue (docs). At most
``RESET_LIMIT`` reset links per account are sent per ``RESET_WINDOW``, silently, so nobody
can flood a mailbox.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from pyramid_mailer.message import Message
from sqlalchemy import func, or_, select, update

from tavolo import events
from tavolo.accounts.models import PasswordToken, TokenPurpose, User
from tavolo.accounts.passwords import hash_password, verify_password
from tavolo.accounts.sessions import end_sessions_of, hash_token
from tavolo.db import utcnow
from tavolo.i18n import _

LIFETIMES = {
    TokenPurpose.INVITE: dt.timedelta(hours=72),
    TokenPurpose.RESET: dt.timedelta(hours=1),
}
RESET_LIMIT = 3
RESET_WINDOW = dt.timedelta(hours=1)
TOKEN_MAX = 100  # secrets.token_urlsafe(32) is 43 characters
IDENTIFIER_MAX = 254
SET_PASSWORD_VIEW = "@@set-password"  # noqa: S105 - a view name


class TokenInvalid(LookupError):
    """Unknown, used or expired token (or a disabled account): ``reason`` tells which."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class WrongPassword(ValueError):
    pass


@dataclass
class MailContext:
    """What the services need to send mail: a mailer, the site's address, a translator,
    and where to announce events (the request, so that the audit trail can record them)."""

    mailer: Any
    application_url: str
    site_name: str = "Tavolo"
    translate: Any = None
    notify: Any = None
    request: Any = None

    @classmethod
    def from_request(cls, request) -> MailContext:
        return cls(
            mailer=request.mailer,
            application_url=request.application_url,
            site_name=request.registry.settings.get("tavolo.site_name", "Tavolo"),
            translate=request.localizer.translate,
            notify=request.registry.notify,
            request=request,
        )

    def text(self, term) -> str:
        if self.translate is not None:
            return self.translate(term)
        return term.interpolate() if hasattr(term, "interpolate") else str(term)

    def fire(self, event) -> None:
        if self.notify is not None:
            self.notify(event)

    def link(self, token: str) -> str:
        return f"{self.application_url}/{SET_PASSWORD_VIEW}?token={token}"

    def send(self, user: User, subject, body) -> None:
        self.mailer.send(
            Message(
                subject=self.text(subject),
                recipients=[user.email],
                body=self.text(body),
                sender=self.mailer.default_sender,
            )
        )


class PasswordTokens:
    """Issue, look up and use one-time tokens."""

    def __init__(self, dbsession):
        self.dbsession = dbsession

    def issue(self, user: User, purpose: TokenPurpose) -> str:
        token = secrets.token_urlsafe(32)
        now = utcnow()
        self.dbsession.add(
            PasswordToken(
                user_id=user.id,
                purpose=purpose,
                token_hash=hash_token(token),
                created=now,
                expires=now + LIFETIMES[purpose],
            )
        )
        self.dbsession.flush()
        return token

    def recent_count(self, user: User, purpose: TokenPurpose, window: dt.timedelta) -> int:
        return self.dbsession.scalar(
            select(func.count(PasswordToken.id)).where(
                PasswordToken.user_id == user.id,
                PasswordToken.purpose == purpose,
                PasswordToken.created >= utcnow() - window,
            )
        )

    def live(self, token: str) -> tuple[PasswordToken, User]:
        """The live token row and its user; raises ``TokenInvalid`` otherwise. Reads only."""
        if not token or len(token) > TOKEN_MAX:
            raise TokenInvalid("unknown")
        row = self.dbsession.execute(
            select(PasswordToken, User)
            .join(User, User.id == PasswordToken.user_id)
            .where(PasswordToken.token_hash == hash_token(token))
        ).first()
        if row is None:
            raise TokenInvalid("unknown")
        found, user = row
        if found.used_at is not None:
            raise TokenInvalid("used")
        if found.expires <= utcnow() or not user.active:
            raise TokenInvalid("expired")
        return found, user

    def use(self, token: str) -> tuple[PasswordToken, User]:
        """Mark the token used - once: of two concurrent uses, only one succeeds."""
        found, user = self.live(token)
        now = utcnow()
        result = self.dbsession.execute(
            update(PasswordToken)
            .where(PasswordToken.id == found.id, PasswordToken.used_at.is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            raise TokenInvalid("used")
        self.retire_all(user, now)
        return found, user

    def retire_all(self, user: User, now: dt.datetime | None = None) -> None:
        """Mark every live token of ``user`` used."""
        self.dbsession.execute(
            update(PasswordToken)
            .where(
                PasswordToken.user_id == user.id,
                PasswordToken.used_at.is_(None),
                PasswordToken.expires > (now or utcnow()),
            )
            .values(used_at=now or utcnow())
            .execution_options(synchronize_session=False)
        )
        self.dbsession.expire_all()


class PasswordService:
    """Reset by mail, set with a one-time token, change with the current password."""

    def __init__(self, dbsession, mail: MailContext | None = None):
        self.dbsession = dbsession
        self.mail = mail
        self.tokens = PasswordTokens(dbsession)

    def accounts_matching(self, identifier: str) -> list[User]:
        needle = (identifier or "").strip().lower()[:IDENTIFIER_MAX]
        if not needle:
            return []
        return list(
            self.dbsession.scalars(
                select(User)
                .where(or_(User.login == needle, func.lower(User.email) == needle))
                .where(User.active.is_(True))
                .order_by(User.id)
            )
        )

    def request_reset(self, identifier: str) -> int:
        """Send a reset link to every active account with that login or e-mail. Returns
        how many mails were sent - for tests and logs, never for the visitor."""
        users = self.accounts_matching(identifier)
        sent = 0
        for user in users:
            if self.tokens.recent_count(user, TokenPurpose.RESET, RESET_WINDOW) >= RESET_LIMIT:
                continue
            token = self.tokens.issue(user, TokenPurpose.RESET)
            self.mail.send(user, *reset_mail(self.mail, user, token))
            sent += 1
        requested = (identifier or "").strip()[:IDENTIFIER_MAX]
        if users:
            for user in users:
                self.mail.fire(events.PasswordResetRequested(requested, user, self.mail.request))
        else:
            self.mail.fire(events.PasswordResetRequested(requested, None, self.mail.request))
        return sent

    def set_with_token(self, token: str, password: str) -> User:
        """Use the token and set the password; every session of the account ends."""
        _found, user = self.tokens.use(token)
        user.password_hash = hash_password(password)
        end_sessions_of(self.dbsession, user.id)
        self.dbsession.flush()
        if self.mail is not None:
            self.mail.fire(events.PasswordChanged(user, self.mail.request, by_reset=True))
        return user

    def change(self, user: User, current: str, new: str) -> None:
        """Change a password knowing the current one; other sessions and links end."""
        if not verify_password(user.password_hash, current or ""):
            raise WrongPassword()
        user.password_hash = hash_password(new)
        self.tokens.retire_all(user)
        end_sessions_of(self.dbsession, user.id)
        self.dbsession.flush()
        if self.mail is not None:
            self.mail.fire(events.PasswordChanged(user, self.mail.request, by_reset=False))


class InvitationService:
    """Invite a new user: a 72-hour link to set their password, by mail."""

    def __init__(self, dbsession, mail: MailContext):
        self.dbsession = dbsession
        self.mail = mail
        self.tokens = PasswordTokens(dbsession)

    def invite(self, user: User) -> None:
        token = self.tokens.issue(user, TokenPurpose.INVITE)
        self.mail.send(user, *invitation_mail(self.mail, user, token))
        self.mail.fire(events.UserInvited(user, self.mail.request))


def reset_mail(mail: MailContext, user: User, token: str):
    subject = _("${site}: reimposta la password", mapping={"site": mail.site_name})
    body = _(
        (
            "Gentile ${name},\n\n"
            "abbiamo ricevuto una richiesta di reimpostare la password del suo account "
            '"${login}" su ${site}.\n\n'
            "Per scegliere una nuova password apra questo collegamento entro un'ora:\n"
            "${link}\n\n"
            "Il collegamento si può usare una volta sola. Se non ha chiesto lei di "
            "reimpostare la password, ignori questo messaggio: la password attuale "
            "resta valida.\n"
        ),
        mapping={
            "name": user.fullname,
            "login": user.login,
            "site": mail.site_name,
            "link": mail.link(token),
        },
    )
    return subject, body


def invitation_mail(mail: MailContext, user: User, token: str):
    subject = _("${site}: invito all'area riservata", mapping={"site": mail.site_name})
    body = _(
        (
            "Gentile ${name},\n\n"
            "è stato creato per lei un account nell'area riservata di ${site}. "
            'Il suo nome utente è "${login}".\n\n'
            "Per scegliere la password apra questo collegamento entro 72 ore:\n"
            "${link}\n\n"
            "Il collegamento si può usare una volta sola. Se è scaduto, può chiederne "
            'uno nuovo dalla pagina "Password dimenticata?".\n'
        ),
        mapping={
            "name": user.fullname,
            "login": user.login,
            "site": mail.site_name,
            "link": mail.link(token),
        },
    )
    return subject, body
