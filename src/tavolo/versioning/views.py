"""The versions of an item: ``@@versioni`` (the list), ``@@versione?n=N`` (one, read-only),
``@@versione-file?n=N`` (an old file's bytes) and ``@@ripristina?n=N`` (revert).

All need EDIT on the item: old versions may hold what an editor removed on purpose (a
name, a draft sentence, a superseded attachment), so they are shown only to those who
could have seen the drafts while editing - not to every reader of the current version.
Thin views: the service (``tavolo.versioning.service``) holds the logic.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from dataclasses import dataclass

import deform
from pyramid.httpexceptions import (
    HTTPBadRequest,
    HTTPInternalServerError,
    HTTPNotFound,
    HTTPSeeOther,
)
from pyramid.view import view_config
from sqlalchemy import select

from tavolo import events
from tavolo.accounts.models import Organisation, User
from tavolo.content import content_service
from tavolo.content.concurrency import EditConflict
from tavolo.content.models import Node
from tavolo.content.registry import type_info
from tavolo.content.services import RICH_TEXT_FIELDS
from tavolo.files.blobstore import BlobNotFound, InvalidHash
from tavolo.files.downloads import serve_blob
from tavolo.i18n import _
from tavolo.security.roles import EDIT
from tavolo.versioning.diff import EXTRA_LABELS
from tavolo.versioning.service import MAX_NOTE_LENGTH, RevisionService, field_names
from tavolo.web.pagination import Page

log = logging.getLogger(__name__)

PAGE_SIZE = 25
SYSTEM = _("Sistema")
REVISION_NUMBER = re.compile(r"[1-9][0-9]{0,8}")
_REFERENCES = frozenset({"related_ids", "image_id"})


@dataclass(frozen=True)
class Row:
    label: object
    kind: str  # text, html, datetime, date, links
    value: object


def _revision(request, service: RevisionService):
    number = request.params.get("n", "")
    if not REVISION_NUMBER.fullmatch(number):
        raise HTTPNotFound()
    revision = service.get(request.context, int(number))
    if revision is None:
        raise HTTPNotFound()
    return revision


def author_names(request, revisions) -> dict[int, str]:
    ids = {r.author_id for r in revisions if r.author_id is not None}
    if not ids:
        return {}
    rows = request.dbsession.execute(select(User.id, User.fullname).where(User.id.in_(ids)))
    return dict(rows.all())


def author_name(revision, names: dict):
    # The stored login outlives a deleted account; no login at all: the system (a script).
    return names.get(revision.author_id) or revision.author_login or SYSTEM


def _choices(widget) -> dict:
    values = getattr(widget, "values", None)
    return dict(values) if isinstance(values, list | tuple) else {}


def _links(request, ids) -> list[tuple[object, str | None]]:
    found = {
        node.id: node
        for node in request.dbsession.scalars(select(Node).where(Node.id.in_(list(ids))))
    }
    links = []
    for node_id in ids:
        node = found.get(node_id)
        if node is None or node.trashed_at is not None:
            links.append((_("Elemento non più disponibile"), None))
        else:
            links.append((node.title, request.resource_url(node)))
    return links


def snapshot_rows(request, node: Node, snapshot: dict) -> list[Row]:
    """Label and value of every versioned field but the title and description (shown as
    the page's heading and lead)."""
    schema = type_info(node.type).schema()
    # In the order of the form (the stored JSON is sorted by name); fields the type no
    # longer has come last rather than being hidden.
    known = [name for name in field_names(node) if name in snapshot]
    rows = []
    for name in [*known, *sorted(snapshot.keys() - set(known))]:
        value = snapshot[name]
        if name in ("title", "description"):
            continue
        child = schema.get(name)
        label = child.title if child is not None else EXTRA_LABELS.get(name, name)
        if name in RICH_TEXT_FIELDS:
            rows.append(Row(label, "html", value or ""))  # sanitised when it was saved
        elif name in _REFERENCES:
            ids = value if isinstance(value, list) else [value] if value else []
            rows.append(Row(label, "links", _links(request, ids)))
        elif name == "responsible_organisation_id" and value is not None:
            found = request.dbsession.get(Organisation, value)
            rows.append(Row(label, "text", found.name if found else "—"))
        elif isinstance(value, bool):
            rows.append(Row(label, "text", _("Sì") if value else _("No")))
        elif isinstance(value, list):
            rows.append(Row(label, "text", ", ".join(value) or "—"))
        elif isinstance(value, str) and child is not None and _is_datetime(child):
            rows.append(Row(label, "datetime", dt.datetime.fromisoformat(value)))
        elif isinstance(value, str) and child is not None and _is_date(child):
            rows.append(Row(label, "date", dt.date.fromisoformat(value)))
        else:
            shown = _choices(getattr(child, "widget", None)).get(value, value)
            rows.append(Row(label, "text", "—" if shown in (None, "") else shown))
    return rows


def _is_datetime(child) -> bool:
    return isinstance(child.widget, deform.widget.DateTimeInputWidget)


def _is_date(child) -> bool:
    return isinstance(child.widget, deform.widget.DateInputWidget)


@view_config(
    context=Node,
    name="versioni",
    permission=EDIT,
    renderer="tavolo:templates/versioning/versions.pt",
)
def versions_view(context, request):
    service = RevisionService(request.dbsession)
    listing = Page.from_request(request, total=service.count(context), size=PAGE_SIZE)
    revisions = service.listing(context, listing.offset, listing.size)
    names = author_names(request, revisions)
    return {
        "revisions": [(r, author_name(r, names)) for r in revisions],
        "listing": listing,
    }


@view_config(
    context=Node,
    name="versione",
    permission=EDIT,
    renderer="tavolo:templates/versioning/version.pt",
)
def version_view(context, request):
    service = RevisionService(request.dbsession)
    revision = _revision(request, service)
    snapshot = json.loads(revision.snapshot)
    return {
        "revision": revision,
        "author": author_name(revision, author_names(request, [revision])),
        "snapshot": snapshot,
        "rows": snapshot_rows(request, context, snapshot),
        "is_latest": revision.number == service.count(context),
    }


@view_config(context=Node, name="versione-file", permission=EDIT, request_method=("GET", "HEAD"))
def version_file_view(context, request):
    """The file of an old revision, always as an attachment (with the files package's
    security headers: it is untrusted content like any download)."""
    revision = _revision(request, RevisionService(request.dbsession))
    if not revision.blob_sha256:
        raise HTTPNotFound()
    snapshot = json.loads(revision.snapshot)
    try:
        return serve_blob(
            request.registry["tavolo.blobs"],
            request,
            sha256=revision.blob_sha256,
            content_type=snapshot.get("content_type"),
            filename=snapshot.get("filename"),
            inline=False,
        )
    except (BlobNotFound, InvalidHash, OSError) as exc:
        # Garbage collection keeps revisions' blobs: a missing one is a lost disk.
        log.error(
            "blob %s of revision %s of %s is missing or unreadable (%s): run tavolo-blobs verify",
            revision.blob_sha256,
            revision.number,
            request.resource_path(context),
            exc.__class__.__name__,
        )
        raise HTTPInternalServerError() from None


@view_config(
    context=Node,
    name="ripristina",
    permission=EDIT,
    renderer="tavolo:templates/versioning/revert.pt",
)
def revert_view(context, request):
    service = RevisionService(request.dbsession, content_service(request))
    revision = _revision(request, service)
    page = {"revision": revision, "note": "", "error": None, "version": context.version}
    if request.method != "POST":
        return page
    if "cancel" in request.POST:
        return HTTPSeeOther(request.resource_url(context, "@@versioni"))
    try:
        expected = int(request.POST.get("expected_version", ""))
    except ValueError:
        raise HTTPBadRequest() from None
    note = request.POST.get("note", "").strip()
    if len(note) > MAX_NOTE_LENGTH:
        error = _(
            "La nota può avere al massimo ${max} caratteri.", mapping={"max": MAX_NOTE_LENGTH}
        )
        return {**page, "note": note, "error": error}
    try:
        service.revert(context, revision, request.identity, note, expected_version=expected)
    except EditConflict:
        request.response.status_int = 409
        request.override_renderer = "tavolo:templates/versioning/conflict.pt"
        return page
    # Search, audit and the like see an ordinary save; the revision is already written,
    # so the versioning subscriber finds nothing new to record.
    request.registry.notify(events.ObjectModified(context, request))
    return HTTPSeeOther(request.resource_url(context, query={"saved": "1"}))
