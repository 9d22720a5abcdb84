"""The conflict page of the edit form: a save based on an old version was refused
(``EditConflict``); show the user what the other person changed, next to what they wrote,
and give them back the form with both merged where that is safe.

The edit form carries, with the version it was opened on, the number of the latest
revision at that moment (``base_revision``): that revision is the common ancestor of the
two edits. Items edited for the first time have no revision when the form opens (0): the
other person's save then wrote the baseline revision (``BASELINE_NOTE``), which is that
ancestor. If the ancestor cannot be found (a tampered form), every differing field is a
conflict: nobody can tell whose change it was.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import func, select

from tavolo.accounts.models import User
from tavolo.content.models import Node
from tavolo.content.services import RICH_TEXT_FIELDS, prepare_fields
from tavolo.versioning.diff import FieldChange, compare
from tavolo.versioning.merge import (
    FieldMerge,
    merge_field,
    normalised,
)
from tavolo.versioning.models import Revision
from tavolo.versioning.service import BASELINE_NOTE, RevisionService, from_json, take_snapshot

# Revisions listed as "saved meanwhile" on the page; more are counted, not listed.
MAX_LISTED = 5


@dataclass
class ConflictReport:
    node: Node
    known_base: bool
    meanwhile: list[Revision]  # saved after the form was opened, newest first
    meanwhile_count: int
    changes: list[FieldChange]  # what the other person changed (base -> now)
    authors: dict[int, str] = field(default_factory=dict)  # user id -> full name
    fields: dict[str, FieldMerge] = field(default_factory=dict)
    values: dict = field(default_factory=dict)  # the form, prefilled with the merge

    def author(self, revision: Revision) -> str | None:
        """Who saved ``revision``; None for the system (a script)."""
        return self.authors.get(revision.author_id) or revision.author_login or None

    def outcome(self, name: str) -> str | None:
        merged = self.fields.get(name)
        return merged.outcome if merged is not None else None


class ConflictService:
    def __init__(self, dbsession):
        self.dbsession = dbsession
        self.revisions = RevisionService(dbsession)

    def base_number(self, node: Node) -> int:
        """What the edit form carries as ``base_revision`` when it is opened."""
        latest = self.revisions.latest(node)
        return latest.number if latest is not None else 0

    def _base(self, node: Node, number: int | None) -> Revision | None:
        if number is None or number < 0:
            return None
        if number == 0:
            first = self.revisions.get(node, 1)
            return first if first is not None and first.note == BASELINE_NOTE else None
        return self.revisions.get(node, number)

    def report(
        self, node: Node, mine: dict, base_number: int | None, *, locale="it", describe=None
    ) -> ConflictReport:
        """``node`` as the other person left it (refreshed by ``claim_version``), ``mine``
        the content fields this user submitted (an ``upload`` is left out: a file cannot be
        merged, and the form asks for it again)."""
        mine = prepare_fields({k: v for k, v in mine.items() if k != "upload"})
        base = self._base(node, base_number)
        now = take_snapshot(node)
        if base is not None:
            base_snapshot = json.loads(base.snapshot)
            changes = compare(node, base_snapshot, now, locale=locale, describe=describe)
        else:
            # Unknown ancestor: show how the saved version differs from what was written.
            base_snapshot = {}
            written = {name: normalised(value) for name, value in mine.items()}
            changes = compare(node, written, now, locale=locale, describe=describe)
            changes = [c for c in changes if c.name in mine]
        since = base.number if base is not None else 0
        meanwhile_query = select(Revision).where(
            Revision.node_id == node.id, Revision.number > since
        )
        meanwhile = list(
            self.dbsession.scalars(
                meanwhile_query.order_by(Revision.number.desc()).limit(MAX_LISTED)
            )
        )
        report = ConflictReport(
            node=node,
            known_base=base is not None,
            meanwhile=meanwhile,
            meanwhile_count=self.dbsession.scalar(
                meanwhile_query.with_only_columns(func.count(Revision.id))
            ),
            changes=changes,
        )
        author_ids = {r.author_id for r in meanwhile if r.author_id is not None}
        if author_ids:
            rows = self.dbsession.execute(
                select(User.id, User.fullname).where(User.id.in_(author_ids))
            )
            report.authors = dict(rows.all())
        for name, value in mine.items():
            merged = merge_field(
                name,
                from_json(node, name, base_snapshot.get(name)) if base is not None else None,
                getattr(node, name),
                value,
                rich=name in RICH_TEXT_FIELDS,
                known_base=base is not None,
            )
            report.fields[name] = merged
            report.values[name] = merged.value
        report.values["expected_version"] = node.version
        report.values["base_revision"] = self.base_number(node)
        return report
