"""A user's own profile: what the site knows about them, and the choices that are theirs.

Name, login and e-mail are changed by the site's administrators only (the e-mail is where
the password links go: whoever could change it could take over the account with a reset).
The user chooses their language and how the review workflow's notices reach them.

A service over the session, usable without a request; the views fire ``AccountChanged``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from tavolo.accounts.models import (
    FeedToken,
    Group,
    GroupMember,
    Membership,
    NotificationMode,
    Organisation,
    User,
)
from tavolo.i18n import LOCALES


class ProfileRefused(ValueError):
    """A value the profile does not accept (an unknown language or notification mode)."""


@dataclass
class GroupMembership:
    """A group the user belongs to, in person and/or through some of their organisations."""

    group: Group
    in_person: bool = False
    through: list[Organisation] = field(default_factory=list)


class ProfileService:
    def __init__(self, dbsession):
        self.dbsession = dbsession

    # reading ---------------------------------------------------------------------------
    def memberships(self, user: User) -> list[Membership]:
        """The user's organisations, retired ones included (the page marks them)."""
        return list(
            self.dbsession.scalars(
                select(Membership)
                .join(Organisation, Organisation.id == Membership.organisation_id)
                .where(Membership.user_id == user.id)
                .options(selectinload(Membership.organisation))
                .order_by(Organisation.name)
            )
        )

    def groups(self, user: User) -> list[GroupMembership]:
        """The groups that count the user as a member, and how, sorted by title.

        The same rule as ``security.principals``: through an organisation only while it is
        in the network; a retired organisation's membership of a group reaches no one, so
        showing it would promise access the user does not have.
        """
        live_organisations = (
            select(Membership.organisation_id)
            .join(Organisation, Organisation.id == Membership.organisation_id)
            .where(Membership.user_id == user.id, Organisation.retired.is_(None))
        )
        rows = self.dbsession.execute(
            select(GroupMember, Group, Organisation)
            .join(Group, Group.id == GroupMember.group_id)
            .outerjoin(Organisation, Organisation.id == GroupMember.organisation_id)
            .where(
                or_(
                    GroupMember.user_id == user.id,
                    GroupMember.organisation_id.in_(live_organisations),
                )
            )
            .order_by(Group.title, Group.id, Organisation.name)
        )
        found: dict[int, GroupMembership] = {}
        for member, group, organisation in rows:
            entry = found.setdefault(group.id, GroupMembership(group))
            if member.user_id is not None:
                entry.in_person = True
            elif organisation is not None:
                entry.through.append(organisation)
        return list(found.values())

    def active_feed_tokens(self, user: User) -> int:
        return self.dbsession.scalar(
            select(func.count())
            .select_from(FeedToken)
            .where(FeedToken.user_id == user.id, FeedToken.revoked.is_(None))
        )

    # changing --------------------------------------------------------------------------
    def update(self, user: User, *, language: str | None, notifications: str) -> dict:
        """Save the user's own choices; returns ``{field: [before, after]}`` (as stored,
        so the audit trail shows ``"en"`` and ``"digest"``), empty when nothing changed."""
        if language is not None and language not in LOCALES:
            raise ProfileRefused("language")
        try:
            mode = NotificationMode(notifications)
        except ValueError:
            raise ProfileRefused("notifications") from None
        wanted = {"language": language, "notifications": mode}
        changes = {}
        for name, value in wanted.items():
            before = getattr(user, name)
            if before != value:
                changes[name] = [_plain(before), _plain(value)]
                setattr(user, name, value)
        self.dbsession.flush()
        return changes


def _plain(value):
    """An enum member as its stored value: the audit trail keeps JSON."""
    return value.value if isinstance(value, NotificationMode) else value
