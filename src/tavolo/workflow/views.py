"""Taking a transition through the web: ``@@transizione?nome=<transition>`` on any item.

GET shows the transition (what it does, from which state to which), a comment (required
when the transition says so) and, for transitions that publish, the publication and expiry
dates; POST takes it through the engine, which checks everything again. The form carries
the version the caller saw: a transition on an item that changed meanwhile is refused (409)
rather than applied to a state its actor never saw.

Refusals: a transition that does not leave the item's state is not there (404) on GET,
and a conflict (409) on POST, where it usually means someone moved the item first; a guard
the caller does not pass is 403; a missing comment or impossible dates are 400 with the form.
"""

from __future__ import annotations

import colander
import deform
from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from tavolo.content.models import Node
from tavolo.content.schemas import LocalDateTime
from tavolo.i18n import _
from tavolo.security.roles import VIEW
from tavolo.web.forms import cancel_button, make_form, save_button, strip
from tavolo.workflow.engine import (
    COMMENT_MAX_LENGTH,
    KEEP,
    CommentRequired,
    InvalidDates,
    StaleVersion,
    TransitionRefused,
    UnknownTransition,
)
from tavolo.workflow.states import state_title
from tavolo.workflow.web import engine_for, transition_url

TEMPLATE = "tavolo:templates/workflow/transition.pt"
CONFLICT_TEMPLATE = "tavolo:templates/workflow/conflict.pt"
EXPIRES_BEFORE_EFFECTIVE = _("La data di scadenza deve seguire quella di pubblicazione.")


def _dates_in_order(node, value):
    effective, expires = value.get("effective"), value.get("expires")
    if effective and expires and expires <= effective:
        error = colander.Invalid(node)
        error["expires"] = EXPIRES_BEFORE_EFFECTIVE
        raise error


def _schema(request, transition) -> colander.Schema:
    schema = colander.Schema(validator=_dates_in_order if transition.schedules else None)
    comment = {
        "title": _("Commento"),
        "description": _("Facoltativo: resta nella cronologia dell'elemento."),
        "missing": "",
    }
    if transition.comment_required:
        comment = {
            "title": _("Commento (obbligatorio)"),
            "description": _("Spiega il motivo: resta nella cronologia dell'elemento."),
            "missing_msg": _("Scrivi un commento: questo passaggio lo richiede."),
        }
    schema.add(
        colander.SchemaNode(
            colander.String(),
            name="comment",
            widget=deform.widget.TextAreaWidget(
                rows=4, attributes={"maxlength": str(COMMENT_MAX_LENGTH)}
            ),
            validator=colander.Length(max=COMMENT_MAX_LENGTH),
            # Blanks alone are no comment: a required one must say something.
            preparer=strip,
            **comment,
        )
    )
    if transition.schedules:
        # The metadata form's own wording: these are the item's dates, set while publishing.
        schema.add(
            colander.SchemaNode(
                LocalDateTime(),
                name="effective",
                title=_("Data di pubblicazione"),
                description=_("Prima di questa data il contenuto non è visibile ai visitatori."),
                widget=deform.widget.DateTimeInputWidget(),
                missing=None,
            )
        )
        schema.add(
            colander.SchemaNode(
                LocalDateTime(),
                name="expires",
                title=_("Data di scadenza"),
                description=_("Dopo questa data il contenuto non è più visibile ai visitatori."),
                widget=deform.widget.DateTimeInputWidget(),
                missing=None,
            )
        )
    schema.add(
        colander.SchemaNode(
            colander.Integer(),
            name="expected_version",
            widget=deform.widget.HiddenWidget(),
            missing=None,
        )
    )
    return schema.bind(request=request)


def _form_error(form, appstruct: dict, field_name: str, message) -> str:
    """The form rendered with ``message`` next to ``field_name``: for what the engine refuses
    after the schema validated."""
    error = colander.Invalid(form.schema)
    error[field_name] = message
    form.widget.handle_error(form, error)
    return form.render(appstruct)


def _conflict(request, context, reason: str) -> dict:
    request.override_renderer = CONFLICT_TEMPLATE
    request.response.status_int = 409
    return {"reason": reason, "state_title": state_title(context.state)}


@view_config(context=Node, name="transizione", permission=VIEW, renderer=TEMPLATE)
def transition_view(context, request):
    if request.identity is None:
        # No transition is open to visitors; the forbidden view asks them to log in.
        raise HTTPForbidden()
    engine = engine_for(request)
    name = request.params.get("nome", "")
    transition = engine.workflow_for(context).transition(name)
    possible = transition is not None and context.state in transition.sources
    if request.method == "POST" and "cancel" in request.POST:
        return HTTPSeeOther(request.resource_url(context))
    if not possible:
        if request.method != "POST":
            raise HTTPNotFound()
        return _conflict(request, context, "state")
    if not engine.calculator.permits(context, transition.guard):
        raise HTTPForbidden()

    form = make_form(
        request,
        _schema(request, transition),
        buttons=(save_button(transition.title), cancel_button()),
        action=transition_url(request, context, name),
    )
    page = {
        "transition": transition,
        "from_title": state_title(context.state),
        "to_title": state_title(transition.target),
    }
    if request.method != "POST":
        values = {"expected_version": context.version}
        if transition.schedules:
            values.update(effective=context.effective, expires=context.expires)
        return {**page, "form": form.render(values)}

    try:
        appstruct = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        request.response.status_int = 400
        return {**page, "form": failure.render()}
    try:
        engine.take(
            context,
            name,
            appstruct["comment"],
            # The fields are prefilled: one emptied by the user removes that date.
            effective=appstruct.get("effective", KEEP),
            expires=appstruct.get("expires", KEEP),
            expected_version=appstruct["expected_version"],
        )
    except TransitionRefused:
        raise HTTPForbidden() from None
    except UnknownTransition:
        return _conflict(request, context, "state")
    except StaleVersion:
        return _conflict(request, context, "version")
    except CommentRequired:
        message = _("Scrivi un commento: questo passaggio lo richiede.")
        request.response.status_int = 400
        return {**page, "form": _form_error(form, appstruct, "comment", message)}
    except InvalidDates:
        # The dates left as they were count too: a new publication date after the stored
        # expiry date is refused here, not by the schema.
        request.response.status_int = 400
        form_html = _form_error(form, appstruct, "expires", EXPIRES_BEFORE_EFFECTIVE)
        return {**page, "form": form_html}
    return HTTPSeeOther(request.resource_url(context, query={"stato": "cambiato"}))
