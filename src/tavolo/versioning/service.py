"""Writing, reading and reverting revisions. Usable from views, scripts and tests alike.

A revision is a snapshot of every editable field of a node: the fields of its type's form
(``tavolo.content.registry``), and for files and images the stored file's columns, so an
old revision names the blob it had. Values are JSON: dates and times as ISO strings, tags
and related items as lists. The snapshot is stored as canonical JSON (sorted keys, no
spaces, UTF-8) and hashed, so the same content always gives the same hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from sqlalchemy import Date, func, select

from tavolo.accounts.models import Organisation
from tavolo.content.models import Image, Node, StoredFile
from tavolo.content.registry import type_info
from tavolo.content.services import ContentService
from tavolo.db import UTCDateTime, utcnow
from tavolo.versioning.models import Revision

# The columns of a stored file: not in the form (the form has an upload), yet part of
# what an old revision must give back.
FILE_FIELDS = ("filename", "content_type", "size", "sha256")
IMAGE_FIELDS = ("width", "height")
MAX_NOTE_LENGTH = 500
# Stored, like the revert note, in the site's language.
BASELINE_NOTE = "Com'era prima della prima modifica registrata"


def canonical(snapshot: dict) -> str:
    return json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def snapshot_hash(snapshot: dict) -> str:
    return hashlib.sha256(canonical(snapshot).encode("utf-8")).hexdigest()


def field_names(node: Node) -> list[str]:
    """The versioned fields of ``node``, in the order of its form."""
    info = type_info(node.type)
    names = [child.name for child in info.schema().children if child.name != "upload"]
    if isinstance(node, StoredFile):
        names += FILE_FIELDS
    if isinstance(node, Image):
        names += IMAGE_FIELDS
    return names


def _to_json(value):
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return list(value)
    return value


def _column_type(node: Node, name: str):
    column = type(node).__mapper__.columns.get(name)
    return None if column is None else column.type


def from_json(node: Node, name: str, value):
    if value is None:
        return None
    kind = _column_type(node, name)
    if isinstance(kind, UTCDateTime):
        return dt.datetime.fromisoformat(value)
    if isinstance(kind, Date):
        return dt.date.fromisoformat(value)
    return value


def take_snapshot(node: Node) -> dict:
    return {name: _to_json(getattr(node, name)) for name in field_names(node)}


class RevisionService:
    def __init__(self, dbsession, content: ContentService | None = None):
        self.dbsession = dbsession
        self.content = content or ContentService(dbsession)

    # reading ----------------------------------------------------------------------------
    def count(self, node: Node) -> int:
        return self.dbsession.scalar(
            select(func.count()).select_from(Revision).where(Revision.node_id == node.id)
        )

    def latest(self, node: Node) -> Revision | None:
        return self.dbsession.scalars(
            select(Revision)
            .where(Revision.node_id == node.id)
            .order_by(Revision.number.desc())
            .limit(1)
        ).one_or_none()

    def get(self, node: Node, number: int) -> Revision | None:
        return self.dbsession.scalars(
            select(Revision).where(Revision.node_id == node.id, Revision.number == number)
        ).one_or_none()

    def listing(self, node: Node, offset: int = 0, limit: int = 25) -> list[Revision]:
        return list(
            self.dbsession.scalars(
                select(Revision)
                .where(Revision.node_id == node.id)
                .order_by(Revision.number.desc())
                .offset(offset)
                .limit(limit)
            )
        )

    # writing ----------------------------------------------------------------------------
    def record(self, node: Node, author=None, note: str = "", *, force: bool = False):
        """Write the next revision of ``node`` as it is now; None, writing nothing, when it
        equals the latest one (a save that changed nothing) unless ``force``."""
        snapshot = take_snapshot(node)
        digest = snapshot_hash(snapshot)
        latest = self.latest(node)
        if latest is not None and latest.sha256 == digest and not force:
            return None
        revision = Revision(
            node_id=node.id,
            number=(latest.number if latest is not None else 0) + 1,
            author_id=getattr(author, "id", None),
            author_login=getattr(author, "login", "") or "",
            created=utcnow(),
            note=(note or "").strip()[:MAX_NOTE_LENGTH],
            snapshot=canonical(snapshot),
            sha256=digest,
            blob_sha256=snapshot.get("sha256") if isinstance(node, StoredFile) else None,
        )
        self.dbsession.add(revision)
        self.dbsession.flush()
        return revision

    def restorable_fields(self, node: Node, revision: Revision) -> dict:
        """The fields of ``revision`` as ``ContentService.update`` takes them. References
        to what no longer exists (an item or organisation deleted since) are dropped:
        they could not be stored, and the rest of the revision is still worth having."""
        stored = json.loads(revision.snapshot)
        names = set(field_names(node))
        fields = {k: from_json(node, k, v) for k, v in stored.items() if k in names}
        if fields.get("related_ids"):
            alive = self._existing(Node.id, fields["related_ids"])
            fields["related_ids"] = [i for i in fields["related_ids"] if i in alive]
        for name, column in (
            ("image_id", Node.id),
            ("responsible_organisation_id", Organisation.id),
        ):
            if fields.get(name) is not None and not self._existing(column, [fields[name]]):
                fields[name] = None
        return fields

    def _existing(self, column, ids) -> set[int]:
        return set(self.dbsession.scalars(select(column).where(column.in_(list(ids)))))

    def revert(
        self, node: Node, revision: Revision, author=None, note: str = "", expected_version=None
    ) -> Revision:
        """Put the fields of ``revision`` back through the content service's ordinary
        update (sanitising, version bump; ``EditConflict`` when ``expected_version`` is
        stale, with nothing changed) and write a new revision: history is never
        rewritten. The caller fires ``ObjectModified``."""
        fields = self.restorable_fields(node, revision)
        self.content.update(node, author, expected_version=expected_version, **fields)
        text = f"Ripristinata la versione {revision.number}"
        if note and note.strip():
            text = f"{text}: {note.strip()}"
        # Forced: reverting to what the item already holds is still a recorded act.
        return self.record(node, author, text, force=True)
