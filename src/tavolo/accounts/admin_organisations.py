"""Organisations administration for Managers: list, create, edit, retire, restore, delete,
and their members (function and signatory flag).

A service over the session, usable without a request; the views fire the events
(``OrganisationChanged``, ``MembershipChanged``) that the audit trail records.

An organisation is retired rather than deleted once anything refers to it: content names
it as responsible, decisions (later) are taken in its name, grants and groups name its
principal ``org:<id>``. Retiring keeps the row, so the history stays readable, while its
grants stop reaching anyone (``security.principals``) and it is offered nowhere. Deleting
is only for a mistake nobody used yet: ``referrers()`` lists what would stop it.

Logos go through the files package like any upload (``Uploads.receive`` with
``IMAGE_FORMATS``): a refused file stores nothing. A replaced or removed logo's blob is
left to ``tavolo-blobs collect``, which keeps it while any organisation still names it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import selectinload

from tavolo.accounts.admin_users import (
    FUNCTION_MAX_LENGTH,
    SEARCH_MAX_LENGTH,
    AdministrationRefused,
    normalise_email,
)
from tavolo.accounts.identifiers import parse_id
from tavolo.accounts.models import GroupMember, Membership, Organisation, OrganisationKind, User
from tavolo.content.models import Node
from tavolo.db import utcnow
from tavolo.files.uploads import IMAGE_FORMATS, Uploads
from tavolo.i18n import _
from tavolo.security.models import GlobalRole, LocalRole

NAME_MAX_LENGTH = 200
WEBSITE_MAX_LENGTH = 500
ADDRESS_MAX_LENGTH = 2000
CANDIDATES_LIMIT = 20  # a search is meant to be narrowed, not paged through
CANDIDATE_MIN_LENGTH = 2

STATUS_ACTIVE = "attive"
STATUS_RETIRED = "ritirate"
STATUSES = (STATUS_ACTIVE, STATUS_RETIRED)
KIND_TITLES = {
    OrganisationKind.PREFECTURE: _("Prefettura"),
    OrganisationKind.PUBLIC_PARTNER: _("Partner pubblico"),
    OrganisationKind.PRIVATE_PARTNER: _("Partner privato"),
}
KINDS = tuple(kind.value for kind in OrganisationKind)
# The fields an edit compares and records, in the order of the form.
FIELDS = ("name", "kind", "lead_partner", "pec", "email", "website", "address")


def normalise_name(name: str) -> str:
    """Blanks collapsed: "Comune  della Spezia " is the same organisation as the other."""
    return " ".join((name or "").split())


@dataclass(frozen=True)
class OrganisationFilter:
    query: str = ""
    kind: str = ""
    status: str = ""

    @classmethod
    def from_params(cls, params) -> OrganisationFilter:
        kind = params.get("tipo", "")
        status = params.get("stato", "")
        return cls(
            query=(params.get("cerca") or "").strip()[:SEARCH_MAX_LENGTH],
            kind=kind if kind in KINDS else "",
            status=status if status in STATUSES else "",
        )


@dataclass(frozen=True)
class Referrer:
    """Something that may refer to an organisation: ``count(dbsession, organisation_id)``
    says how many of them do."""

    key: str
    title: object  # a TranslationString
    count: Callable[[object, int], int]


def _counter(column) -> Callable[[object, int], int]:
    def count(dbsession, organisation_id: int) -> int:
        statement = select(func.count()).where(column == organisation_id)
        return dbsession.scalar(statement)

    return count


def referrers() -> list[Referrer]:
    """Everything that may refer to an organisation and so forbids deleting it: the one
    place that lists them. Later packages add theirs here (the memorandum's decisions,
    taken in an organisation's name). Nodes count whether trashed or not: their column
    would be set to NULL by the database, silently losing who was responsible."""
    return [
        Referrer(
            "nodes",
            _("Contenuti di cui è responsabile (compresi quelli nel cestino)"),
            _counter(Node.responsible_organisation_id),
        ),
        Referrer("members", _("Membri"), _counter(Membership.organisation_id)),
        Referrer(
            "local_roles", _("Ruoli concessi su contenuti"), _counter(LocalRole.organisation_id)
        ),
        Referrer("global_roles", _("Ruoli globali"), _counter(GlobalRole.organisation_id)),
        Referrer("groups", _("Gruppi di cui fa parte"), _counter(GroupMember.organisation_id)),
    ]


class OrganisationInUse(AdministrationRefused):
    """Deleting was refused: ``found`` lists ``(Referrer, count)`` of what refers to it."""

    def __init__(self, found: list[tuple[Referrer, int]]):
        super().__init__("in use")
        self.found = found


class OrganisationAdministration:
    """``uploads`` (``tavolo.files.uploads.Uploads``) receives logos; without it the service
    does everything else (a logo is then an error)."""

    def __init__(self, dbsession, uploads: Uploads | None = None):
        self.dbsession = dbsession
        self.uploads = uploads

    # reading ---------------------------------------------------------------------------
    def _filtered(self, organisation_filter: OrganisationFilter):
        statement = select(Organisation)
        if organisation_filter.query:
            needle = organisation_filter.query.lower()
            statement = statement.where(
                func.lower(Organisation.name).contains(needle, autoescape=True)
            )
        if organisation_filter.kind:
            statement = statement.where(
                Organisation.kind == OrganisationKind(organisation_filter.kind)
            )
        if organisation_filter.status == STATUS_ACTIVE:
            statement = statement.where(Organisation.retired.is_(None))
        elif organisation_filter.status == STATUS_RETIRED:
            statement = statement.where(Organisation.retired.is_not(None))
        return statement

    def count(self, organisation_filter: OrganisationFilter) -> int:
        subquery = self._filtered(organisation_filter).with_only_columns(Organisation.id)
        return self.dbsession.scalar(select(func.count()).select_from(subquery.subquery()))

    def organisations(
        self, organisation_filter: OrganisationFilter, offset: int = 0, limit: int = 25
    ) -> list[tuple[Organisation, int]]:
        """One page of organisations, each with its number of members (one query: a page
        of 25 must not cost 26)."""
        members = (
            select(Membership.organisation_id, func.count().label("members"))
            .group_by(Membership.organisation_id)
            .subquery()
        )
        statement = (
            self._filtered(organisation_filter)
            .add_columns(func.coalesce(members.c.members, 0))
            .outerjoin(members, members.c.organisation_id == Organisation.id)
            .order_by(Organisation.name, Organisation.id)
            .offset(offset)
            .limit(limit)
        )
        return [(org, count) for org, count in self.dbsession.execute(statement)]

    def get(self, organisation_id) -> Organisation | None:
        organisation_id = parse_id(organisation_id)
        if organisation_id is None:
            return None
        return self.dbsession.get(Organisation, organisation_id)

    def name_taken(self, name: str, except_id: int | None = None) -> bool:
        """Whether another organisation has this name, regardless of case. Compared in
        Python: SQLite's ``lower()`` knows only ASCII ("Università" vs "UNIVERSITÀ"), and
        organisations are a few dozen rows."""
        wanted = normalise_name(name).casefold()
        rows = self.dbsession.execute(select(Organisation.id, Organisation.name))
        return any(other.casefold() == wanted and other_id != except_id for other_id, other in rows)

    # changing --------------------------------------------------------------------------
    def _receive_logo(self, logo) -> tuple[str, str]:
        """Store an upload (a mapping with ``filename`` and ``data`` or ``fp``) as a logo:
        ``UploadRefused`` and nothing stored unless it is a PNG or JPEG image."""
        if self.uploads is None:
            raise RuntimeError("this service was made without uploads=Uploads(...)")
        source = logo.get("data")
        if source is None:
            source = logo["fp"]
        stored = self.uploads.receive(source, logo.get("filename"), IMAGE_FORMATS)
        return stored.sha256, stored.content_type

    @staticmethod
    def _values(fields: dict) -> dict:
        return {
            "name": normalise_name(fields["name"]),
            "kind": OrganisationKind(fields["kind"]),
            "lead_partner": bool(fields.get("lead_partner")),
            "pec": normalise_email(fields.get("pec") or "") or None,
            "email": normalise_email(fields.get("email") or "") or None,
            "website": (fields.get("website") or "").strip() or None,
            "address": (fields.get("address") or "").strip() or None,
        }

    def create(self, *, logo=None, **fields) -> Organisation:
        """A new organisation from ``FIELDS``; the caller checked the name
        (``name_taken``) and the formats. ``logo`` is an upload, or None."""
        organisation = Organisation(**self._values(fields))
        if logo:
            organisation.logo_sha256, organisation.logo_content_type = self._receive_logo(logo)
        self.dbsession.add(organisation)
        self.dbsession.flush()
        return organisation

    def update(
        self, organisation: Organisation, *, logo=None, remove_logo: bool = False, **fields
    ) -> dict:
        """Change the fields; returns ``{field: [before, after]}`` (the logo by its hash).
        A new logo wins over ``remove_logo``."""
        wanted = self._values(fields)
        if logo:
            wanted["logo_sha256"], wanted["logo_content_type"] = self._receive_logo(logo)
        elif remove_logo:
            wanted["logo_sha256"], wanted["logo_content_type"] = None, None
        changes = {}
        for name, value in wanted.items():
            before = getattr(organisation, name)
            if before != value:
                if name != "logo_content_type":
                    key = "logo" if name == "logo_sha256" else name
                    changes[key] = [_plain(before), _plain(value)]
                setattr(organisation, name, value)
        self.dbsession.flush()
        return changes

    def retire(self, organisation: Organisation) -> bool:
        """Retire it: kept with everything that refers to it, offered nowhere, its grants
        reaching no one. False if it already was retired."""
        if organisation.retired is not None:
            return False
        organisation.retired = utcnow()
        self.dbsession.flush()
        return True

    def restore(self, organisation: Organisation) -> bool:
        if organisation.retired is None:
            return False
        organisation.retired = None
        self.dbsession.flush()
        return True

    def references(self, organisation: Organisation) -> list[tuple[Referrer, int]]:
        """What refers to ``organisation``: ``(Referrer, count)`` for each kind that does."""
        found = []
        for referrer in referrers():
            count = referrer.count(self.dbsession, organisation.id)
            if count:
                found.append((referrer, count))
        return found

    def delete(self, organisation: Organisation) -> None:
        """Delete an organisation nothing refers to; ``OrganisationInUse`` otherwise (and
        nothing changes). The caller keeps the object: its id and name stay readable."""
        found = self.references(organisation)
        if found:
            raise OrganisationInUse(found)
        self.dbsession.delete(organisation)
        self.dbsession.flush()

    # members ---------------------------------------------------------------------------
    def members(self, organisation: Organisation) -> list[Membership]:
        statement = (
            select(Membership)
            .join(User, User.id == Membership.user_id)
            .where(Membership.organisation_id == organisation.id)
            .options(selectinload(Membership.user))
            .order_by(User.fullname, User.id)
        )
        return list(self.dbsession.scalars(statement))

    def membership(self, organisation: Organisation, user_id) -> Membership | None:
        user_id = parse_id(user_id)
        if user_id is None:
            return None
        return self.dbsession.scalars(
            select(Membership).where(
                Membership.organisation_id == organisation.id, Membership.user_id == user_id
            )
        ).first()

    def candidates(
        self, organisation: Organisation, text: str, limit: int = CANDIDATES_LIMIT
    ) -> tuple[list[User], bool]:
        """Active users matching ``text`` (name, login or e-mail) who are not members yet;
        at most ``limit``, and whether some were left out."""
        text = (text or "").strip()[:SEARCH_MAX_LENGTH].lower()
        if len(text) < CANDIDATE_MIN_LENGTH:
            return [], False

        def like(column):
            return func.lower(column).contains(text, autoescape=True)

        statement = (
            select(User)
            .where(
                User.active.is_(True),
                or_(like(User.fullname), like(User.login), like(User.email)),
                ~exists().where(
                    Membership.user_id == User.id,
                    Membership.organisation_id == organisation.id,
                ),
            )
            .order_by(User.fullname, User.id)
            .limit(limit + 1)
        )
        found = list(self.dbsession.scalars(statement))
        return found[:limit], len(found) > limit

    def add_member(
        self, organisation: Organisation, user: User, *, function: str = "", signatory=False
    ) -> Membership:
        """``AdministrationRefused`` for a retired organisation (it takes no one new), a
        disabled account or someone who already is a member."""
        if organisation.retired is not None:
            raise AdministrationRefused("retired")
        if not user.active:
            raise AdministrationRefused("disabled")
        if self.membership(organisation, user.id) is not None:
            raise AdministrationRefused("member")
        membership = Membership(
            user_id=user.id,
            organisation_id=organisation.id,
            function=(function or "").strip()[:FUNCTION_MAX_LENGTH],
            signatory=bool(signatory),
        )
        self.dbsession.add(membership)
        self.dbsession.flush()
        self.dbsession.refresh(membership)
        return membership

    def update_member(self, membership: Membership, *, function: str, signatory) -> dict:
        """Change function and signatory flag; returns ``{field: [before, after]}``."""
        wanted = {
            "function": (function or "").strip()[:FUNCTION_MAX_LENGTH],
            "signatory": bool(signatory),
        }
        changes = {}
        for name, value in wanted.items():
            before = getattr(membership, name)
            if before != value:
                changes[name] = [before, value]
                setattr(membership, name, value)
        self.dbsession.flush()
        return changes

    def remove_member(self, membership: Membership) -> dict:
        """Remove it; returns what it was (``function``, ``signatory``), for the trail."""
        details = {"function": membership.function, "signatory": membership.signatory}
        self.dbsession.delete(membership)
        self.dbsession.flush()
        return details


def _plain(value):
    """What the audit trail can hold (JSON): enums by their value."""
    return value.value if isinstance(value, OrganisationKind) else value
