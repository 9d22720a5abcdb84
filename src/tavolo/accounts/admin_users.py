"""User administration for Managers: list, create, edit, disable and re-enable accounts.

A service over the session, usable without a request; the views fire the events
(``AccountChanged``, ``MembershipChanged``) and send invitations (``InvitationService``).

A new account has no password (``password_hash`` is NULL: nothing verifies against it, see
``passwords.verify_password``) until its owner sets one from the invitation link. Login
names are stored lower-case (``login.normalise_login`` compares them so) and must match a
safe pattern; e-mail addresses are unique without regard to case, checked here (the
column has no unique constraint: the demo and older data may share one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import selectinload

from tavolo.accounts.identifiers import parse_id
from tavolo.accounts.models import Membership, Organisation, User
from tavolo.accounts.onetime import PasswordTokens
from tavolo.accounts.sessions import end_sessions_of
from tavolo.i18n import LOCALES

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
EMAIL_MAX_LENGTH = 254
FULLNAME_MAX_LENGTH = 200
FUNCTION_MAX_LENGTH = 200
SEARCH_MAX_LENGTH = 100

STATUS_ACTIVE = "attivi"
STATUS_DISABLED = "disattivati"
STATUSES = (STATUS_ACTIVE, STATUS_DISABLED)
SORTS = {
    "nome": (User.fullname, User.id),
    "login": (User.login,),
    "email": (User.email, User.id),
    "creato": (User.created.desc(), User.id.desc()),
}
DEFAULT_SORT = "nome"


class AdministrationRefused(ValueError):
    """An operation that would leave the site worse off (disabling oneself, say)."""


@dataclass(frozen=True)
class UserFilter:
    query: str = ""
    organisation_id: int | None = None
    status: str = ""
    sort: str = DEFAULT_SORT

    @classmethod
    def from_params(cls, params) -> UserFilter:
        organisation_id = parse_id(params.get("organizzazione"))
        status = params.get("stato", "")
        sort = params.get("ordina", DEFAULT_SORT)
        return cls(
            query=(params.get("cerca") or "").strip()[:SEARCH_MAX_LENGTH],
            organisation_id=organisation_id,
            status=status if status in STATUSES else "",
            sort=sort if sort in SORTS else DEFAULT_SORT,
        )


def normalise_email(email: str) -> str:
    return (email or "").strip()


def email_valid(email: str) -> bool:
    return len(email) <= EMAIL_MAX_LENGTH and bool(EMAIL_PATTERN.match(email))


class UserAdministration:
    def __init__(self, dbsession):
        self.dbsession = dbsession

    # reading ---------------------------------------------------------------------------
    def _filtered(self, user_filter: UserFilter):
        statement = select(User)
        if user_filter.query:
            needle = user_filter.query.lower()
            statement = statement.where(
                or_(
                    func.lower(User.fullname).contains(needle, autoescape=True),
                    func.lower(User.login).contains(needle, autoescape=True),
                    func.lower(User.email).contains(needle, autoescape=True),
                )
            )
        if user_filter.organisation_id is not None:
            statement = statement.where(
                exists().where(
                    Membership.user_id == User.id,
                    Membership.organisation_id == user_filter.organisation_id,
                )
            )
        if user_filter.status == STATUS_ACTIVE:
            statement = statement.where(User.active.is_(True))
        elif user_filter.status == STATUS_DISABLED:
            statement = statement.where(User.active.is_(False))
        return statement

    def count(self, user_filter: UserFilter) -> int:
        subquery = self._filtered(user_filter).with_only_columns(User.id).subquery()
        return self.dbsession.scalar(select(func.count()).select_from(subquery))

    def users(self, user_filter: UserFilter, offset: int = 0, limit: int = 25) -> list[User]:
        statement = (
            self._filtered(user_filter)
            .options(selectinload(User.memberships).selectinload(Membership.organisation))
            .order_by(*SORTS[user_filter.sort])
            .offset(offset)
            .limit(limit)
        )
        return list(self.dbsession.scalars(statement))

    def get(self, user_id) -> User | None:
        user_id = parse_id(user_id)
        return self.dbsession.get(User, user_id) if user_id is not None else None

    def organisations(self, include_retired: bool = False) -> list[Organisation]:
        """The organisations to choose from; a retired one takes no new members, so it is
        left out unless ``include_retired`` (a filter over existing accounts, say)."""
        statement = select(Organisation).order_by(Organisation.name)
        if not include_retired:
            statement = statement.where(Organisation.retired.is_(None))
        return list(self.dbsession.scalars(statement))

    def login_taken(self, login: str) -> bool:
        return self.dbsession.scalar(select(exists().where(User.login == login)))

    def email_taken(self, email: str, except_user_id: int | None = None) -> bool:
        condition = func.lower(User.email) == normalise_email(email).lower()
        if except_user_id is not None:
            condition = condition & (User.id != except_user_id)
        return self.dbsession.scalar(select(exists().where(condition)))

    # changing --------------------------------------------------------------------------
    def create(
        self,
        *,
        login: str,
        fullname: str,
        email: str,
        language: str | None = None,
        organisation_id: int | None = None,
        function: str = "",
        signatory: bool = False,
    ) -> tuple[User, Membership | None]:
        """A new active account without a password, and its membership if an organisation
        is given. The caller checked the login and e-mail (``login_taken``, ``email_taken``)."""
        user = User(
            login=login.strip().lower(),
            fullname=fullname.strip(),
            email=normalise_email(email),
            language=language if language in LOCALES else None,
            active=True,
            password_hash=None,
        )
        self.dbsession.add(user)
        self.dbsession.flush()
        membership = None
        if organisation_id is not None:
            membership = Membership(
                user_id=user.id,
                organisation_id=organisation_id,
                function=(function or "").strip()[:FUNCTION_MAX_LENGTH],
                signatory=bool(signatory),
            )
            self.dbsession.add(membership)
            self.dbsession.flush()
            self.dbsession.refresh(membership)
        return user, membership

    def update(self, user: User, *, fullname: str, email: str, language: str | None) -> dict:
        """Change name, e-mail and language; returns ``{field: [before, after]}``."""
        wanted = {
            "fullname": fullname.strip(),
            "email": normalise_email(email),
            "language": language if language in LOCALES else None,
        }
        changes = {}
        for name, value in wanted.items():
            before = getattr(user, name)
            if before != value:
                changes[name] = [before, value]
                setattr(user, name, value)
        self.dbsession.flush()
        return changes

    def disable(self, user: User, actor: User | None) -> bool:
        """Disable the account: its sessions end at once, its one-time links die, its feed
        tokens open nothing (they check ``active``). False if it already was disabled."""
        if actor is not None and actor.id == user.id:
            raise AdministrationRefused("self")
        if not user.active:
            return False
        user.active = False
        end_sessions_of(self.dbsession, user.id)
        PasswordTokens(self.dbsession).retire_all(user)
        self.dbsession.flush()
        return True

    def enable(self, user: User) -> bool:
        if user.active:
            return False
        user.active = True
        self.dbsession.flush()
        return True
