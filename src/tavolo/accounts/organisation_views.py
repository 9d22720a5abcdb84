"""Organisations administration on the site root, for Managers (``manage``).

- ``@@organizzazioni``: the list, with search, filters and pages (GET);
- ``@@nuova-organizzazione``: create one;
- ``@@organizzazione?id=N``: edit it (its logo included);
- ``@@logo-organizzazione?id=N``: its logo, for everyone who may see the site (``view``);
- ``@@ritira-organizzazione?id=N``: the confirmation page (GET) and the retiring (POST);
- ``@@riammetti-organizzazione?id=N``: restore a retired one (POST);
- ``@@elimina-organizzazione?id=N``: the confirmation page, or what refers to it (GET),
  and the deletion (POST, 409 while anything refers to it).

The members are in ``organisation_member_views``. Thin views over
``admin_organisations.OrganisationAdministration``; they fire the events the audit trail
records. Every POST carries the CSRF token (checked by Pyramid before the view runs).
"""

from __future__ import annotations

import logging

import colander
import deform
from pyramid.httpexceptions import HTTPInternalServerError, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from tavolo import events
from tavolo.accounts.admin_organisations import (
    ADDRESS_MAX_LENGTH,
    FIELDS,
    KIND_TITLES,
    NAME_MAX_LENGTH,
    STATUSES,
    WEBSITE_MAX_LENGTH,
    OrganisationAdministration,
    OrganisationFilter,
    OrganisationInUse,
    normalise_name,
)
from tavolo.accounts.admin_users import EMAIL_MAX_LENGTH, email_valid
from tavolo.content.models import Node
from tavolo.content.schemas import WEB_SCHEMES, UploadWidget, url_validator
from tavolo.files.blobstore import BlobNotFound, InvalidHash
from tavolo.files.downloads import serve_blob
from tavolo.files.messages import UploadRefused
from tavolo.files.uploads import IMAGE_FORMATS, Uploads
from tavolo.i18n import _
from tavolo.security.roles import MANAGE, VIEW
from tavolo.web.forms import cancel_button, make_form, save_button, strip
from tavolo.web.pagination import Page
from tavolo.web.placement import require_site_root

log = logging.getLogger(__name__)

LIST_VIEW = "organizzazioni"
NEW_VIEW = "nuova-organizzazione"
EDIT_VIEW = "organizzazione"
LOGO_VIEW = "logo-organizzazione"
RETIRE_VIEW = "ritira-organizzazione"
RESTORE_VIEW = "riammetti-organizzazione"
DELETE_VIEW = "elimina-organizzazione"
MEMBERS_VIEW = "membri-organizzazione"  # organisation_member_views
LIST_TEMPLATE = "tavolo:templates/accounts/organisations.pt"
FORM_TEMPLATE = "tavolo:templates/accounts/organisation_form.pt"
RETIRE_TEMPLATE = "tavolo:templates/accounts/organisation_retire.pt"
DELETE_TEMPLATE = "tavolo:templates/accounts/organisation_delete.pt"
PAGE_SIZE = 25
LOGO_NAMES = {"image/png": "logo.png", "image/jpeg": "logo.jpg"}
NOTICES = {
    "creata": _("L'organizzazione è stata creata."),
    "salvato": _("Le modifiche sono state salvate."),
    "ritirata": _(
        "L'organizzazione è stata ritirata dalla rete: i ruoli concessi all'intera "
        "organizzazione non raggiungono più i suoi membri."
    ),
    "riammessa": _("L'organizzazione è stata riammessa nella rete."),
    "eliminata": _("L'organizzazione è stata eliminata."),
}


def service_for(request) -> OrganisationAdministration:
    return OrganisationAdministration(request.dbsession, Uploads.from_registry(request.registry))


def organisation_or_404(request):
    organisation = service_for(request).get(request.params.get("id"))
    if organisation is None:
        raise HTTPNotFound()
    return organisation


def organisation_url(request, organisation, view=EDIT_VIEW, **query) -> str:
    return request.resource_url(request.root, f"@@{view}", query={"id": organisation.id, **query})


def logo_url(request, organisation) -> str | None:
    if organisation.logo_sha256 is None:
        return None
    # The hash in the address: a new logo is a new address, never a stale cached copy.
    return organisation_url(request, organisation, LOGO_VIEW, v=organisation.logo_sha256[:12])


# the form -----------------------------------------------------------------------------
@colander.deferred
def _name_validator(node, kw):
    service, organisation = kw["service"], kw.get("organisation")

    def validate(node, value):
        except_id = organisation.id if organisation is not None else None
        if service.name_taken(value, except_id=except_id):
            raise colander.Invalid(
                node,
                _("Esiste già un'organizzazione con questo nome (anche con maiuscole diverse)."),
            )

    return colander.All(colander.Length(min=1, max=NAME_MAX_LENGTH), validate)


def _email_validator(node, value):
    if len(value) > EMAIL_MAX_LENGTH or not email_valid(value):
        raise colander.Invalid(node, _("Indica un indirizzo e-mail valido."))


@colander.deferred
def _logo_widget(node, kw):
    return UploadWidget(kw["upload_store"], accept="image/png,image/jpeg")


@colander.deferred
def _logo_validator(node, kw):
    """Inspected as the service will store it: a refusal is the field's message, and
    nothing reaches the blob store while the form is invalid."""
    uploads = kw["uploads"]

    def validate(node, value):
        try:
            uploads.check(value.get("data") or b"", value.get("filename"), IMAGE_FORMATS)
        except UploadRefused as refusal:
            raise colander.Invalid(node, refusal.message) from None

    return validate


def _email_node(name, title, description=None) -> colander.SchemaNode:
    return colander.SchemaNode(
        colander.String(),
        name=name,
        title=title,
        description=description,
        preparer=strip,
        validator=_email_validator,
        missing="",
    )


def _schema(request, service, organisation=None) -> colander.Schema:
    kinds = [(kind.value, title) for kind, title in KIND_TITLES.items()]
    schema = colander.Schema()
    schema.add(
        colander.SchemaNode(
            colander.String(),
            name="name",
            title=_("Nome"),
            preparer=lambda value: normalise_name(value) if isinstance(value, str) else value,
            validator=_name_validator,
        )
    )
    schema.add(
        colander.SchemaNode(
            colander.String(),
            name="kind",
            title=_("Tipo"),
            widget=deform.widget.SelectWidget(values=kinds),
            validator=colander.OneOf([value for value, _title in kinds]),
        )
    )
    schema.add(
        colander.SchemaNode(
            colander.Boolean(),
            name="lead_partner",
            title=_("Capofila"),
            description=_("L'organizzazione guida un progetto o un'attività della rete."),
            widget=deform.widget.CheckboxWidget(),
            missing=False,
        )
    )
    schema.add(_email_node("pec", _("PEC"), _("Posta elettronica certificata")))
    schema.add(_email_node("email", _("E-mail")))
    schema.add(
        colander.SchemaNode(
            colander.String(),
            name="website",
            title=_("Sito web"),
            description=_("Per esempio https://www.comune.example.it"),
            preparer=strip,
            validator=colander.All(
                colander.Length(max=WEBSITE_MAX_LENGTH), url_validator(WEB_SCHEMES)
            ),
            missing="",
        )
    )
    schema.add(
        colander.SchemaNode(
            colander.String(),
            name="address",
            title=_("Indirizzo"),
            widget=deform.widget.TextAreaWidget(rows=3),
            preparer=strip,
            validator=colander.Length(max=ADDRESS_MAX_LENGTH),
            missing="",
        )
    )
    schema.add(
        colander.SchemaNode(
            deform.FileData(),
            name="logo",
            title=_("Logo"),
            description=_("Un'immagine PNG o JPEG."),
            widget=_logo_widget,
            validator=_logo_validator,
            missing=None,
        )
    )
    if organisation is not None and organisation.logo_sha256 is not None:
        schema.add(
            colander.SchemaNode(
                colander.Boolean(),
                name="remove_logo",
                title=_("Togli il logo"),
                widget=deform.widget.CheckboxWidget(),
                missing=False,
            )
        )
    return schema.bind(
        request=request,
        service=service,
        organisation=organisation,
        upload_store=request.registry["tavolo.upload_store"],
        uploads=service.uploads,
    )


def _fields(appstruct: dict) -> dict:
    return {name: appstruct[name] for name in FIELDS}


def _form_page(request, title, rendered, *, organisation=None, status=200, notice=None):
    request.response.status_int = status
    page = {
        "page_title": title,
        "form": rendered,
        "organisation": organisation,
        "notice": notice,
        "list_url": request.resource_url(request.root, f"@@{LIST_VIEW}"),
    }
    if organisation is not None:
        page.update(
            kind_title=KIND_TITLES.get(organisation.kind),
            logo_url=logo_url(request, organisation),
            logo_alt=_("Logo di ${name}", mapping={"name": organisation.name}),
            members=len(organisation.memberships),
            url=lambda view: organisation_url(request, organisation, view),
        )
    return page


# the list ---------------------------------------------------------------------------------
@view_config(
    context=Node, name=LIST_VIEW, request_method="GET", renderer=LIST_TEMPLATE, permission=MANAGE
)
def organisations_list(context, request):
    require_site_root(context)
    service = service_for(request)
    organisation_filter = OrganisationFilter.from_params(request.GET)
    total = service.count(organisation_filter)
    listing = Page.from_request(request, total=total, size=PAGE_SIZE)
    return {
        "rows": service.organisations(
            organisation_filter, offset=listing.offset, limit=listing.size
        ),
        "listing": listing,
        "organisation_filter": organisation_filter,
        "kinds": [(kind.value, title) for kind, title in KIND_TITLES.items()],
        "kind_titles": KIND_TITLES,
        "statuses": STATUSES,
        "notice": NOTICES.get(request.GET.get("notice", "")),
        "action_url": request.resource_url(context, f"@@{LIST_VIEW}"),
        "new_url": request.resource_url(context, f"@@{NEW_VIEW}"),
        "organisation_url": lambda organisation: organisation_url(request, organisation),
    }


# creating ---------------------------------------------------------------------------------
@view_config(
    context=Node,
    name=NEW_VIEW,
    request_method=("GET", "POST"),
    renderer=FORM_TEMPLATE,
    permission=MANAGE,
)
def new_organisation(context, request):
    require_site_root(context)
    service = service_for(request)
    title = _("Nuova organizzazione")
    form = make_form(
        request,
        _schema(request, service),
        buttons=(save_button(_("Crea")), cancel_button()),
        action=request.resource_url(context, f"@@{NEW_VIEW}"),
        formid="organisation-form",
    )
    if request.method != "POST":
        return _form_page(request, title, form.render())
    if "cancel" in request.POST:
        return HTTPSeeOther(request.resource_url(context, f"@@{LIST_VIEW}"))
    try:
        appstruct = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        return _form_page(request, title, failure.render(), status=400)
    organisation = service.create(logo=appstruct["logo"], **_fields(appstruct))
    details = {name: getattr(organisation, name) for name in FIELDS}
    details["kind"] = organisation.kind.value
    details["logo"] = organisation.logo_sha256
    request.registry.notify(
        events.OrganisationChanged(organisation, "created", request, details=details)
    )
    return HTTPSeeOther(organisation_url(request, organisation, notice="creata"))


# editing ----------------------------------------------------------------------------------
@view_config(
    context=Node,
    name=EDIT_VIEW,
    request_method=("GET", "POST"),
    renderer=FORM_TEMPLATE,
    permission=MANAGE,
)
def edit_organisation(context, request):
    require_site_root(context)
    organisation = organisation_or_404(request)
    service = service_for(request)
    title = _("Organizzazione: ${name}", mapping={"name": organisation.name})
    form = make_form(
        request,
        _schema(request, service, organisation),
        buttons=(save_button(), cancel_button()),
        action=organisation_url(request, organisation),
        formid="organisation-form",
    )
    page = {"organisation": organisation}
    if request.method != "POST":
        values = {name: getattr(organisation, name) or "" for name in FIELDS}
        values["kind"] = organisation.kind.value
        values["lead_partner"] = organisation.lead_partner
        notice = NOTICES.get(request.GET.get("notice", ""))
        return _form_page(request, title, form.render(values), notice=notice, **page)
    if "cancel" in request.POST:
        return HTTPSeeOther(request.resource_url(context, f"@@{LIST_VIEW}"))
    try:
        appstruct = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        return _form_page(request, title, failure.render(), status=400, **page)
    changes = service.update(
        organisation,
        logo=appstruct["logo"],
        remove_logo=appstruct.get("remove_logo", False),
        **_fields(appstruct),
    )
    if changes:
        request.registry.notify(
            events.OrganisationChanged(organisation, "modified", request, details=changes)
        )
    return HTTPSeeOther(organisation_url(request, organisation, notice="salvato"))


# the logo ---------------------------------------------------------------------------------
@view_config(context=Node, name=LOGO_VIEW, request_method=("GET", "HEAD"), permission=VIEW)
def organisation_logo(context, request):
    """The logo, inline for ``<img>``: only PNG and JPEG are ever stored as logos, and
    ``serve_blob`` sends them as untrusted content (``nosniff``, ``sandbox``)."""
    require_site_root(context)
    organisation = organisation_or_404(request)
    if organisation.logo_sha256 is None:
        raise HTTPNotFound()
    try:
        return serve_blob(
            request.registry["tavolo.blobs"],
            request,
            sha256=organisation.logo_sha256,
            content_type=organisation.logo_content_type,
            filename=LOGO_NAMES.get(organisation.logo_content_type, "logo"),
            inline=organisation.logo_content_type in LOGO_NAMES,
        )
    except (BlobNotFound, InvalidHash, OSError) as exc:
        # The row names bytes the store does not have (a lost disk, a partial restore).
        log.error(
            "logo blob %s of organisation %s is missing or unreadable (%s): restore the "
            "blob directory, then run tavolo-blobs verify",
            organisation.logo_sha256,
            organisation.id,
            exc.__class__.__name__,
        )
        raise HTTPInternalServerError() from None


# retiring and restoring -------------------------------------------------------------------
@view_config(
    context=Node,
    name=RETIRE_VIEW,
    request_method="GET",
    renderer=RETIRE_TEMPLATE,
    permission=MANAGE,
)
def retire_confirm(context, request):
    require_site_root(context)
    organisation = organisation_or_404(request)
    return {
        "organisation": organisation,
        "members": len(organisation.memberships),
        "action_url": organisation_url(request, organisation, RETIRE_VIEW),
        "back_url": organisation_url(request, organisation),
    }


@view_config(context=Node, name=RETIRE_VIEW, request_method="POST", permission=MANAGE)
def retire_submit(context, request):
    require_site_root(context)
    organisation = organisation_or_404(request)
    if service_for(request).retire(organisation):
        request.registry.notify(events.OrganisationChanged(organisation, "retired", request))
    return HTTPSeeOther(organisation_url(request, organisation, notice="ritirata"))


@view_config(context=Node, name=RESTORE_VIEW, request_method="POST", permission=MANAGE)
def restore_submit(context, request):
    require_site_root(context)
    organisation = organisation_or_404(request)
    if service_for(request).restore(organisation):
        request.registry.notify(events.OrganisationChanged(organisation, "restored", request))
    return HTTPSeeOther(organisation_url(request, organisation, notice="riammessa"))


# deleting ---------------------------------------------------------------------------------
def _delete_page(request, organisation, found, status=200) -> dict:
    request.response.status_int = status
    return {
        "organisation": organisation,
        "found": found,
        "action_url": organisation_url(request, organisation, DELETE_VIEW),
        "retire_url": organisation_url(request, organisation, RETIRE_VIEW),
        "back_url": organisation_url(request, organisation),
    }


@view_config(
    context=Node,
    name=DELETE_VIEW,
    request_method="GET",
    renderer=DELETE_TEMPLATE,
    permission=MANAGE,
)
def delete_confirm(context, request):
    require_site_root(context)
    organisation = organisation_or_404(request)
    return _delete_page(request, organisation, service_for(request).references(organisation))


@view_config(
    context=Node,
    name=DELETE_VIEW,
    request_method="POST",
    renderer=DELETE_TEMPLATE,
    permission=MANAGE,
)
def delete_submit(context, request):
    require_site_root(context)
    organisation = organisation_or_404(request)
    details = {"name": organisation.name, "kind": organisation.kind.value}
    try:
        service_for(request).delete(organisation)
    except OrganisationInUse as refused:
        # Something came to refer to it since the confirmation page: say what, change
        # nothing, and offer retiring instead.
        return _delete_page(request, organisation, refused.found, status=409)
    # The deleted object keeps its id and name until the commit: the trail reads them.
    request.registry.notify(
        events.OrganisationChanged(organisation, "deleted", request, details=details)
    )
    return HTTPSeeOther(
        request.resource_url(context, f"@@{LIST_VIEW}", query={"notice": "eliminata"})
    )
