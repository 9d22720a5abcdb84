"""Users administration on the site root, for Managers (``manage``).

- ``@@utenti``: the list, with search, filters, sorting and pages (GET);
- ``@@nuovo-utente``: create an account and send the invitation;
- ``@@utente?id=N``: edit name, e-mail and language; disable, re-enable, invite again;
- ``@@disattiva-utente?id=N``: the confirmation page (GET) and the disabling (POST);
- ``@@riattiva-utente`` and ``@@invita-utente``: POST only.

Thin views over ``admin_users.UserAdministration``; they fire the events the audit trail
records. Every POST carries the CSRF token (checked by Pyramid before the view runs).
"""

from __future__ import annotations

import colander
import deform
from pyramid.httpexceptions import HTTPConflict, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from tavolo import events
from tavolo.accounts.admin_users import (
    FULLNAME_MAX_LENGTH,
    FUNCTION_MAX_LENGTH,
    SORTS,
    AdministrationRefused,
    UserAdministration,
    UserFilter,
    email_valid,
)
from tavolo.accounts.identifiers import identifier_validator
from tavolo.accounts.login import LOGIN_MAX_LENGTH
from tavolo.accounts.onetime import InvitationService, MailContext
from tavolo.content.models import Node
from tavolo.i18n import LANGUAGE_NAMES, LOCALES, _
from tavolo.security.roles import MANAGE
from tavolo.web.forms import cancel_button, make_form, save_button, strip, strip_lower
from tavolo.web.pagination import Page
from tavolo.web.placement import require_site_root

LIST_VIEW = "utenti"
NEW_VIEW = "nuovo-utente"
EDIT_VIEW = "utente"
DISABLE_VIEW = "disattiva-utente"
ENABLE_VIEW = "riattiva-utente"
INVITE_VIEW = "invita-utente"
LIST_TEMPLATE = "tavolo:templates/accounts/users.pt"
FORM_TEMPLATE = "tavolo:templates/accounts/user_form.pt"
DISABLE_TEMPLATE = "tavolo:templates/accounts/user_disable.pt"
PAGE_SIZE = 25
SORT_TITLES = {
    "nome": _("Nome"),
    "login": _("Nome utente"),
    "email": _("E-mail"),
    "creato": _("Più recenti"),
}


def _service(request) -> UserAdministration:
    return UserAdministration(request.dbsession)


def _user_or_404(request):
    user = _service(request).get(request.params.get("id"))
    if user is None:
        raise HTTPNotFound()
    return user


def _user_url(request, user, view=EDIT_VIEW, **query) -> str:
    return request.resource_url(request.root, f"@@{view}", query={"id": user.id, **query})


# the form -----------------------------------------------------------------------------
@colander.deferred
def _login_validator(node, kw):
    return identifier_validator(
        LOGIN_MAX_LENGTH,
        _("Il nome utente deve avere da 2 a ${max} caratteri.", mapping={"max": LOGIN_MAX_LENGTH}),
        kw["service"].login_taken,
        _("Questo nome utente è già in uso."),
    )


@colander.deferred
def _email_validator(node, kw):
    service, user = kw["service"], kw.get("user")

    def validate(node, value):
        if not email_valid(value):
            raise colander.Invalid(node, _("Indica un indirizzo e-mail valido."))
        if service.email_taken(value, except_user_id=user.id if user is not None else None):
            raise colander.Invalid(
                node, _("Questo indirizzo e-mail è già usato da un altro utente.")
            )

    return validate


def _language_node() -> colander.SchemaNode:
    choices = [("", _("Come il sito (italiano)"))]
    choices += [(code, LANGUAGE_NAMES[code]) for code in LOCALES]
    return colander.SchemaNode(
        colander.String(),
        name="language",
        title=_("Lingua"),
        widget=deform.widget.SelectWidget(values=choices),
        validator=colander.OneOf([code for code, _title in choices]),
        missing="",
    )


def _person_nodes() -> list[colander.SchemaNode]:
    return [
        colander.SchemaNode(
            colander.String(),
            name="fullname",
            title=_("Nome e cognome"),
            preparer=strip,
            validator=colander.Length(min=1, max=FULLNAME_MAX_LENGTH),
        ),
        colander.SchemaNode(
            colander.String(),
            name="email",
            title=_("E-mail"),
            preparer=strip,
            validator=_email_validator,
        ),
        _language_node(),
    ]


def _new_user_schema(request, service) -> colander.Schema:
    schema = colander.Schema()
    schema.add(
        colander.SchemaNode(
            colander.String(),
            name="login",
            title=_("Nome utente"),
            description=_("Lettere minuscole, cifre, punto e trattino: per esempio mario.rossi"),
            preparer=strip_lower,
            validator=_login_validator,
        )
    )
    for node in _person_nodes():
        schema.add(node)
    organisations = [("", _("Nessuna"))] + [(str(o.id), o.name) for o in service.organisations()]
    schema.add(
        colander.SchemaNode(
            colander.String(),
            name="organisation",
            title=_("Organizzazione"),
            widget=deform.widget.SelectWidget(values=organisations),
            validator=colander.OneOf([value for value, _title in organisations]),
            missing="",
        )
    )
    schema.add(
        colander.SchemaNode(
            colander.String(),
            name="function",
            title=_("Funzione nell'organizzazione"),
            preparer=strip,
            validator=colander.Length(max=FUNCTION_MAX_LENGTH),
            missing="",
        )
    )
    schema.add(
        colander.SchemaNode(
            colander.Boolean(),
            name="signatory",
            title=_("Può decidere per l'organizzazione (firmatario)"),
            widget=deform.widget.CheckboxWidget(),
            missing=False,
        )
    )
    return schema.bind(request=request, service=service)


def _edit_schema(request, service, user) -> colander.Schema:
    schema = colander.Schema()
    for node in _person_nodes():
        schema.add(node)
    return schema.bind(request=request, service=service, user=user)


def _form_page(request, title, rendered, *, user=None, status=200, notice=None) -> dict:
    request.response.status_int = status
    return {"page_title": title, "form": rendered, "user": user, "notice": notice}


# the list ---------------------------------------------------------------------------------
@view_config(
    context=Node, name=LIST_VIEW, request_method="GET", renderer=LIST_TEMPLATE, permission=MANAGE
)
def users_list(context, request):
    require_site_root(context)
    service = _service(request)
    user_filter = UserFilter.from_params(request.GET)
    listing = Page.from_request(request, total=service.count(user_filter), size=PAGE_SIZE)
    return {
        "users": service.users(user_filter, offset=listing.offset, limit=listing.size),
        "listing": listing,
        "user_filter": user_filter,
        "organisations": service.organisations(include_retired=True),
        "sorts": [(key, SORT_TITLES[key]) for key in SORTS],
        "action_url": request.resource_url(context, f"@@{LIST_VIEW}"),
        "new_url": request.resource_url(context, f"@@{NEW_VIEW}"),
        "user_url": lambda user: _user_url(request, user),
    }


# creating ---------------------------------------------------------------------------------
@view_config(context=Node, name=NEW_VIEW, renderer=FORM_TEMPLATE, permission=MANAGE)
def new_user(context, request):
    require_site_root(context)
    if request.method not in ("GET", "POST"):
        raise HTTPNotFound()
    service = _service(request)
    title = _("Nuovo utente")
    form = make_form(
        request,
        _new_user_schema(request, service),
        buttons=(save_button(_("Crea e invia l'invito")), cancel_button()),
        action=request.resource_url(context, f"@@{NEW_VIEW}"),
        formid="new-user-form",
    )
    if request.method == "GET":
        return _form_page(request, title, form.render())
    if "cancel" in request.POST:
        return HTTPSeeOther(request.resource_url(context, f"@@{LIST_VIEW}"))
    try:
        appstruct = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        return _form_page(request, title, failure.render(), status=400)
    organisation_id = int(appstruct["organisation"]) if appstruct["organisation"] else None
    user, membership = service.create(
        login=appstruct["login"],
        fullname=appstruct["fullname"],
        email=appstruct["email"],
        language=appstruct["language"] or None,
        organisation_id=organisation_id,
        function=appstruct["function"],
        signatory=appstruct["signatory"],
    )
    notify = request.registry.notify
    notify(
        events.AccountChanged(
            user, "created", request, details={"email": user.email, "fullname": user.fullname}
        )
    )
    if membership is not None:
        details = {"function": membership.function, "signatory": membership.signatory}
        notify(
            events.MembershipChanged(
                user, membership.organisation, "added", request, details=details
            )
        )
    InvitationService(request.dbsession, MailContext.from_request(request)).invite(user)
    return HTTPSeeOther(_user_url(request, user, notice="invitato"))


# editing ----------------------------------------------------------------------------------
NOTICES = {
    "invitato": _("L'invito è stato inviato per e-mail."),
    "salvato": _("Le modifiche sono state salvate."),
    "disattivato": _("L'account è stato disattivato: le sue sessioni sono state chiuse."),
    "riattivato": _("L'account è stato riattivato."),
}


@view_config(context=Node, name=EDIT_VIEW, renderer=FORM_TEMPLATE, permission=MANAGE)
def edit_user(context, request):
    require_site_root(context)
    if request.method not in ("GET", "POST"):
        raise HTTPNotFound()
    user = _user_or_404(request)
    service = _service(request)
    title = _("Utente: ${name}", mapping={"name": user.fullname})
    form = make_form(
        request,
        _edit_schema(request, service, user),
        buttons=(save_button(), cancel_button()),
        action=_user_url(request, user),
        formid="edit-user-form",
    )
    if request.method == "GET":
        values = {"fullname": user.fullname, "email": user.email, "language": user.language or ""}
        notice = NOTICES.get(request.GET.get("notice", ""))
        return _form_page(request, title, form.render(values), user=user, notice=notice)
    if "cancel" in request.POST:
        return HTTPSeeOther(request.resource_url(context, f"@@{LIST_VIEW}"))
    try:
        appstruct = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        return _form_page(request, title, failure.render(), user=user, status=400)
    changes = service.update(
        user,
        fullname=appstruct["fullname"],
        email=appstruct["email"],
        language=appstruct["language"] or None,
    )
    if changes:
        request.registry.notify(events.AccountChanged(user, "modified", request, details=changes))
    return HTTPSeeOther(_user_url(request, user, notice="salvato"))


# disabling, re-enabling, inviting again ---------------------------------------------------
@view_config(
    context=Node,
    name=DISABLE_VIEW,
    request_method="GET",
    renderer=DISABLE_TEMPLATE,
    permission=MANAGE,
)
def disable_confirm(context, request):
    require_site_root(context)
    user = _user_or_404(request)
    return {
        "user": user,
        "is_self": request.identity is not None and request.identity.id == user.id,
        "action_url": _user_url(request, user, DISABLE_VIEW),
        "back_url": _user_url(request, user),
    }


@view_config(context=Node, name=DISABLE_VIEW, request_method="POST", permission=MANAGE)
def disable_submit(context, request):
    require_site_root(context)
    user = _user_or_404(request)
    try:
        changed = _service(request).disable(user, request.identity)
    except AdministrationRefused:
        raise HTTPConflict() from None
    if changed:
        request.registry.notify(events.AccountChanged(user, "disabled", request))
    return HTTPSeeOther(_user_url(request, user, notice="disattivato"))


@view_config(context=Node, name=ENABLE_VIEW, request_method="POST", permission=MANAGE)
def enable_submit(context, request):
    require_site_root(context)
    user = _user_or_404(request)
    if _service(request).enable(user):
        request.registry.notify(events.AccountChanged(user, "enabled", request))
    return HTTPSeeOther(_user_url(request, user, notice="riattivato"))


@view_config(context=Node, name=INVITE_VIEW, request_method="POST", permission=MANAGE)
def invite_submit(context, request):
    require_site_root(context)
    user = _user_or_404(request)
    if not user.active or user.password_hash is not None:
        # A disabled account's link would open nothing; someone with a password uses
        # "Password dimenticata?" if they lost it.
        raise HTTPConflict()
    InvitationService(request.dbsession, MailContext.from_request(request)).invite(user)
    return HTTPSeeOther(_user_url(request, user, notice="invitato"))
