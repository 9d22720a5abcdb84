"""Folder contents for editors: a sortable, paginated table with reorder, cut, copy, paste
(deleting a selection and taking a workflow transition on it live in ``contents_actions``).

The clipboard lives in a signed cookie: cutting or copying changes nothing on the server,
and pasting is a POST that checks every permission again (delete on what was cut, view on
what was copied, add on the target).
"""

from __future__ import annotations

import json

from pyramid.httpexceptions import HTTPBadRequest, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import select
from webob.cookies import SignedSerializer

from tavolo import events
from tavolo.content.concurrency import EditConflict
from tavolo.content.models import Node
from tavolo.content.moving import TreeChangeError, TreeChanges, move_to_position
from tavolo.content.registry import TYPES
from tavolo.content.services import ContentService
from tavolo.content.tree import any_node, load_lineage
from tavolo.content.uploading import may_upload
from tavolo.i18n import _
from tavolo.security.listing import visible_children_clause
from tavolo.security.roles import ADD, DELETE, EDIT, VIEW
from tavolo.web.pagination import Page as ListingPage
from tavolo.workflow.states import state_title
from tavolo.workflow.web import bulk_choices

CLIPBOARD_COOKIE = "tavolo_clipboard"
CLIPBOARD_LIMIT = 500
PAGE_SIZE = 50
COLUMNS = (
    ("title", _("Titolo")),
    ("type", _("Tipo")),
    ("modified", _("Modificato")),
    ("position", _("Ordine")),
)
SORTS = tuple(key for key, _title in COLUMNS)


def is_folderish(context) -> bool:
    info = TYPES.get(context.type)
    return bool(info and info.folderish)


# the clipboard ------------------------------------------------------------------------
def _serializer(request) -> SignedSerializer:
    return SignedSerializer(
        request.registry.settings["tavolo.secret"], "tavolo.clipboard", serializer=_JSON
    )


class _JSONSerializer:
    def dumps(self, value):
        return json.dumps(value).encode("utf-8")

    def loads(self, value):
        return json.loads(value.decode("utf-8"))


_JSON = _JSONSerializer()


def read_clipboard(request) -> dict | None:
    raw = request.cookies.get(CLIPBOARD_COOKIE)
    if not raw:
        return None
    try:
        clipboard = _serializer(request).loads(raw.encode("ascii"))
    except (ValueError, UnicodeError):
        return None
    if clipboard.get("op") not in ("cut", "copy") or not isinstance(clipboard.get("ids"), list):
        return None
    return clipboard


def _store_clipboard(
    response, request, op: str | None, ids: list[int], versions: dict | None = None
) -> None:
    """``versions`` (id -> version when cut): a paste moves only what is still as it was
    when it was cut."""
    if op is None:
        response.delete_cookie(CLIPBOARD_COOKIE, path="/")
        return
    content = {"op": op, "ids": ids}
    if versions:
        content["versions"] = {str(k): v for k, v in versions.items()}
    value = _serializer(request).dumps(content).decode("ascii")
    response.set_cookie(CLIPBOARD_COOKIE, value, httponly=True, samesite="Lax", path="/")


# views --------------------------------------------------------------------------------
@view_config(
    name="contents",
    context=Node,
    request_method="GET",
    permission=ADD,
    renderer="tavolo:templates/content/contents.pt",
)
def contents(context, request):
    if not is_folderish(context):
        raise HTTPBadRequest()
    sort = request.GET.get("sort", "position")
    sort = sort if sort in SORTS else "position"
    service = ContentService(request.dbsession)
    visible = visible_children_clause(request, context)
    listing = ListingPage.from_request(
        request, total=service.count_children(context, visible), size=PAGE_SIZE
    )
    polymorphic = any_node()
    order = {
        "position": (polymorphic.position, polymorphic.id),
        "title": (polymorphic.title, polymorphic.id),
        "modified": (polymorphic.modified.desc(), polymorphic.id),
        "type": (polymorphic.type, polymorphic.title),
    }[sort]
    items = request.dbsession.scalars(
        select(polymorphic)
        .where(polymorphic.parent_id == context.id, polymorphic.trashed_at.is_(None), visible)
        .order_by(*order)
        .offset(listing.offset)
        .limit(listing.size)
    ).all()
    for item in items:
        item._lineage = [*context.lineage, item]
    clipboard = read_clipboard(request)
    return {
        "items": items,
        "listing": listing,
        "sort": sort,
        "types": TYPES,
        "columns": COLUMNS,
        "clipboard_count": len(clipboard["ids"]) if clipboard else 0,
        "clipboard_op": clipboard["op"] if clipboard else None,
        "can_reorder": sort == "position" and request.has_permission(EDIT, context),
        # The transitions the caller may take on some item of this page; the engine checks
        # each selected item again when one is taken.
        "transitions": bulk_choices(request, context, items),
        "state_title": state_title,
        "message": outcome_message(request.GET.get("done", "")),
        "changed_message": changed_message(request.GET.get("done", "")),
        "may_upload": may_upload(request, context),
    }


def _selected(request, context) -> list[Node]:
    ids = []
    for value in request.POST.getall("ids"):
        try:
            ids.append(int(value))
        except ValueError:
            raise HTTPBadRequest() from None
    if not ids:
        return []
    polymorphic = any_node()
    nodes = request.dbsession.scalars(
        select(polymorphic).where(
            polymorphic.id.in_(ids[:CLIPBOARD_LIMIT]),
            polymorphic.parent_id == context.id,
            polymorphic.trashed_at.is_(None),
        )
    ).all()
    for node in nodes:
        node._lineage = [*context.lineage, node]
    return list(nodes)


def seen_version(request, node: Node) -> int | None:
    """The version of ``node`` the listing (or the confirmation) showed: each row posts
    ``v<id>``. None when the form did not send one."""
    value = request.POST.get(f"v{node.id}", "")
    return int(value) if value.isdigit() else None


def _back(request, context, done: str) -> HTTPSeeOther:
    return HTTPSeeOther(location=request.resource_url(context, "@@contents", query={"done": done}))


@view_config(
    name="contents",
    context=Node,
    request_method="POST",
    request_param="action=cut",
    permission=ADD,
)
@view_config(
    name="contents",
    context=Node,
    request_method="POST",
    request_param="action=copy",
    permission=ADD,
)
def cut_or_copy(context, request):
    op = request.POST["action"]
    needed = DELETE if op == "cut" else VIEW
    nodes = [n for n in _selected(request, context) if request.has_permission(needed, n)]
    response = _back(request, context, f"{op}:{len(nodes)}")
    versions = {n.id: seen_version(request, n) or n.version for n in nodes} if op == "cut" else None
    _store_clipboard(response, request, op if nodes else None, [n.id for n in nodes], versions)
    return response


@view_config(
    name="contents",
    context=Node,
    request_method="POST",
    request_param="action=paste",
    permission=ADD,
)
def paste(context, request):
    clipboard = read_clipboard(request)
    if not is_folderish(context) or clipboard is None:
        raise HTTPBadRequest()
    changes = TreeChanges(
        request.dbsession, request.registry["tavolo.reserved_names"], request.identity
    )
    polymorphic = any_node()
    nodes = request.dbsession.scalars(
        select(polymorphic).where(
            polymorphic.id.in_(clipboard["ids"]), polymorphic.trashed_at.is_(None)
        )
    ).all()
    done, refused, changed = 0, 0, 0
    versions = clipboard.get("versions") if isinstance(clipboard.get("versions"), dict) else {}
    for node in nodes:
        node._lineage = load_lineage(node)
        allowed = request.has_permission(DELETE if clipboard["op"] == "cut" else VIEW, node)
        try:
            if not allowed:
                raise TreeChangeError("not allowed")
            if clipboard["op"] == "cut":
                old_path = node.path
                expected = versions.get(str(node.id))
                changes.move(
                    node,
                    context,
                    changes.free_name(context, node.name),
                    expected_version=expected if isinstance(expected, int) else None,
                )
                event = events.ObjectMoved(node, request, old_path=old_path, new_path=node.path)
            else:
                event = events.ObjectAdded(
                    changes.copy(node, context, owner_id=request.identity.id), request
                )
            request.registry.notify(event)
            done += 1
        except EditConflict:
            changed += 1
        except TreeChangeError:
            refused += 1
    response = _back(
        request, context, f"paste:{done}:{refused}" + (f":{changed}" if changed else "")
    )
    if clipboard["op"] == "cut":  # what was cut is now here; a copy may be pasted again
        _store_clipboard(response, request, None, [])
    return response


@view_config(
    name="contents",
    context=Node,
    request_method="POST",
    request_param="action=reorder",
    permission=EDIT,
)
def reorder(context, request):
    nodes = _selected(request, context)
    try:
        position = int(request.POST.get("position", ""))
    except ValueError:
        raise HTTPBadRequest() from None
    if len(nodes) != 1:
        raise HTTPBadRequest()
    move_to_position(request.dbsession, nodes[0], position)
    return _back(request, context, "reorder")


def outcome_message(done: str):
    """The confirmation shown after an action (carried in the redirect's query)."""
    kind, _sep, rest = done.partition(":")
    numbers = [int(n) for n in rest.split(":") if n.isdigit()]
    count = numbers[0] if numbers else 0
    if kind == "cut":
        return _(
            "${count} elementi tagliati: incollali nella cartella di destinazione.",
            mapping={"count": count},
        )
    if kind == "copy":
        return _(
            "${count} elementi copiati: incollali nella cartella di destinazione.",
            mapping={"count": count},
        )
    refused = numbers[1] if len(numbers) > 1 else 0
    if kind == "paste":
        if refused:
            return _(
                "${count} elementi incollati; ${refused} non consentiti qui.",
                mapping={"count": count, "refused": refused},
            )
        return _("${count} elementi incollati.", mapping={"count": count})
    if kind == "reorder":
        return _("Ordine aggiornato.")
    if kind == "delete":
        if refused:
            return _(
                "${count} elementi spostati nel cestino; ${refused} non consentiti.",
                mapping={"count": count, "refused": refused},
            )
        return _("${count} elementi spostati nel cestino.", mapping={"count": count})
    if kind == "transition":
        if refused:
            return _(
                "Stato cambiato per ${count} elementi; per ${refused} il passaggio non è "
                "consentito o non è possibile dal loro stato.",
                mapping={"count": count, "refused": refused},
            )
        return _("Stato cambiato per ${count} elementi.", mapping={"count": count})
    if kind == "none":
        return _("Nessun elemento selezionato.")
    return None


def changed_message(done: str):
    """Said besides the outcome when some selected items were left alone because they
    changed after the page was shown (their version moved)."""
    numbers = [int(n) for n in done.partition(":")[2].split(":") if n.isdigit()]
    changed = numbers[2] if len(numbers) > 2 else 0
    if not changed:
        return None
    return _(
        "${changed} elementi sono stati modificati da qualcun altro dopo che hai aperto la "
        "pagina: non sono stati toccati. Controllali e riprova.",
        mapping={"changed": changed},
    )
