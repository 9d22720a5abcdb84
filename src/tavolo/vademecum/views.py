"""The Vademecum's pages: the guide, a common chapter, a section and its edit form.

* a section shows its APPROVED content to every partner, and its current draft to its
  organisation and the prefecture (who may still ask for the approved one with
  ``?versione=approvata``);
* ``@@edit`` on a section is its own form (it overrides the generic one for this type):
  only its organisation's members and Managers (``edit``); saving an approved section
  starts a new draft (``SectionService``).
"""

from __future__ import annotations

import datetime as dt

import deform
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import get_renderer
from pyramid.view import view_config

from tavolo import events
from tavolo.accounts.models import Organisation
from tavolo.content import content_service
from tavolo.content.concurrency import EditConflict
from tavolo.content.models import File
from tavolo.content.views.display import ContentDisplay
from tavolo.i18n import _
from tavolo.security.policy import calculator_for
from tavolo.security.roles import EDIT, REVIEW, VIEW
from tavolo.vademecum.access import may_suggest, owns, sees_draft
from tavolo.vademecum.models import Vademecum, VademecumChapter, VademecumSection
from tavolo.vademecum.schemas import SectionSchema, with_blank_rows
from tavolo.vademecum.service import SectionService, current_fields
from tavolo.vademecum.snapshot import approved_content, chapters, section_content, sections
from tavolo.vademecum.suggestions import SuggestionService
from tavolo.versioning.locks import lock_service
from tavolo.web.forms import cancel_button, change_note, hidden_number, make_form, save_button
from tavolo.workflow.states import state_title
from tavolo.workflow.web import engine_for

FORM_TEMPLATE = "tavolo:templates/vademecum/form.pt"
MACROS_TEMPLATE = "tavolo:templates/vademecum/macros.pt"


def content_helpers(request, section) -> dict:
    """What the section-content macro needs besides the content: its macros, dates from
    ISO strings, and the address of a document the caller may open (None otherwise)."""
    calculator = calculator_for(request)

    def document_url(doc):
        node = request.dbsession.get(File, doc.get("node_id"))
        if node is None or node.parent_id != section.id or node.trashed_at is not None:
            return None
        node._lineage = [*section.lineage, node]
        return request.resource_url(node) if calculator.permits(node, VIEW) else None

    return {
        "vademecum_macros": get_renderer(MACROS_TEMPLATE).implementation(),
        "view_date": dt.date.fromisoformat,
        "document_url": document_url,
    }


@view_config(context=Vademecum, renderer="tavolo:templates/vademecum/vademecum.pt", permission=VIEW)
def vademecum_view(context, request):
    calculator = calculator_for(request)
    entries = []
    for section in sections(request.dbsession, context):
        if not calculator.permits(section, VIEW):
            continue
        entries.append(
            {
                "section": section,
                "approved": section.approved_snapshot is not None,
                "state": state_title(section.state) if sees_draft(calculator, section) else None,
            }
        )
    return {
        "display": ContentDisplay(context, request),
        "chapters": [
            c for c in chapters(request.dbsession, context) if calculator.permits(c, VIEW)
        ],
        "entries": entries,
        "manages": request.has_permission(REVIEW, context),
    }


@view_config(
    context=VademecumChapter, renderer="tavolo:templates/vademecum/chapter.pt", permission=VIEW
)
def chapter_view(context, request):
    return {"display": ContentDisplay(context, request)}


@view_config(
    context=VademecumSection, renderer="tavolo:templates/vademecum/section.pt", permission=VIEW
)
def section_view(context, request):
    calculator = calculator_for(request)
    draft_visible = sees_draft(calculator, context)
    approved = approved_content(context)
    if draft_visible and request.GET.get("versione") != "approvata":
        content, showing = section_content(context), "current"
    else:
        content, showing = approved, "approved"
    owner = owns(calculator, context)
    return {
        "display": ContentDisplay(context, request),
        "content": content,
        "showing": showing,
        "draft_visible": draft_visible,
        "has_approved": approved is not None,
        "state": state_title(context.state),
        "may_suggest": may_suggest(calculator, context),
        "owns": owner,
        "pending": SuggestionService(request.dbsession).pending_count(context)
        if draft_visible
        else 0,
        "organisation": request.dbsession.get(Organisation, context.organisation_id),
        **content_helpers(request, context),
    }


def section_form(request, context, action: str, *, extra=()) -> deform.Form:
    schema = SectionSchema()
    for node in extra:
        schema.add(node)
    return make_form(
        request,
        schema.bind(request=request, dbsession=request.dbsession),
        buttons=(save_button(), cancel_button()),
        action=action,
    )


def _page(request, title, rendered, status=200, conflict=False):
    request.response.status_int = status
    return {"page_title": title, "form": rendered, "conflict": conflict, "message": None}


@view_config(context=VademecumSection, name="edit", permission=EDIT, renderer=FORM_TEMPLATE)
def section_edit_view(context, request):
    title = _("Modifica: ${title}", mapping={"title": context.title})

    def new_form():
        # A new form for each rendering with other values: deform keeps the number of
        # list entries a validated form had, and cannot render another number of them.
        return section_form(
            request,
            context,
            request.resource_url(context, "@@edit"),
            extra=(hidden_number("expected_version"), change_note()),
        )

    form = new_form()
    if request.method != "POST":
        values = {**current_fields(context), "expected_version": context.version}
        return _page(request, title, form.render(with_blank_rows(values)))
    if "cancel" in request.POST:
        # Leaving the form ends the caller's advisory edit lock (tavolo.versioning.locks).
        lock_service(request).leave(context, request.identity)
        return HTTPSeeOther(request.resource_url(context))
    try:
        appstruct = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        return _page(request, title, failure.render(), status=400)
    service = SectionService(
        request.dbsession, content=content_service(request), engine=engine_for(request)
    )
    try:
        service.save(
            context,
            request.identity,
            appstruct,
            expected_version=appstruct.get("expected_version"),
            note=appstruct.get("change_note") or "",
        )
    except EditConflict:
        # Someone saved meanwhile: nothing was written; the form keeps what this person
        # typed, on top of the version now stored.
        values = {**appstruct, "expected_version": context.version}
        return _page(
            request, title, new_form().render(with_blank_rows(values)), status=409, conflict=True
        )
    request.change_note = appstruct.get("change_note") or ""
    request.registry.notify(events.ObjectModified(context, request))
    return HTTPSeeOther(request.resource_url(context, query={"saved": "1"}))
