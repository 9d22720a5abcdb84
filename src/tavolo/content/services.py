"""Creating, finding and changing content. Usable from views, scripts and tests alike."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import func, select

from tavolo.content.concurrency import claim_version
from tavolo.content.models import Node, StoredFile
from tavolo.content.registry import type_info
from tavolo.content.richtext import sanitise_html
from tavolo.content.tree import (
    NAME_PATTERN,
    ROOT_PATH,
    any_node,
    child_path,
    with_parent_lineage,
)
from tavolo.db import utcnow
from tavolo.files.uploads import IMAGE_FORMATS, Uploads
from tavolo.workflow.engine import initial_state_for

# Names the application's own URLs use; content may never take them. The view names
# registered on content are added at start-up (see tavolo.content.includeme).
# ``sitemap.xml`` is a public contract at the site root (tavolo.content.navigation).
ALWAYS_RESERVED = frozenset(
    {"login", "logout", "static", "favicon.ico", "robots.txt", "sitemap.xml"}
)


# Fields holding rich text: sanitised on every save, whoever saves (forms, scripts).
RICH_TEXT_FIELDS = frozenset({"body", "answer"})
# Fields a save may not set directly: identity, place in the tree, bookkeeping.
PROTECTED_FIELDS = frozenset(
    {
        "id",
        "parent_id",
        "name",
        "path",
        "type",
        "position",
        "version",
        "created",
        "modified",
        "owner_id",
        "state",
        "trashed_at",
        "trashed_by_id",
        "sha256",
        "size",
    }
)
FILE_FIELDS = frozenset({"sha256", "size"})
# What an Image may hold (the rest of the allowlist is for File).
TYPE_FORMATS = {"image": IMAGE_FORMATS}
MAX_NAME_LENGTH = 60


class InvalidName(ValueError):
    pass


def name_from_title(title: str) -> str:
    """``"Città di La Spezia: l'accoglienza"`` -> ``"citta-di-la-spezia-l-accoglienza"``.

    Accents are folded, everything that is not a letter or digit becomes one dash, and the
    result is cut at a word boundary; ``"documento"`` when nothing usable is left.
    """
    folded = unicodedata.normalize("NFKD", title or "").encode("ascii", "ignore").decode()
    name = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")
    if len(name) > MAX_NAME_LENGTH:
        name = name[:MAX_NAME_LENGTH].rsplit("-", 1)[0] or name[:MAX_NAME_LENGTH]
    return name.strip("-") or "documento"


class NoFileStore(RuntimeError):
    """An upload reached a ContentService made without ``files``."""


def prepare_fields(fields: dict) -> dict:
    """Sanitise rich text: what every save does before storing."""
    fields = dict(fields)
    for name in RICH_TEXT_FIELDS & fields.keys():
        fields[name] = sanitise_html(fields[name])
    return fields


class ContentService:
    """``files`` (``tavolo.files.uploads.Uploads``) receives uploads into the blob store;
    without it a service still does everything else (an ``upload`` field is then an
    error)."""

    def __init__(
        self,
        dbsession,
        reserved_names: frozenset[str] = ALWAYS_RESERVED,
        files: Uploads | None = None,
    ):
        self.dbsession = dbsession
        self.reserved_names = reserved_names | ALWAYS_RESERVED
        self.files = files

    def receive_file(self, type_name: str, upload) -> dict:
        """The columns of a stored file from an upload: inspected and stored by the files
        package (``UploadRefused``, with nothing stored, when it does not pass).

        ``upload`` is a mapping with ``filename`` and ``data`` (bytes) or ``fp`` (a binary
        stream), as deform's upload widget and our temp store give it."""
        if self.files is None:
            raise NoFileStore("this ContentService was made without files=Uploads(...)")
        source = upload.get("data")
        if source is None:
            source = upload["fp"]
        stored = self.files.receive(source, upload.get("filename"), TYPE_FORMATS.get(type_name))
        return stored.columns(image=type_name == "image")

    def _with_upload(self, type_name: str, fields: dict) -> dict:
        fields = prepare_fields(fields)
        upload = fields.pop("upload", None)
        if upload:
            fields.update(self.receive_file(type_name, upload))
        return fields

    # lookups --------------------------------------------------------------------------
    def root(self) -> Node | None:
        return self.by_path(ROOT_PATH)

    def by_path(self, path: str) -> Node | None:
        """The node at ``path``, unless it is in the trash."""
        polymorphic = any_node()
        return self.dbsession.scalars(
            select(polymorphic).where(polymorphic.path == path, polymorphic.trashed_at.is_(None))
        ).one_or_none()

    def children(self, parent: Node, where=None, offset: int = 0, limit: int | None = None):
        """The children not in the trash, in their order."""
        polymorphic = any_node()
        query = select(polymorphic).where(
            polymorphic.parent_id == parent.id, polymorphic.trashed_at.is_(None)
        )
        if where is not None:
            query = query.where(where)
        query = query.order_by(polymorphic.position, polymorphic.id).offset(offset)
        if limit is not None:
            query = query.limit(limit)
        return with_parent_lineage(self.dbsession.scalars(query), parent)

    def count_children(self, parent: Node, where=None) -> int:
        query = select(func.count(Node.id)).where(
            Node.parent_id == parent.id, Node.trashed_at.is_(None)
        )
        if where is not None:
            query = query.where(where)
        return self.dbsession.scalar(query)

    # changes --------------------------------------------------------------------------
    def choose_name(self, parent: Node, title: str, extension: str = "") -> str:
        """A free name for a new child of ``parent``, made from ``title``: ``verbale``,
        then ``verbale-2``, ``verbale-3``... never a reserved name. Trashed children keep
        their names (a restore must find its name free). An ``extension`` ("pdf") is kept
        at the end: ``verbale.pdf``, ``verbale-2.pdf``."""
        suffix = (
            f".{extension}" if re.fullmatch(r"[a-z0-9]{1,10}(\.[a-z0-9]{1,10})?", extension) else ""
        )
        base = name_from_title(title)
        if f"{base}{suffix}" in self.reserved_names:
            base = f"{base}-1"
        taken = set(
            self.dbsession.scalars(
                select(Node.name).where(
                    Node.parent_id == parent.id,
                    (Node.name == f"{base}{suffix}")
                    | Node.name.startswith(f"{base}-", autoescape=True),
                )
            )
        )
        name, counter = f"{base}{suffix}", 1
        while name in taken or name in self.reserved_names:
            counter += 1
            name = f"{base}-{counter}{suffix}"
        return name

    def update(self, node: Node, user=None, expected_version: int | None = None, **fields):
        """Change ``fields`` of ``node``; rich text is sanitised, an ``upload`` unpacked.

        Moves ``version`` on and sets ``modified``. With ``expected_version`` (the version
        the form was opened on) a concurrent change raises ``EditConflict`` instead of
        being overwritten.
        """
        claim_version(node, expected_version, self.dbsession)
        fields = self._with_upload(node.type, fields)
        forbidden = PROTECTED_FIELDS & fields.keys()
        if isinstance(node, StoredFile):
            forbidden -= FILE_FIELDS  # set together from an upload
        if forbidden:
            raise ValueError(f"cannot set {sorted(forbidden)} with update()")
        for key, value in fields.items():
            if key != "tags" and not hasattr(type(node), key):
                raise ValueError(f"a {node.type} has no field {key!r}")
            setattr(node, key, value)
        node.version = (node.version or 0) + 1
        node.modified = utcnow()
        self.dbsession.flush()
        return node

    def check_name(self, parent: Node | None, name: str) -> None:
        if not NAME_PATTERN.match(name or ""):
            raise InvalidName(
                f"{name!r}: use lower-case letters, digits, '-', '.' or '_' (no spaces)"
            )
        if name in self.reserved_names:
            # A view name is reachable on every node, so it is reserved at every level.
            raise InvalidName(f"{name!r} is reserved for the application's own pages")
        if parent is not None:
            # Trashed siblings count: a restore must find its name free.
            taken = self.dbsession.scalar(
                select(func.count(Node.id)).where(Node.parent_id == parent.id, Node.name == name)
            )
            if taken:
                raise InvalidName(f"{name!r} is already used in this folder")

    def create(
        self,
        parent: Node | None,
        type_name: str,
        name: str,
        title: str,
        *,
        owner_id: int | None = None,
        state: str | None = None,
        **fields,
    ) -> Node:
        info = type_info(type_name)
        fields = self._with_upload(type_name, fields)
        now = utcnow()
        if parent is None:
            if self.root() is not None:
                raise InvalidName("the site already has a root")
            name, path, position = "", ROOT_PATH, 0
        else:
            self.check_name(parent, name)
            if parent.type not in info.addable_to and info.addable_to:
                raise ValueError(f"a {type_name} cannot be added to a {parent.type}")
            path = child_path(parent.path, name)
            position = (
                self.dbsession.scalar(
                    select(func.coalesce(func.max(Node.position), -1)).where(
                        Node.parent_id == parent.id
                    )
                )
                + 1
            )
        node = info.model(
            parent_id=parent.id if parent is not None else None,
            name=name,
            path=path,
            title=title,
            position=position,
            owner_id=owner_id,
            state=state or initial_state_for(self.dbsession, type_name, parent),
            created=now,
            modified=now,
            **fields,
        )
        self.dbsession.add(node)
        self.dbsession.flush()
        node._lineage = [*(parent.lineage if parent is not None else []), node]
        return node
