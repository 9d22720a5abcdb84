"""Renaming and moving an item through forms; the old URL then redirects (301) to the new
one (``TreeChanges`` records it, the not-found view follows it).

Permissions. A rename or a move takes the item out of one place and puts it in another, so
it needs what a delete and an add need: ``delete`` on the item, and ``add`` on the folder
it lands in - its own folder for a rename (as Plone asks for rights on the item and on its
container), the destination for a move. The view is registered with ``delete``; the
``add`` is checked in the view, and at save time on the destination actually chosen.

Both forms carry the version they were opened on: a rename or move of an item that changed
meanwhile is refused with the conflict notice of the edit form, not applied blindly.
"""

from __future__ import annotations

import colander
import deform
from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import or_, select

from tavolo import events
from tavolo.content import reserved_names
from tavolo.content.concurrency import EditConflict
from tavolo.content.models import Node
from tavolo.content.moving import TreeChangeError, TreeChanges
from tavolo.content.registry import type_info
from tavolo.content.schemas import MetadataSchema
from tavolo.content.services import ContentService, InvalidName
from tavolo.content.tree import (
    NAME_PATTERN,
    attach_lineages,
    load_lineage,
    subtree_bounds,
)
from tavolo.i18n import _
from tavolo.security.policy import calculator_for
from tavolo.security.roles import ADD, DELETE, VIEW
from tavolo.web.forms import cancel_button, hidden_number, make_form, save_button

FORM_TEMPLATE = "tavolo:templates/content/editing/form.pt"
MOVE_TEMPLATE = "tavolo:templates/content/editing/move.pt"
# The destination list: a page of folders the user may move the item into. A site may have
# hundreds of folders, and whether one may add to each is decided per folder (local roles
# are inherited): folders are read in path order, in chunks, and checked one by one, with a
# bound on how many one request looks at. A filter narrows the list; "Altre cartelle"
# continues after the last folder shown (keyset paging, so no page costs more than another).
DESTINATIONS_PER_PAGE = 30
DESTINATION_CHUNK = 100
DESTINATION_SCAN_LIMIT = 500
FILTER_MAX_LENGTH = 100


def may_rename(request, node: Node) -> bool:
    parent = node.__parent__
    return (
        parent is not None
        and request.has_permission(DELETE, node)
        and request.has_permission(ADD, parent)
    )


def may_move(request, node: Node) -> bool:
    return node.parent_id is not None and request.has_permission(DELETE, node)


def _page(request, title, form_html, *, status=200, conflict=False, **extra) -> dict:
    request.response.status_int = status
    return {"page_title": title, "form": form_html, "conflict": conflict, **extra}


def _with_field_error(form, appstruct: dict, field_name: str, message) -> str:
    """The form rendered with ``message`` next to ``field_name``: for refusals found after
    the schema validated (a name taken meanwhile, a destination one may not add to)."""
    error = colander.Invalid(form.schema)
    error[field_name] = message
    form.widget.handle_error(form, error)
    return form.render(appstruct)


# rename ------------------------------------------------------------------------------------
def name_problem(service: ContentService, parent: Node, name: str):
    """Why ``name`` cannot be used in ``parent`` (an Italian message), or ``None``.

    ``ContentService.check_name`` decides; its reasons are for developers, so the reason
    shown is worked out here from the same rules."""
    try:
        service.check_name(parent, name)
    except InvalidName:
        if not NAME_PATTERN.match(name or ""):
            return _(
                "Usa solo lettere minuscole senza accenti, cifre, «-», «.» o «_», senza spazi; "
                "il nome comincia e finisce con una lettera o una cifra."
            )
        if name in service.reserved_names:
            return _(
                "«${name}» è riservato alle pagine del sito: scegli un altro nome.",
                mapping={"name": name},
            )
        return _(
            "Nella cartella c'è già un elemento chiamato «${name}» (anche nel cestino): "
            "scegli un altro nome.",
            mapping={"name": name},
        )
    return None


@colander.deferred
def _name_validator(node, kw):
    context, request = kw["context"], kw["request"]
    service = ContentService(request.dbsession, reserved_names(request.registry))

    def validate(schema_node, value):
        if value == context.name:
            return  # unchanged: nothing to check (and the name is taken by the item itself)
        problem = name_problem(service, context.__parent__, value)
        if problem is not None:
            raise colander.Invalid(schema_node, problem)

    return validate


def _rename_schema(request, context) -> colander.Schema:
    schema = colander.Schema()
    schema.add(
        colander.SchemaNode(
            colander.String(),
            name="name",
            title=_("Nome nell'indirizzo"),
            description=_(
                "L'ultima parte dell'indirizzo della pagina: lettere minuscole, cifre e "
                "trattini. Il vecchio indirizzo continuerà a portare qui."
            ),
            preparer=lambda value: value.strip() if isinstance(value, str) else value,
            validator=_name_validator,
        )
    )
    # The title as the metadata form validates it (length, spaces).
    schema.add(MetadataSchema()["title"].clone())
    schema.add(hidden_number("expected_version"))
    return schema.bind(request=request, context=context)


@view_config(context=Node, name="rename", permission=DELETE, renderer=FORM_TEMPLATE)
def rename_view(context, request):
    if context.parent_id is None:
        raise HTTPNotFound()  # the site itself has no name to change
    if not may_rename(request, context):
        raise HTTPForbidden()
    title = _("Rinomina: ${title}", mapping={"title": context.title})
    form = make_form(
        request,
        _rename_schema(request, context),
        buttons=(save_button(_("Rinomina")), cancel_button()),
        action=request.resource_url(context, "@@rename"),
    )
    if request.method != "POST":
        values = {"name": context.name, "title": context.title, "expected_version": context.version}
        return _page(request, title, form.render(values))
    if "cancel" in request.POST:
        return HTTPSeeOther(request.resource_url(context))
    try:
        appstruct = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        return _page(request, title, failure.render())
    old_path = context.path
    changes = TreeChanges(request.dbsession, reserved_names(request.registry), request.identity)
    try:
        changes.rename(context, appstruct["name"], appstruct.get("expected_version"))
    except EditConflict:
        values = {**appstruct, "expected_version": context.version}
        return _page(request, title, form.render(values), status=409, conflict=True)
    except TreeChangeError:  # taken between the check and the save
        message = _("Questo nome non si può usare qui: scegline un altro.")
        return _page(request, title, _with_field_error(form, appstruct, "name", message))
    if appstruct["title"] != context.title:
        changes.content.update(context, request.identity, title=appstruct["title"])
    if context.path != old_path:
        request.registry.notify(
            events.ObjectMoved(context, request, old_path=old_path, new_path=context.path)
        )
    else:
        request.registry.notify(events.ObjectModified(context, request))
    return HTTPSeeOther(request.resource_url(context, query={"saved": "1"}))


# move --------------------------------------------------------------------------------------
def _attach_lineages(dbsession, nodes: list[Node]) -> list[Node]:
    """Give ``nodes`` their lineages with one query for all their ancestors (the
    permission check needs them); the nodes below a trashed folder are left out."""
    attach_lineages(dbsession, nodes)
    return [
        node
        for node in nodes
        if node._lineage is not None and all(n.trashed_at is None for n in node._lineage)
    ]


def destinations(
    request, node: Node, text: str = "", after: str = ""
) -> tuple[list[Node], str | None]:
    """A page of the folders ``node`` may be moved into: of a type it may be placed in,
    not inside itself, not its current folder, and where the user holds ``add``; ordered by
    path, after the path ``after``, with ``text`` in the title or path. Also the ``after``
    of the next page (``None`` when there is nothing more)."""
    low, high = subtree_bounds(node.path)
    conditions = [
        Node.type.in_(sorted(type_info(node.type).addable_to)),
        Node.trashed_at.is_(None),
        or_(Node.path < low, Node.path >= high),
        Node.id != node.parent_id,
    ]
    if text:
        conditions.append(
            or_(
                Node.title.icontains(text, autoescape=True),
                Node.path.icontains(text, autoescape=True),
            )
        )
    found: list[Node] = []
    cursor, scanned = after, 0
    while scanned < DESTINATION_SCAN_LIMIT:
        chunk = list(
            request.dbsession.scalars(
                select(Node)
                .where(*conditions, Node.path > cursor)
                .order_by(Node.path)
                .limit(DESTINATION_CHUNK)
            )
        )
        scanned += len(chunk)
        usable_nodes = _attach_lineages(request.dbsession, chunk)
        calculator_for(request).preload(usable_nodes)
        usable = {n.id for n in usable_nodes}
        for candidate in chunk:
            cursor = candidate.path
            if candidate.id in usable and request.has_permission(ADD, candidate):
                found.append(candidate)
                if len(found) > DESTINATIONS_PER_PAGE:
                    return found[:DESTINATIONS_PER_PAGE], found[DESTINATIONS_PER_PAGE - 1].path
        if len(chunk) < DESTINATION_CHUNK:
            return found, None  # every folder was looked at
    return found, cursor  # more folders remain unexamined: continue from here


def destination_problem(request, node: Node, destination: Node | None):
    """Why ``node`` cannot be moved into ``destination`` (an Italian message), or ``None``.
    Everything is checked again here, whatever the form offered."""
    if destination is not None and destination.trashed_at is None:
        try:
            destination._lineage = load_lineage(destination)
        except LookupError:
            destination = None
    if (
        destination is None
        or destination.trashed_at is not None
        or any(a.trashed_at is not None for a in destination.lineage)
        or not request.has_permission(VIEW, destination)
    ):
        return _("La cartella scelta non esiste più.")
    if destination.path.startswith(node.path):
        return _("Un elemento non può essere spostato dentro sé stesso né in ciò che contiene.")
    if destination.id == node.parent_id:
        return _("L'elemento è già in questa cartella.")
    if destination.type not in type_info(node.type).addable_to:
        return _("Questo tipo di contenuto non può stare nella cartella scelta.")
    if not request.has_permission(ADD, destination):
        return _("Non hai il permesso di aggiungere contenuti nella cartella scelta.")
    try:
        ContentService(request.dbsession, reserved_names(request.registry)).check_name(
            destination, node.name
        )
    except InvalidName:
        return _(
            "Nella cartella scelta c'è già un elemento chiamato «${name}»: rinominalo prima "
            "di spostarlo.",
            mapping={"name": node.name},
        )
    return None


def _destination_label(folder: Node) -> str:
    # Titles repeat across the site ("Verbali" in every working group): the path tells.
    return f"{folder.title} ({folder.path})"


def _move_schema(request, choices: list[tuple[str, str]]) -> colander.Schema:
    schema = colander.Schema()
    schema.add(
        colander.SchemaNode(
            colander.Integer(),
            name="destination",
            title=_("Cartella di destinazione"),
            widget=deform.widget.SelectWidget(
                values=[("", _("— Scegli una cartella —")), *choices]
            ),
        )
    )
    schema.add(hidden_number("expected_version"))
    return schema.bind(request=request)


def _filter_params(request) -> tuple[str, str]:
    text = " ".join(request.GET.get("q", "").split())[:FILTER_MAX_LENGTH]
    after = request.GET.get("after", "")
    return text, after if after.startswith("/") else ""


@view_config(context=Node, name="move", permission=DELETE, renderer=MOVE_TEMPLATE)
def move_view(context, request):
    if context.parent_id is None:
        raise HTTPNotFound()  # the site itself stays where it is
    text, after = _filter_params(request)
    found, next_after = destinations(request, context, text, after)
    query = {key: value for key, value in (("q", text), ("after", after)) if value}
    here = request.resource_url(context, "@@move", query=query or None)
    form = make_form(
        request,
        _move_schema(request, [(str(n.id), _destination_label(n)) for n in found]),
        buttons=(save_button(_("Sposta")), cancel_button()),
        action=here,
    )
    title = _("Sposta: ${title}", mapping={"title": context.title})
    page = {
        "filter_text": text,
        "after": after,
        "destinations": found,
        "next_url": (
            request.resource_url(
                context, "@@move", query={**({"q": text} if text else {}), "after": next_after}
            )
            if next_after
            else None
        ),
        "first_url": (
            request.resource_url(context, "@@move", query={"q": text} if text else None)
            if after
            else None
        ),
        "current_folder": context.__parent__,
    }
    if request.method != "POST":
        values = {"expected_version": context.version}
        return _page(request, title, form.render(values), **page)
    if "cancel" in request.POST:
        return HTTPSeeOther(request.resource_url(context))
    try:
        appstruct = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        return _page(request, title, failure.render(), **page)
    destination = request.dbsession.get(Node, appstruct["destination"])
    problem = destination_problem(request, context, destination)
    old_path = context.path
    if problem is None:
        try:
            TreeChanges(request.dbsession, reserved_names(request.registry), request.identity).move(
                context, destination, expected_version=appstruct.get("expected_version")
            )
        except EditConflict:
            values = {**appstruct, "expected_version": context.version}
            return _page(request, title, form.render(values), status=409, conflict=True, **page)
        except TreeChangeError:
            problem = _("L'elemento non si può spostare nella cartella scelta.")
    if problem is not None:
        rendered = _with_field_error(form, appstruct, "destination", problem)
        return _page(request, title, rendered, **page)
    request.registry.notify(
        events.ObjectMoved(context, request, old_path=old_path, new_path=context.path)
    )
    return HTTPSeeOther(request.resource_url(context, query={"saved": "1"}))
