"""From nodes to index documents, in batches.

A batch of nodes costs a fixed number of queries, whatever its size: the nodes with every
type's columns and their tags, the ancestors they lack (``attach_lineages``) and the local
grants on all of them (``allowed.load_grants``). Ancestors and their grants are kept
across batches: a rebuild reads each folder once.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tavolo.content.models import Node
from tavolo.content.richtext import plain_text
from tavolo.content.tree import any_node, attach_lineages, subtree_bounds
from tavolo.db import utcnow
from tavolo.files.formats import format_for_content_type
from tavolo.search.allowed import AllowedCalculator, load_grants
from tavolo.search.facets import document_month, document_year
from tavolo.search.schema import EXCERPT_CHARS, TITLE_WEIGHT

log = logging.getLogger(__name__)

# Rich text (HTML) and plain text columns whose words are searched, by attribute name;
# a type has whichever of them it has.
HTML_FIELDS = ("lead", "question", "answer", "body")
PLAIN_FIELDS = ("topic", "location", "organiser", "number", "issuing_body", "urn")
_CHUNK = 500


def _naive(value: dt.datetime | None) -> dt.datetime | None:
    """Whoosh's DATETIME wants naive values: UTC, as every datetime we store."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def live_ids(dbsession, after_id: int = 0, limit: int = _CHUNK) -> list[int]:
    """Ids of not-trashed, non-root nodes in id order, for batches (a trashed ancestor is
    found when the lineage is attached)."""
    return list(
        dbsession.scalars(
            select(Node.id)
            .where(Node.id > after_id, Node.parent_id.is_not(None), Node.trashed_at.is_(None))
            .order_by(Node.id)
            .limit(limit)
        )
    )


def subtree_ids(dbsession, node_ids) -> set[int]:
    """The ids of the subtrees of ``node_ids`` as they are now (trashed ones included:
    their documents must go)."""
    ids = set(node_ids)
    paths = list(
        dbsession.scalars(select(Node.path).where(Node.id.in_(sorted(ids)))) if ids else []
    )
    for path in paths:
        low, high = subtree_bounds(path)
        ids.update(dbsession.scalars(select(Node.id).where(Node.path >= low, Node.path < high)))
    return ids


class DocumentBuilder:
    """Index documents of nodes, read from ``dbsession``.

    ``extractor`` is a ``files.extract.TextExtractor`` (None: attachments' text is not
    indexed). ``now`` decides the date windows of ancestors (see ``allowed``)."""

    def __init__(self, dbsession, extractor=None, now: dt.datetime | None = None):
        self.dbsession = dbsession
        self.extractor = extractor
        self.now = now or utcnow()
        self._known: dict[str, Node] = {}  # ancestors by path, kept across batches
        self._grants: dict[int, list[tuple[str, str]]] = {}
        self._calculator = AllowedCalculator(self._grants, self.now)

    def load(self, node_ids) -> list[Node]:
        """The live nodes among ``node_ids`` with lineage and grants loaded; the others
        (deleted, trashed, below a trashed folder, the root) are left out."""
        ids = sorted(set(node_ids))
        nodes: list[Node] = []
        polymorphic = any_node()
        for start in range(0, len(ids), _CHUNK):
            nodes += self.dbsession.scalars(
                select(polymorphic)
                .where(polymorphic.id.in_(ids[start : start + _CHUNK]))
                .options(selectinload(polymorphic.tag_rows))
            ).all()
        # A lineage the ancestors of an earlier batch still apply to: the same session,
        # the same objects.
        attach_lineages(self.dbsession, nodes, known=self._known.values())
        live = []
        for node in nodes:
            if node._lineage is None or node.parent_id is None:
                continue
            if any(n.trashed_at is not None for n in node._lineage):
                continue
            live.append(node)
            for ancestor in node._lineage[:-1]:
                self._known.setdefault(ancestor.path, ancestor)
        missing = {n.id for node in live for n in node._lineage} - self._grants.keys()
        if missing:
            found = load_grants(self.dbsession, missing)
            for node_id in missing:
                self._grants[node_id] = found.get(node_id, [])
        return live

    def text(self, node: Node) -> str:
        # A type that shows visitors something other than its current columns says what
        # (a Vademecum section shows its approved revision, not the draft in progress).
        own_text = getattr(node, "index_text", None)
        if callable(own_text):
            return own_text()
        parts = [plain_text(getattr(node, name, "") or "") for name in HTML_FIELDS]
        parts += [getattr(node, name, "") or "" for name in PLAIN_FIELDS]
        if node.type == "file":
            parts.append(self.file_text(node))
        return "\n".join(part for part in parts if part)

    def file_text(self, node) -> str:
        """The extracted text of a file; never raises (a failure indexes what there is)."""
        if self.extractor is None or not getattr(node, "sha256", None):
            return ""
        try:
            return self.extractor.text(node.sha256, format_for_content_type(node.content_type)).text
        except Exception:  # noqa: BLE001 - a missing or unreadable blob must not stop indexing
            log.warning("no text extracted for node %s (blob %s)", node.id, node.sha256)
            return ""

    def document(self, node: Node) -> dict:
        date = node.effective or node.created
        organisation = node.responsible_organisation_id
        text = self.text(node)
        title = node.title or ""
        description = node.description or ""
        return {
            "id": str(node.id),
            "path": node.path,
            "ancestors": " ".join(str(a.id) for a in node.lineage[:-1]),
            "title": title,
            "description": description,
            "content": "\n".join([title] * TITLE_WEIGHT + [description, text]),
            "excerpt": text[:EXCERPT_CHARS],
            "type": node.type,
            "state": node.state or "",
            "tags": ",".join(node.tags),
            "organisation": str(organisation) if organisation is not None else "",
            "year": document_year(node) if date else "",
            "month": document_month(node) if date else "",
            "date": _naive(date),
            "modified": _naive(node.modified),
            "effective": _naive(node.effective),
            "expires": _naive(node.expires),
            "allowed": " ".join(sorted(self._calculator.allowed(node))),
            "language": node.language or "",
        }

    def documents(self, node_ids) -> tuple[list[dict], set[int]]:
        """Documents of the live nodes among ``node_ids``, and the ids that are not live
        (whose documents must be removed)."""
        live = self.load(node_ids)
        docs = [{k: v for k, v in self.document(node).items() if v is not None} for node in live]
        for node in live:
            # Leaves are done with: a rebuild must not keep every node in the session.
            if node.path not in self._known:
                self.dbsession.expunge(node)
        return docs, set(node_ids) - {node.id for node in live}
