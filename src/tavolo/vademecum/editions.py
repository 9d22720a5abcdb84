"""Editions of the Vademecum: publish a frozen snapshot, list, read, verify.

An edition is the consolidated Vademecum (``tavolo.vademecum.snapshot.consolidated``: the
approved, non-retired sections and the common chapters, in order) stored as canonical JSON
- sorted keys, no whitespace, UTF-8, the same rules the revisions' hashes use - with its
SHA-256. Anyone holding the JSON (an export, a copy) can recompute the hash and check it is
the published text. The service has no update path: what is published stays as it was,
whatever happens to the sections afterwards (``edition_models`` refuses a change anyway).

Numbers are 1, 2, ... per Vademecum. Two prefecture staff publishing at once must neither
get the same number nor an error page: ``publish`` locks the Vademecum's row (FOR UPDATE on
PostgreSQL; on SQLite every unsafe request holds the write lock from its start, see
``tavolo.db``) before reading the last number, and the unique constraint stays the backstop.
A publish based on the list as it was (``expected_latest``) is refused with
``EditionConflict`` when someone published meanwhile: a double click or two people pressing
the button at once give one edition, not two identical ones.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import func, select

from tavolo.content.models import Node
from tavolo.db import utcnow
from tavolo.vademecum.edition_models import Edition

NOTE_MAX_LENGTH = 2000


class EditionConflict(Exception):
    """Someone published an edition after the caller looked at the list."""

    def __init__(self, latest: int):
        super().__init__(f"latest edition is now {latest}")
        self.latest = latest


def canonical_json(data: dict) -> str:
    """The one serialisation that is hashed: sorted keys, no whitespace, non-ASCII kept."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class EditionSummary:
    """An edition without its content, for lists."""

    id: int
    number: int
    published_at: object
    published_by_name: str
    note: str
    sha256: str
    public: bool


def _consolidated(dbsession, vademecum) -> dict:
    # Imported here: the core package's snapshot module imports its models, which must not
    # be imported while ``tavolo.models`` is still loading ours.
    from tavolo.vademecum.snapshot import consolidated

    return consolidated(dbsession, vademecum)


class EditionService:
    def __init__(self, dbsession):
        self.dbsession = dbsession

    # reading -------------------------------------------------------------------------
    def latest_number(self, vademecum) -> int:
        return self.dbsession.scalar(
            select(func.coalesce(func.max(Edition.number), 0)).where(
                Edition.vademecum_id == vademecum.id
            )
        )

    def editions(self, vademecum) -> list[EditionSummary]:
        """Newest first, without the (possibly large) content."""
        rows = self.dbsession.execute(
            select(
                Edition.id,
                Edition.number,
                Edition.published_at,
                Edition.published_by_name,
                Edition.note,
                Edition.sha256,
                Edition.public,
            )
            .where(Edition.vademecum_id == vademecum.id)
            .order_by(Edition.number.desc())
        )
        return [EditionSummary(*row) for row in rows]

    def get(self, vademecum, number) -> Edition | None:
        """Edition ``number`` of ``vademecum`` (None for a number that is not one)."""
        try:
            number = int(number)
        except (TypeError, ValueError):
            return None
        return self.dbsession.scalars(
            select(Edition).where(Edition.vademecum_id == vademecum.id, Edition.number == number)
        ).first()

    def get_public(self, edition_id) -> Edition | None:
        """A public edition by its id, for the public area (None if not public)."""
        try:
            edition_id = int(edition_id)
        except (TypeError, ValueError):
            return None
        return self.dbsession.scalars(
            select(Edition).where(Edition.id == edition_id, Edition.public.is_(True))
        ).first()

    def public_editions(self) -> list[Edition]:
        """The editions shown in the public area: public, of a Vademecum not in the trash
        (whose edition pages answer 404 too)."""
        return list(
            self.dbsession.scalars(
                select(Edition)
                .join(Node, Node.id == Edition.vademecum_id)
                .where(Edition.public.is_(True), Node.trashed_at.is_(None))
                .order_by(Edition.published_at.desc(), Edition.id.desc())
            )
        )

    @staticmethod
    def data(edition: Edition) -> dict:
        return json.loads(edition.content)

    @staticmethod
    def verify(edition: Edition) -> bool:
        """Whether the stored content still hashes to the stored fingerprint."""
        return content_hash(edition.content) == edition.sha256

    # writing -------------------------------------------------------------------------
    def publish(
        self, vademecum, actor, note: str = "", expected_latest: int | None = None
    ) -> Edition:
        """Freeze the consolidated Vademecum as the next edition."""
        note = (note or "").strip()[:NOTE_MAX_LENGTH]
        # Serialise publishes of this Vademecum (see the module docstring); the lock also
        # makes the snapshot below consistent with the number it gets.
        self.dbsession.execute(
            select(Node.id).where(Node.id == vademecum.id).with_for_update()
        ).scalar_one()
        latest = self.latest_number(vademecum)
        if expected_latest is not None and expected_latest != latest:
            raise EditionConflict(latest)
        content = canonical_json(_consolidated(self.dbsession, vademecum))
        edition = Edition(
            vademecum_id=vademecum.id,
            number=latest + 1,
            published_at=utcnow(),
            published_by_id=getattr(actor, "id", None),
            published_by_name=(getattr(actor, "fullname", "") or "")[:300],
            note=note,
            content=content,
            sha256=content_hash(content),
            public=False,
        )
        self.dbsession.add(edition)
        self.dbsession.flush()
        return edition

    def set_public(self, edition: Edition, actor, public: bool) -> bool:
        """Show the edition in the public area, or withdraw it. False if nothing changed."""
        if edition.public == bool(public):
            return False
        edition.public = bool(public)
        edition.public_changed_at = utcnow()
        edition.public_changed_by_id = getattr(actor, "id", None)
        self.dbsession.flush()
        return True
