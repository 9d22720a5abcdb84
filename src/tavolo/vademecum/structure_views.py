"""The prefecture's page for the Vademecum's structure (``review`` on the Vademecum:
its Reviewers and Managers).

* ``@@struttura``: chapters and sections in order, with what can be done;
* ``@@crea-sezioni``, ``@@aggiungi-organizzazione``, ``@@sposta-nella-struttura``,
  ``@@ripristina-sezione``: POST only;
* ``@@ritira-sezione?id=N``: a confirmation page (GET writes nothing), then POST.
"""

from __future__ import annotations

from pyramid.httpexceptions import HTTPBadRequest, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import select

from tavolo import events
from tavolo.accounts.models import Organisation
from tavolo.content import content_service
from tavolo.content.models import Node
from tavolo.i18n import _
from tavolo.security.roles import EDITOR, REVIEW
from tavolo.vademecum.models import Vademecum, VademecumSection
from tavolo.vademecum.snapshot import chapters
from tavolo.vademecum.structure import StructureError, VademecumStructure
from tavolo.workflow.states import state_title

STRUCTURE_VIEW = "struttura"
MESSAGES = {
    "creato": _("Sezioni create per le organizzazioni che non ne avevano una."),
    "aggiunta": _("Sezione aggiunta."),
    "ritirata": _("Sezione ritirata: non compare più nel Vademecum, ma resta conservata."),
    "ripristinata": _("Sezione ripristinata."),
    "spostato": _("Ordine aggiornato."),
    "nulla": _("Non c'era nulla da cambiare."),
}


def _back(request, context, message: str):
    url = request.resource_url(context, f"@@{STRUCTURE_VIEW}", query={"fatto": message})
    return HTTPSeeOther(url)


def _int(request, name: str) -> int:
    try:
        return int(request.POST.get(name) or request.GET.get(name) or "")
    except ValueError:
        raise HTTPBadRequest() from None


def _structure(request) -> VademecumStructure:
    return VademecumStructure(request.dbsession, content_service(request))


def _section(request, context, section_id: int) -> VademecumSection:
    section = request.dbsession.get(VademecumSection, section_id)
    if section is None or section.parent_id != context.id or section.trashed_at is not None:
        raise HTTPNotFound()
    return section


def _announce_created(request, context, change, kind: str) -> None:
    for node in change.created:
        node._lineage = [*context.lineage, node]
        request.registry.notify(events.ObjectAdded(node, request))
    for section, principal in change.grants:
        request.registry.notify(
            events.LocalRolesChanged(
                section, request, granted=((principal, EDITOR),), inherit_roles=(True, False)
            )
        )
        request.registry.notify(
            events.VademecumStructureChanged(
                section, kind, request, {"organisation_id": section.organisation_id}
            )
        )


@view_config(
    context=Vademecum,
    name=STRUCTURE_VIEW,
    permission=REVIEW,
    request_method=("GET", "HEAD"),
    renderer="tavolo:templates/vademecum/structure.pt",
)
def structure_view(context, request):
    structure = _structure(request)
    children = list(
        request.dbsession.scalars(
            select(Node)
            .where(Node.parent_id == context.id, Node.trashed_at.is_(None))
            .order_by(Node.position, Node.id)
        )
    )
    chapter_ids = {c.id for c in chapters(request.dbsession, context)}
    organisations = {
        o.id: o
        for o in request.dbsession.scalars(
            select(Organisation).where(
                Organisation.id.in_(
                    [c.organisation_id for c in children if isinstance(c, VademecumSection)]
                )
            )
        )
    }
    rows = [
        {
            "node": child,
            "is_chapter": child.id in chapter_ids,
            "is_section": isinstance(child, VademecumSection),
            "organisation": organisations.get(getattr(child, "organisation_id", None)),
            "retired": getattr(child, "retired_at", None) is not None,
            "state": state_title(child.state),
        }
        for child in children
    ]
    message = MESSAGES.get(request.GET.get("fatto", ""))
    return {
        "rows": rows,
        "missing": structure.missing_organisations(context),
        "message": message,
    }


@view_config(context=Vademecum, name="crea-sezioni", permission=REVIEW, request_method="POST")
def create_sections_view(context, request):
    change = _structure(request).create_sections(context)
    _announce_created(request, context, change, "section_added")
    return _back(request, context, "creato" if change.created else "nulla")


@view_config(
    context=Vademecum, name="aggiungi-organizzazione", permission=REVIEW, request_method="POST"
)
def add_organisation_view(context, request):
    organisation = request.dbsession.get(Organisation, _int(request, "organisation_id"))
    if organisation is None:
        raise HTTPNotFound()
    structure = _structure(request)
    existing = structure.section_of(context, organisation.id)
    try:
        change = structure.add_organisation(context, organisation)
    except StructureError:
        return _back(request, context, "nulla")
    if existing is not None:  # a retired section came back
        request.registry.notify(
            events.VademecumStructureChanged(existing, "section_restored", request)
        )
        return _back(request, context, "ripristinata")
    _announce_created(request, context, change, "section_added")
    return _back(request, context, "aggiunta")


@view_config(
    context=Vademecum, name="sposta-nella-struttura", permission=REVIEW, request_method="POST"
)
def move_view(context, request):
    offset = {"su": -1, "giu": 1}.get(request.POST.get("verso", ""))
    if offset is None:
        raise HTTPBadRequest()
    moved = _structure(request).move(context, _int(request, "node_id"), offset)
    if moved:
        request.registry.notify(events.VademecumStructureChanged(context, "reordered", request))
    return _back(request, context, "spostato" if moved else "nulla")


@view_config(
    context=Vademecum,
    name="ritira-sezione",
    permission=REVIEW,
    renderer="tavolo:templates/vademecum/retire.pt",
)
def retire_view(context, request):
    section = _section(request, context, _int(request, "id"))
    if request.method != "POST":
        return {
            "section": section,
            "organisation": request.dbsession.get(Organisation, section.organisation_id),
        }
    if "cancel" in request.POST:
        return _back(request, context, "nulla")
    _structure(request).retire(section)
    request.registry.notify(
        events.VademecumStructureChanged(
            section, "section_retired", request, {"organisation_id": section.organisation_id}
        )
    )
    return _back(request, context, "ritirata")


@view_config(context=Vademecum, name="ripristina-sezione", permission=REVIEW, request_method="POST")
def restore_view(context, request):
    section = _section(request, context, _int(request, "id"))
    try:
        _structure(request).restore(section)
    except StructureError:
        return _back(request, context, "nulla")
    request.registry.notify(events.VademecumStructureChanged(section, "section_restored", request))
    return _back(request, context, "ripristinata")
