"""Group administration for Managers: list, create, rename, members, delete.

A service over the session, usable without a request; the views fire ``GroupChanged``.

A group is named two ways: ``name`` is the stable identifier (scripts and exports refer
to it, so it never changes once created) and ``title`` is what people read (a rename
changes only the title). Grants name the group by its id (``group:<id>``, never reused),
so a group deleted and created again under the same name inherits nothing: its local and
global role grants and its members go with it, by the foreign keys' ON DELETE CASCADE.

A member is a user or a whole organisation (every member of it, today's and tomorrow's).
Only active users and organisations still in the network are added; those disabled or
retired later stay listed (and may be removed) but reach nothing meanwhile - the security
policy ignores them (``security.principals.principals_for``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import exists, func, or_, select

from tavolo.accounts.identifiers import parse_id
from tavolo.accounts.models import Group, GroupMember, Organisation, User
from tavolo.content.models import Node
from tavolo.security.models import GlobalRole, LocalRole

NAME_MAX_LENGTH = 100
TITLE_MAX_LENGTH = 200
SEARCH_MAX_LENGTH = 100
SEARCH_MIN_LENGTH = 2
CANDIDATE_LIMIT = 20  # per kind: a search is meant to be narrowed, not paged through
GRANTS_SHOWN = 20  # on the delete confirmation; the rest is counted
MEMBER_KINDS = ("user", "org")


class MemberNotFound(LookupError):
    """No such user or organisation (or a malformed member key)."""


class MemberRefused(ValueError):
    """A disabled user or a retired organisation: not offered, so not added either.
    ``member`` is the user or organisation."""

    def __init__(self, member):
        super().__init__(repr(member))
        self.member = member


@dataclass(frozen=True)
class GroupRow:
    """One line of the list: the group and what hangs on it."""

    group: Group
    users: int
    organisations: int
    grants: int  # local and global role grants together


@dataclass(frozen=True)
class Candidates:
    """Who may be added, for a search: at most ``CANDIDATE_LIMIT`` of each kind, and
    whether more of that kind matched."""

    users: list[User] = field(default_factory=list)
    organisations: list[Organisation] = field(default_factory=list)
    more_users: bool = False
    more_organisations: bool = False

    def __bool__(self) -> bool:
        return bool(self.users or self.organisations)


@dataclass(frozen=True)
class Grant:
    role: str
    path: str
    title: str


@dataclass(frozen=True)
class DeletionSummary:
    """What goes with a group when it is deleted."""

    users: int
    organisations: int
    local_grants: list[Grant]  # the first GRANTS_SHOWN, by path
    local_count: int
    global_roles: list[str]

    @property
    def members(self) -> int:
        return self.users + self.organisations

    def audit_details(self) -> dict:
        return {
            "members": self.members,
            "local_roles": self.local_count,
            "global_roles": len(self.global_roles),
        }


def parse_member(value) -> tuple[str, int]:
    """``user:5`` -> ("user", 5), ``org:3`` -> ("org", 3); else ``MemberNotFound``."""
    kind, _sep, number = (value or "").partition(":")
    member_id = parse_id(number)
    if kind not in MEMBER_KINDS or member_id is None:
        raise MemberNotFound(value)
    return kind, member_id


def member_key(member) -> str:
    return f"user:{member.id}" if isinstance(member, User) else f"org:{member.id}"


def member_name(member) -> str:
    return member.fullname if isinstance(member, User) else member.name


def _like(column, text: str):
    return func.lower(column).contains(text, autoescape=True)


class GroupAdministration:
    def __init__(self, dbsession):
        self.dbsession = dbsession

    # the list --------------------------------------------------------------------------
    def _filtered(self, query: str):
        statement = select(Group)
        needle = (query or "").strip()[:SEARCH_MAX_LENGTH].lower()
        if needle:
            statement = statement.where(or_(_like(Group.title, needle), _like(Group.name, needle)))
        return statement

    def count(self, query: str = "") -> int:
        subquery = self._filtered(query).with_only_columns(Group.id).subquery()
        return self.dbsession.scalar(select(func.count()).select_from(subquery))

    def groups(self, query: str = "", offset: int = 0, limit: int = 25) -> list[GroupRow]:
        """A page of groups by title, with their counts: correlated subqueries, so the
        whole page is one query however many groups it shows."""

        def counted(model, *conditions):
            return (
                select(func.count())
                .select_from(model)
                .where(model.group_id == Group.id, *conditions)
                .correlate(Group)
                .scalar_subquery()
            )

        statement = (
            self._filtered(query)
            .add_columns(
                counted(GroupMember, GroupMember.user_id.is_not(None)),
                counted(GroupMember, GroupMember.organisation_id.is_not(None)),
                counted(LocalRole),
                counted(GlobalRole),
            )
            .order_by(func.lower(Group.title), Group.id)
            .offset(offset)
            .limit(limit)
        )
        return [
            GroupRow(group, users, organisations, local + global_)
            for group, users, organisations, local, global_ in self.dbsession.execute(statement)
        ]

    def get(self, group_id) -> Group | None:
        number = parse_id(group_id)
        return self.dbsession.get(Group, number) if number is not None else None

    def name_taken(self, name: str) -> bool:
        return self.dbsession.scalar(select(exists().where(Group.name == name)))

    # creating and renaming -------------------------------------------------------------
    def create(self, *, name: str, title: str) -> Group:
        """A new empty group. The caller checked the name (``identifier_validator`` with
        ``name_taken``); the unique constraint still refuses a duplicate created at the same
        moment."""
        group = Group(name=name.strip().lower(), title=title.strip())
        self.dbsession.add(group)
        self.dbsession.flush()
        return group

    def rename(self, group: Group, title: str) -> dict:
        """Change the title (never the name); ``{"title": [before, after]}`` or ``{}``."""
        title = title.strip()
        if title == group.title:
            return {}
        before, group.title = group.title, title
        self.dbsession.flush()
        return {"title": [before, title]}

    # members ---------------------------------------------------------------------------
    def members(self, group: Group) -> tuple[list[User], list[Organisation]]:
        users = self.dbsession.scalars(
            select(User)
            .join(GroupMember, GroupMember.user_id == User.id)
            .where(GroupMember.group_id == group.id)
            .order_by(func.lower(User.fullname), User.id)
        ).all()
        organisations = self.dbsession.scalars(
            select(Organisation)
            .join(GroupMember, GroupMember.organisation_id == Organisation.id)
            .where(GroupMember.group_id == group.id)
            .order_by(func.lower(Organisation.name), Organisation.id)
        ).all()
        return list(users), list(organisations)

    def candidates(self, group: Group, text: str, limit: int = CANDIDATE_LIMIT) -> Candidates:
        """Active users (by name, login or e-mail) and organisations still in the network
        (by name) matching ``text`` that are not members yet."""
        text = (text or "").strip()[:SEARCH_MAX_LENGTH].lower()
        if len(text) < SEARCH_MIN_LENGTH:
            return Candidates()
        in_group = GroupMember.group_id == group.id
        users = self.dbsession.scalars(
            select(User)
            .where(
                User.active.is_(True),
                or_(_like(User.fullname, text), _like(User.login, text), _like(User.email, text)),
                ~exists().where(in_group, GroupMember.user_id == User.id),
            )
            .order_by(func.lower(User.fullname), User.id)
            .limit(limit + 1)
        ).all()
        organisations = self.dbsession.scalars(
            select(Organisation)
            .where(
                Organisation.retired.is_(None),
                _like(Organisation.name, text),
                ~exists().where(in_group, GroupMember.organisation_id == Organisation.id),
            )
            .order_by(func.lower(Organisation.name), Organisation.id)
            .limit(limit + 1)
        ).all()
        return Candidates(
            users=list(users[:limit]),
            organisations=list(organisations[:limit]),
            more_users=len(users) > limit,
            more_organisations=len(organisations) > limit,
        )

    def find_member(self, key: str) -> User | Organisation:
        """The user or organisation a member key names; ``MemberNotFound`` if none."""
        kind, number = parse_member(key)
        member = self.dbsession.get(User if kind == "user" else Organisation, number)
        if member is None:
            raise MemberNotFound(key)
        return member

    def _membership(self, group: Group, member) -> GroupMember | None:
        column = GroupMember.user_id if isinstance(member, User) else GroupMember.organisation_id
        return self.dbsession.scalars(
            select(GroupMember).where(GroupMember.group_id == group.id, column == member.id)
        ).first()

    def add_member(self, group: Group, key: str) -> tuple[User | Organisation, bool]:
        """Add the user or organisation ``key`` names; returns it and whether it was added
        (False: it already was a member, nothing changed). A disabled user or a retired
        organisation is refused (``MemberRefused``), an unknown one too (``MemberNotFound``)."""
        member = self.find_member(key)
        if isinstance(member, User) and not member.active:
            raise MemberRefused(member)
        if isinstance(member, Organisation) and member.retired is not None:
            raise MemberRefused(member)
        if self._membership(group, member) is not None:
            return member, False
        column = "user_id" if isinstance(member, User) else "organisation_id"
        self.dbsession.add(GroupMember(group_id=group.id, **{column: member.id}))
        self.dbsession.flush()
        return member, True

    def remove_member(self, group: Group, key: str) -> tuple[User | Organisation, bool]:
        """Remove the user or organisation ``key`` names, whatever its state; returns it
        and whether it was removed (False: it was not a member)."""
        member = self.find_member(key)
        row = self._membership(group, member)
        if row is None:
            return member, False
        self.dbsession.delete(row)
        self.dbsession.flush()
        return member, True

    # deleting --------------------------------------------------------------------------
    def deletion_summary(self, group: Group, shown: int = GRANTS_SHOWN) -> DeletionSummary:
        users, organisations = self.dbsession.execute(
            select(
                func.count(GroupMember.user_id),
                func.count(GroupMember.organisation_id),
            ).where(GroupMember.group_id == group.id)
        ).one()
        local = LocalRole.group_id == group.id
        local_count = self.dbsession.scalar(
            select(func.count()).select_from(LocalRole).where(local)
        )
        rows = []
        if shown:
            rows = self.dbsession.execute(
                select(LocalRole.role, Node.path, Node.title)
                .join(Node, Node.id == LocalRole.node_id)
                .where(local)
                .order_by(Node.path, LocalRole.role)
                .limit(shown)
            ).all()
        global_roles = self.dbsession.scalars(
            select(GlobalRole.role).where(GlobalRole.group_id == group.id).order_by(GlobalRole.role)
        ).all()
        return DeletionSummary(
            users=users,
            organisations=organisations,
            local_grants=[Grant(role, path, title) for role, path, title in rows],
            local_count=local_count,
            global_roles=list(global_roles),
        )

    def delete(self, group: Group) -> DeletionSummary:
        """Delete the group; its members and role grants go with it (ON DELETE CASCADE).

        Returns what went with it, counted before the delete: afterwards nothing is left
        to count. The group object keeps its loaded id, name and title for the audit."""
        summary = self.deletion_summary(group, shown=0)
        # The group maps no relationships: the ORM deletes its row alone and the database
        # removes the member and grant rows, whose objects no caller holds.
        self.dbsession.delete(group)
        self.dbsession.flush()
        return summary
