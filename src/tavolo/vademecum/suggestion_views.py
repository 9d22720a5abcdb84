"""Suggestions on the web.

* ``@@proponi-modifica``: the section's form, prefilled with what the caller reads; any
  logged-in partner who does not write the section (``may_suggest``);
* ``@@proposte``: the section's suggestions - all of them for its organisation and the
  prefecture, one's own for a proposer;
* ``@@proposta?id=N``: one suggestion, what it changes, and (for the organisation) the
  accept and decline forms;
* ``@@accetta-proposta`` and ``@@rifiuta-proposta`` (POST only, CSRF as every POST): the
  organisation's decision; declining needs a reason.
"""

from __future__ import annotations

import datetime as dt

import colander
import deform
from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from tavolo import events
from tavolo.accounts.models import Organisation
from tavolo.i18n import _
from tavolo.security.policy import calculator_for
from tavolo.security.roles import VIEW
from tavolo.vademecum.access import may_suggest, owns, sees_draft
from tavolo.vademecum.display import field_rows
from tavolo.vademecum.models import PENDING, VademecumSection
from tavolo.vademecum.notices import notify_decision, notify_suggestion
from tavolo.vademecum.schemas import with_blank_rows
from tavolo.vademecum.service import current_fields
from tavolo.vademecum.snapshot import SECTION_FIELDS, approved_content
from tavolo.vademecum.suggestions import (
    NOTE_MAX_LENGTH,
    REASON_MAX_LENGTH,
    SuggestionError,
    SuggestionService,
)
from tavolo.vademecum.views import FORM_TEMPLATE, section_form
from tavolo.versioning.service import RevisionService
from tavolo.web.forms import strip
from tavolo.workflow.web import engine_for

DETAIL_TEMPLATE = "tavolo:templates/vademecum/suggestion.pt"
MESSAGES = {
    "nothing": _(
        "Non hai cambiato nulla rispetto al testo della sezione: nessuna proposta inviata."
    ),
    "locked": _(
        "La sezione è in attesa di approvazione: ritirala dall'approvazione per accettare la "
        "proposta."
    ),
    "decided": _("Su questa proposta è già stata presa una decisione."),
    "reason": _("Scrivi il motivo: chi ha proposto la modifica deve saperlo."),
}


def _seen(request, section: VademecumSection) -> tuple[dict, int | None]:
    """What the caller reads of the section (its fields) and the revision that is."""
    if sees_draft(calculator_for(request), section):
        latest = RevisionService(request.dbsession).latest(section)
        return current_fields(section), latest.number if latest is not None else None
    content = approved_content(section)
    if content is None:
        return {}, None
    fields = {name: content.get(name) for name in SECTION_FIELDS}
    if fields.get("last_checked"):
        fields["last_checked"] = dt.date.fromisoformat(fields["last_checked"])
    return fields, section.approved_revision


def _note_node() -> colander.SchemaNode:
    return colander.SchemaNode(
        colander.String(),
        name="suggestion_note",
        title=_("Perché proponi questa modifica"),
        description=_("Facoltativo: aiuta l'organizzazione a decidere."),
        widget=deform.widget.TextAreaWidget(rows=3),
        validator=colander.Length(max=NOTE_MAX_LENGTH),
        preparer=strip,
        missing="",
    )


@view_config(
    context=VademecumSection, name="proponi-modifica", permission=VIEW, renderer=FORM_TEMPLATE
)
def propose_view(context, request):
    if not may_suggest(calculator_for(request), context):
        raise HTTPForbidden()
    title = _("Proponi una modifica: ${title}", mapping={"title": context.title})

    def new_form():
        # A new form for each rendering with other values (deform keeps the number of list
        # entries a validated form had).
        return section_form(
            request,
            context,
            request.resource_url(context, "@@proponi-modifica"),
            extra=(_note_node(),),
        )

    form = new_form()
    seen, base = _seen(request, context)

    def page(rendered, status=200, message=None):
        request.response.status_int = status
        return {"page_title": title, "form": rendered, "conflict": None, "message": message}

    if request.method != "POST":
        return page(form.render(with_blank_rows(seen)))
    if "cancel" in request.POST:
        return HTTPSeeOther(request.resource_url(context))
    try:
        appstruct = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        return page(failure.render(), 400)
    try:
        suggestion = SuggestionService(request.dbsession).propose(
            context,
            request.identity,
            seen,
            appstruct,
            base_revision=base,
            note=appstruct.get("suggestion_note", ""),
        )
    except SuggestionError as error:
        return page(new_form().render(with_blank_rows(appstruct)), 400, MESSAGES[error.code])
    request.registry.notify(events.SuggestionChanged(context, request, suggestion, "proposed"))
    notify_suggestion(request, context, suggestion)
    return HTTPSeeOther(
        request.resource_url(context, "@@proposta", query={"id": suggestion.id, "inviata": "1"})
    )


def _may_read(request, section, suggestion) -> bool:
    calculator = calculator_for(request)
    if sees_draft(calculator, section):
        return True
    return request.identity is not None and suggestion.proposer_id == request.identity.id


@view_config(
    context=VademecumSection,
    name="proposte",
    permission=VIEW,
    request_method=("GET", "HEAD"),
    renderer="tavolo:templates/vademecum/suggestions.pt",
)
def suggestions_view(context, request):
    if request.identity is None:
        raise HTTPForbidden()
    service = SuggestionService(request.dbsession)
    everything = sees_draft(calculator_for(request), context)
    found = [
        s for s in service.listing(context) if everything or s.proposer_id == request.identity.id
    ]
    return {"suggestions": found, "may_suggest": may_suggest(calculator_for(request), context)}


def _detail(request, context, suggestion, *, error=None, status=200) -> dict:
    request.response.status_int = status
    current = current_fields(context) if sees_draft(calculator_for(request), context) else None
    organisation = (
        request.dbsession.get(Organisation, suggestion.proposer_organisation_id)
        if suggestion.proposer_organisation_id
        else None
    )
    translate = request.localizer.translate
    return {
        "field_rows": field_rows(suggestion.fields, current, translate, request.locale_name),
        "suggestion": suggestion,
        "proposer_organisation": organisation,
        "current": current,
        "decides": owns(calculator_for(request), context) and suggestion.status == PENDING,
        "error": error,
        "reason_max": REASON_MAX_LENGTH,
        "sent": request.GET.get("inviata") == "1",
    }


def _suggestion(context, request):
    suggestion = SuggestionService(request.dbsession).get(context, request.params.get("id"))
    if suggestion is None or not _may_read(request, context, suggestion):
        raise HTTPNotFound()
    return suggestion


@view_config(
    context=VademecumSection,
    name="proposta",
    permission=VIEW,
    request_method=("GET", "HEAD"),
    renderer=DETAIL_TEMPLATE,
)
def suggestion_view(context, request):
    if request.identity is None:
        raise HTTPForbidden()
    return _detail(request, context, _suggestion(context, request))


def _deciding(context, request):
    if request.identity is None or not owns(calculator_for(request), context):
        raise HTTPForbidden()
    return _suggestion(context, request)


@view_config(
    context=VademecumSection,
    name="accetta-proposta",
    permission=VIEW,
    request_method="POST",
    renderer=DETAIL_TEMPLATE,
)
def accept_view(context, request):
    suggestion = _deciding(context, request)
    try:
        SuggestionService(request.dbsession).accept(
            suggestion, context, request.identity, engine=engine_for(request)
        )
    except SuggestionError as error:
        return _detail(request, context, suggestion, error=MESSAGES[error.code], status=409)
    request.registry.notify(events.ObjectModified(context, request))
    request.registry.notify(events.SuggestionChanged(context, request, suggestion, "accepted"))
    notify_decision(request, context, suggestion)
    return HTTPSeeOther(request.resource_url(context, "@@proposta", query={"id": suggestion.id}))


@view_config(
    context=VademecumSection,
    name="rifiuta-proposta",
    permission=VIEW,
    request_method="POST",
    renderer=DETAIL_TEMPLATE,
)
def decline_view(context, request):
    suggestion = _deciding(context, request)
    try:
        SuggestionService(request.dbsession).decline(
            suggestion, request.identity, request.POST.get("reason", "")
        )
    except SuggestionError as error:
        status = 400 if error.code == "reason" else 409
        return _detail(request, context, suggestion, error=MESSAGES[error.code], status=status)
    request.registry.notify(events.SuggestionChanged(context, request, suggestion, "declined"))
    notify_decision(request, context, suggestion)
    return HTTPSeeOther(request.resource_url(context, "@@proposta", query={"id": suggestion.id}))
