"""Adding, editing and deleting content, and the trash. Thin views: validate, call one
service, redirect (303). The forms come from each type's schema in the type registry."""

from __future__ import annotations

from functools import cached_property

import colander
import deform
from pyramid.events import BeforeRender, subscriber
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.renderers import get_renderer
from pyramid.view import view_config
from sqlalchemy import select

from tavolo import events
from tavolo.accounts.models import User
from tavolo.content import content_service
from tavolo.content.concurrency import EditConflict, claim_version
from tavolo.content.models import Node
from tavolo.content.organising import may_move, may_rename
from tavolo.content.registry import addable_types, type_info
from tavolo.content.schemas import for_editing
from tavolo.content.trash import TrashService, contents, links_to, subtree_count
from tavolo.content.tree import ROOT_PATH
from tavolo.content.uploading import may_upload
from tavolo.files.uploads import Uploads
from tavolo.i18n import _
from tavolo.security.roles import ADD, DELETE, EDIT, MANAGE, SHARE
from tavolo.versioning.conflicts import ConflictService
from tavolo.versioning.references import describer
from tavolo.web.forms import cancel_button, change_note, hidden_number, make_form, save_button
from tavolo.web.pagination import Page as ListingPage
from tavolo.workflow.states import state_title
from tavolo.workflow.web import workflow_menu

FORM_TEMPLATE = "tavolo:templates/content/editing/form.pt"
EDITOR_BAR_TEMPLATE = "tavolo:templates/content/editing/editor_bar.pt"
TRASH_PAGE_SIZE = 20
# Not content fields: the form's own machinery.
_FORM_ONLY = frozenset({"csrf_token", "expected_version", "base_revision", "change_note"})


def _schema(request, info, editing=False) -> colander.Schema:
    schema = info.schema()
    if editing:
        for_editing(schema)
        schema.add(hidden_number("expected_version"))
        # The latest revision when the form was opened: the common ancestor the conflict
        # page merges from (tavolo.versioning.conflicts).
        schema.add(hidden_number("base_revision"))
        # Kept with the revision this save writes (tavolo.versioning), not on the item.
        schema.add(change_note())
    return schema.bind(
        request=request,
        dbsession=request.dbsession,
        upload_store=request.registry["tavolo.upload_store"],
        uploads=Uploads.from_registry(request.registry),
    )


def _content_fields(appstruct: dict) -> dict:
    return {k: v for k, v in appstruct.items() if k not in _FORM_ONLY}


def _saved_url(request, node) -> str:
    return request.resource_url(node, query={"saved": "1"})


def _form_page(request, form, title, *, rendered=None, status=200, conflict=None):
    request.response.status_int = status
    return {
        "page_title": title,
        "form": rendered if rendered is not None else form.render(),
        "conflict": conflict,
    }


@view_config(context=Node, name="add", permission=ADD, renderer=FORM_TEMPLATE)
def add_view(context, request):
    candidates = [
        info
        for info in addable_types(context)
        if info.schema is not None and request.has_permission(info.add_permission, context)
    ]
    type_name = request.params.get("type")
    if not type_name:
        if not candidates:
            raise HTTPNotFound()
        request.override_renderer = "tavolo:templates/content/editing/add_menu.pt"
        return {"types": candidates}
    info = next((i for i in candidates if i.name == type_name), None)
    if info is None:
        raise HTTPNotFound()
    title = _("Aggiungi: ${type}", mapping={"type": request.localizer.translate(info.title)})
    form = make_form(
        request,
        _schema(request, info),
        buttons=(save_button(), cancel_button()),
        action=request.resource_url(context, "@@add", query={"type": info.name}),
    )
    if request.method != "POST":
        return _form_page(request, form, title)
    if "cancel" in request.POST:
        return HTTPSeeOther(request.resource_url(context))
    try:
        appstruct = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        return _form_page(request, form, title, rendered=failure.render())
    service = content_service(request)
    fields = _content_fields(appstruct)
    node = service.create(
        context,
        info.name,
        service.choose_name(context, fields["title"]),
        owner_id=request.identity.id,
        **fields,
    )
    request.registry.notify(events.ObjectAdded(node, request))
    return HTTPSeeOther(_saved_url(request, node))


@view_config(context=Node, name="edit", permission=EDIT, renderer=FORM_TEMPLATE)
def edit_view(context, request):
    info = type_info(context.type)
    if info.schema is None:
        raise HTTPNotFound()
    title = _("Modifica: ${title}", mapping={"title": context.title})
    form = make_form(
        request,
        _schema(request, info, editing=True),
        buttons=(save_button(), cancel_button()),
        action=request.resource_url(context, "@@edit"),
    )
    if request.method != "POST":
        values = {
            child.name: getattr(context, child.name)
            for child in form.schema.children
            if child.name not in _FORM_ONLY and child.name != "upload"
        }
        values["expected_version"] = context.version
        values["base_revision"] = ConflictService(request.dbsession).base_number(context)
        return _form_page(request, form, title, rendered=form.render(values))
    if "cancel" in request.POST:
        # Leaving the form ends the caller's advisory edit lock (tavolo.versioning.locks).
        from tavolo.versioning.locks import lock_service

        lock_service(request).leave(context, request.identity)
        return HTTPSeeOther(request.resource_url(context))
    try:
        appstruct = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        return _form_page(request, form, title, rendered=failure.render())
    fields = _content_fields(appstruct)
    if fields.get("upload") is None:
        fields.pop("upload", None)
    expected = appstruct.get("expected_version")
    try:
        # Checked and locked before anything is written for this save (the baseline
        # revision of ObjectWillBeModified included).
        claim_version(context, expected)
    except EditConflict:
        report = ConflictService(request.dbsession).report(
            context,
            fields,
            appstruct.get("base_revision"),
            locale=request.locale_name,
            describe=describer(request),
        )
        rendered = form.render({**appstruct, **report.values})
        return _form_page(request, form, title, rendered=rendered, status=409, conflict=report)
    request.registry.notify(events.ObjectWillBeModified(context, request))
    content_service(request).update(context, request.identity, expected_version=expected, **fields)
    # The versioning subscriber of ObjectModified writes the revision with this note.
    request.change_note = appstruct.get("change_note") or ""
    request.registry.notify(events.ObjectModified(context, request))
    return HTTPSeeOther(_saved_url(request, context))


@view_config(
    context=Node,
    name="delete",
    permission=DELETE,
    renderer="tavolo:templates/content/editing/delete.pt",
)
def delete_view(context, request):
    if context.parent_id is None:
        raise HTTPNotFound()  # the site itself is never deleted
    conflict = False
    if request.method == "POST":
        if "cancel" in request.POST:
            return HTTPSeeOther(request.resource_url(context))
        parent = context.lineage[-2]
        try:
            expected = int(request.POST.get("expected_version", ""))
        except ValueError:
            expected = None  # a form from before versions were sent: confirm as it is
        try:
            TrashService(request.dbsession).trash(context, request.identity, expected)
        except EditConflict:
            request.response.status_int = 409
            conflict = True
        else:
            request.registry.notify(events.ObjectRemoved(context, request))
            return HTTPSeeOther(request.resource_url(parent, query={"deleted": "1"}))
    return {
        "contained": subtree_count(request.dbsession, context),
        "contents": contents(request.dbsession, context),
        "linked_from": links_to(request.dbsession, context),
        "conflict": conflict,
    }


@view_config(
    context=Node,
    name="trash",
    permission=MANAGE,
    renderer="tavolo:templates/content/editing/trash.pt",
)
def trash_view(context, request):
    if context.path != ROOT_PATH:
        raise HTTPNotFound()
    trash = TrashService(request.dbsession)
    here = request.resource_url(context, "@@trash")
    if request.method == "POST":
        if "restore" in request.POST:
            try:
                node = trash.get(int(request.POST["restore"]))
            except ValueError:
                node = None
            if node is None:
                raise HTTPNotFound()
            trash.restore(node)
            request.registry.notify(events.ObjectAdded(node, request))
            return HTTPSeeOther(f"{here}?restored=1")
        if "empty" in request.POST:
            trash.empty()
            return HTTPSeeOther(f"{here}?emptied=1")
        return HTTPSeeOther(here)
    listing = ListingPage.from_request(request, total=trash.count(), size=TRASH_PAGE_SIZE)
    items = trash.items(offset=listing.offset, limit=listing.size)
    user_ids = {n.trashed_by_id for n in items if n.trashed_by_id is not None}
    names = dict(
        request.dbsession.execute(select(User.id, User.fullname).where(User.id.in_(user_ids))).all()
    )
    return {
        "items": items,
        "listing": listing,
        "deleted_by": names,
        "confirm_empty": request.GET.get("empty") == "confirm" and listing.total > 0,
    }


class EditorBar:
    """The links an editor gets on an item: edit, add, delete (each only if permitted)."""

    def __init__(self, context, request):
        self.context = context
        self.request = request

    @cached_property
    def links(self) -> list[dict]:
        context, request = self.context, self.request
        if not isinstance(context, Node) or request.identity is None:
            return []
        links = []
        if request.has_permission(EDIT, context) and type_info(context.type).schema:
            links.append({"title": _("Modifica"), "url": request.resource_url(context, "@@edit")})
            url = request.resource_url(context, "@@versioni")
            links.append({"title": _("Versioni"), "url": url})
            url = request.resource_url(context, "@@storia")
            links.append({"title": _("Storia"), "url": url})
        may_add = request.has_permission(ADD, context)
        if may_add and addable_types(context):
            links.append({"title": _("Aggiungi"), "url": request.resource_url(context, "@@add")})
        if may_add and type_info(context.type).folderish:
            # Reorder, cut, copy and paste live there; without this link nobody finds them.
            url = request.resource_url(context, "@@contents")
            links.append({"title": _("Contenuti"), "url": url})
        if may_add and may_upload(request, context):
            url = request.resource_url(context, "@@carica")
            links.append({"title": _("Carica file"), "url": url})
        if may_rename(request, context):
            url = request.resource_url(context, "@@rename")
            links.append({"title": _("Rinomina"), "url": url})
        if may_move(request, context):
            links.append({"title": _("Sposta"), "url": request.resource_url(context, "@@move")})
        if context.parent_id is not None and request.has_permission(DELETE, context):
            links.append({"title": _("Elimina"), "url": request.resource_url(context, "@@delete")})
        if context.parent_id is None and request.has_permission(MANAGE, context):
            links.append({"title": _("Cestino"), "url": request.resource_url(context, "@@trash")})
        if request.has_permission(SHARE, context):
            url = request.resource_url(context, "@@condivisione")
            links.append({"title": _("Condivisione"), "url": url})
        if context.parent_id is None and request.has_permission(MANAGE, context):
            url = request.resource_url(context, "@@utenti")
            links.append({"title": _("Utenti"), "url": url})
            url = request.resource_url(context, "@@organizzazioni")
            links.append({"title": _("Organizzazioni"), "url": url})
            url = request.resource_url(context, "@@gruppi")
            links.append({"title": _("Gruppi"), "url": url})
            url = request.resource_url(context, "@@audit")
            links.append({"title": _("Registro attività"), "url": url})
        return links

    @property
    def message(self):
        params = self.request.GET
        if params.get("saved"):
            return _("Modifiche salvate")
        if params.get("deleted"):
            return _("Elemento spostato nel cestino")
        if params.get("stato") and isinstance(self.context, Node):
            # Set by the transition form's redirect; the state shown is the one it has now.
            title = self.request.localizer.translate(state_title(self.context.state))
            return _("Stato cambiato: ${state}", mapping={"state": title})
        return None

    @cached_property
    def workflow(self):
        """The item's state and the transitions the user may take (``tavolo.workflow``)."""
        return workflow_menu(self.request, self.context, edits_here=bool(self.links))

    @cached_property
    def macros(self):
        return get_renderer(EDITOR_BAR_TEMPLATE).implementation().macros


@subscriber(BeforeRender)
def add_editor_bar(event):
    request = event.get("request")
    if request is None or "editor_bar" in event:
        return
    event["editor_bar"] = EditorBar(event.get("context"), request)
