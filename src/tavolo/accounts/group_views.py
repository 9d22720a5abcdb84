"""Groups administration on the site root, for Managers (``manage``).

- ``@@gruppi``: the list, with search and pages (GET);
- ``@@nuovo-gruppo``: create a group (name and title);
- ``@@gruppo?id=N``: rename (the title: the name is the stable identifier), the members,
  and the search for new ones (``cerca``);
- ``@@aggiungi-membro-gruppo`` and ``@@rimuovi-membro-gruppo``: POST only, ``member`` is
  ``user:<id>`` or ``org:<id>``;
- ``@@elimina-gruppo?id=N``: the confirmation page, listing what goes with the group (GET),
  and the deletion (POST).

Thin views over ``admin_groups.GroupAdministration``; they fire ``GroupChanged``, which
the audit trail records. Every POST carries the CSRF token (checked by Pyramid before the
view runs).
"""

from __future__ import annotations

import colander
import deform
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from tavolo import events
from tavolo.accounts.admin_groups import (
    NAME_MAX_LENGTH,
    SEARCH_MAX_LENGTH,
    SEARCH_MIN_LENGTH,
    TITLE_MAX_LENGTH,
    GroupAdministration,
    MemberNotFound,
    MemberRefused,
    member_key,
    member_name,
)
from tavolo.accounts.identifiers import identifier_validator
from tavolo.accounts.models import User
from tavolo.content.models import Node
from tavolo.i18n import _
from tavolo.security.roles import MANAGE
from tavolo.security.sharing import ROLE_TITLES
from tavolo.web.forms import cancel_button, make_form, save_button, strip, strip_lower
from tavolo.web.pagination import Page
from tavolo.web.placement import require_site_root

LIST_VIEW = "gruppi"
NEW_VIEW = "nuovo-gruppo"
EDIT_VIEW = "gruppo"
ADD_MEMBER_VIEW = "aggiungi-membro-gruppo"
REMOVE_MEMBER_VIEW = "rimuovi-membro-gruppo"
DELETE_VIEW = "elimina-gruppo"
LIST_TEMPLATE = "tavolo:templates/accounts/groups.pt"
FORM_TEMPLATE = "tavolo:templates/accounts/group_form.pt"
DELETE_TEMPLATE = "tavolo:templates/accounts/group_delete.pt"
PAGE_SIZE = 25

NOTICES = {
    "creato": _("Il gruppo è stato creato: ora puoi aggiungere i membri."),
    "salvato": _("Le modifiche sono state salvate."),
}
# After a change of members: the page names who it was about (``membro``).
MEMBER_NOTICES = {
    "aggiunto": lambda name: _("${name} ora fa parte del gruppo.", mapping={"name": name}),
    "gia-membro": lambda name: _(
        "${name} faceva già parte del gruppo: nulla è cambiato.", mapping={"name": name}
    ),
    "rimosso": lambda name: _("${name} non fa più parte del gruppo.", mapping={"name": name}),
    "non-membro": lambda name: _(
        "${name} non faceva parte del gruppo: nulla è cambiato.", mapping={"name": name}
    ),
}


def _service(request) -> GroupAdministration:
    return GroupAdministration(request.dbsession)


def _group_or_404(request):
    group = _service(request).get(request.params.get("id"))
    if group is None:
        raise HTTPNotFound()
    return group


def _group_url(request, group, view=EDIT_VIEW, **query) -> str:
    # Empty values are left out: ``cerca=`` would only clutter the address.
    query = {key: value for key, value in query.items() if value}
    return request.resource_url(request.root, f"@@{view}", query={"id": group.id, **query})


# the forms --------------------------------------------------------------------------------
@colander.deferred
def _name_validator(node, kw):
    return identifier_validator(
        NAME_MAX_LENGTH,
        _(
            "Il nome del gruppo deve avere da 2 a ${max} caratteri.",
            mapping={"max": NAME_MAX_LENGTH},
        ),
        kw["service"].name_taken,
        _("C'è già un gruppo con questo nome."),
    )


def _title_node() -> colander.SchemaNode:
    return colander.SchemaNode(
        colander.String(),
        name="title",
        title=_("Titolo"),
        description=_("Il nome che le persone leggono: si può cambiare quando serve."),
        preparer=strip,
        validator=colander.Length(min=1, max=TITLE_MAX_LENGTH),
    )


def _new_group_form(request, service):
    schema = colander.Schema()
    schema.add(
        colander.SchemaNode(
            colander.String(),
            name="name",
            title=_("Nome (identificativo)"),
            description=_(
                "Lettere minuscole, cifre, punto, trattino e trattino basso: per esempio "
                "tavolo-minori. Non si potrà cambiare."
            ),
            preparer=strip_lower,
            validator=_name_validator,
        )
    )
    schema.add(_title_node())
    return make_form(
        request,
        schema.bind(request=request, service=service),
        buttons=(save_button(_("Crea il gruppo")), cancel_button()),
        action=request.resource_url(request.root, f"@@{NEW_VIEW}"),
        formid="new-group-form",
    )


def _rename_form(request, group):
    schema = colander.Schema()
    schema.add(_title_node())
    return make_form(
        request,
        schema.bind(request=request),
        buttons=(save_button(), cancel_button()),
        action=_group_url(request, group),
        formid="edit-group-form",
    )


def _member_notice(request, service):
    """The notice after a change of members, naming the member (None if unknown)."""
    notice = MEMBER_NOTICES.get(request.GET.get("notice", ""))
    if notice is None:
        return None
    try:
        member = service.find_member(request.GET.get("membro", ""))
    except MemberNotFound:
        return None
    return notice(member_name(member))


def _form_page(request, title, rendered, *, status=200, notice=None) -> dict:
    """The new-group page: the form alone."""
    request.response.status_int = status
    return {"page_title": title, "form": rendered, "group": None, "notice": notice, "error": None}


def _group_page(request, group, rendered, *, status=200, notice=None, error=None) -> dict:
    """The group page: the rename form, the members and the search for new ones."""
    request.response.status_int = status
    service = _service(request)
    users, organisations = service.members(group)
    query = (request.params.get("cerca") or "").strip()[:SEARCH_MAX_LENGTH]
    return {
        "page_title": _("Gruppo: ${title}", mapping={"title": group.title}),
        "form": rendered,
        "group": group,
        "notice": notice,
        "error": error,
        "users": users,
        "organisations": organisations,
        "query": query,
        "query_too_short": bool(query) and len(query) < SEARCH_MIN_LENGTH,
        "candidates": service.candidates(group, query),
        "member_key": member_key,
        "search_url": request.resource_url(request.root, f"@@{EDIT_VIEW}"),
        "add_url": _group_url(request, group, ADD_MEMBER_VIEW),
        "remove_url": _group_url(request, group, REMOVE_MEMBER_VIEW),
        "delete_url": _group_url(request, group, DELETE_VIEW),
        "user_url": lambda user: request.resource_url(
            request.root, "@@utente", query={"id": user.id}
        ),
    }


def _member_details(member) -> dict:
    return {"member": member_key(member), "member_name": member_name(member)}


# the list ---------------------------------------------------------------------------------
@view_config(
    context=Node, name=LIST_VIEW, request_method="GET", renderer=LIST_TEMPLATE, permission=MANAGE
)
def groups_list(context, request):
    require_site_root(context)
    service = _service(request)
    query = (request.GET.get("cerca") or "").strip()[:SEARCH_MAX_LENGTH]
    listing = Page.from_request(request, total=service.count(query), size=PAGE_SIZE)
    deleted = request.GET.get("notice") == "eliminato"
    return {
        "rows": service.groups(query, offset=listing.offset, limit=listing.size),
        "listing": listing,
        "query": query,
        "notice": _("Il gruppo è stato eliminato.") if deleted else None,
        "action_url": request.resource_url(context, f"@@{LIST_VIEW}"),
        "new_url": request.resource_url(context, f"@@{NEW_VIEW}"),
        "group_url": lambda group: _group_url(request, group),
    }


# creating ---------------------------------------------------------------------------------
@view_config(
    context=Node,
    name=NEW_VIEW,
    request_method=("GET", "POST"),
    renderer=FORM_TEMPLATE,
    permission=MANAGE,
)
def new_group(context, request):
    require_site_root(context)
    service = _service(request)
    title = _("Nuovo gruppo")
    form = _new_group_form(request, service)
    if request.method == "GET":
        return _form_page(request, title, form.render())
    if "cancel" in request.POST:
        return HTTPSeeOther(request.resource_url(context, f"@@{LIST_VIEW}"))
    try:
        appstruct = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        return _form_page(request, title, failure.render(), status=400)
    group = service.create(name=appstruct["name"], title=appstruct["title"])
    request.registry.notify(events.GroupChanged(group, "created", request))
    return HTTPSeeOther(_group_url(request, group, notice="creato"))


# the group page: renaming -----------------------------------------------------------------
@view_config(
    context=Node,
    name=EDIT_VIEW,
    request_method=("GET", "POST"),
    renderer=FORM_TEMPLATE,
    permission=MANAGE,
)
def edit_group(context, request):
    require_site_root(context)
    group = _group_or_404(request)
    form = _rename_form(request, group)
    if request.method == "GET":
        service = _service(request)
        notice = NOTICES.get(request.GET.get("notice", "")) or _member_notice(request, service)
        return _group_page(request, group, form.render({"title": group.title}), notice=notice)
    if "cancel" in request.POST:
        return HTTPSeeOther(request.resource_url(context, f"@@{LIST_VIEW}"))
    try:
        appstruct = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        return _group_page(request, group, failure.render(), status=400)
    changes = _service(request).rename(group, appstruct["title"])
    if changes:
        request.registry.notify(events.GroupChanged(group, "renamed", request, details=changes))
    return HTTPSeeOther(_group_url(request, group, notice="salvato"))


# members ----------------------------------------------------------------------------------
@view_config(
    context=Node,
    name=ADD_MEMBER_VIEW,
    request_method="POST",
    renderer=FORM_TEMPLATE,
    permission=MANAGE,
)
def add_member(context, request):
    require_site_root(context)
    group = _group_or_404(request)
    try:
        member, added = _service(request).add_member(group, request.POST.get("member", ""))
    except MemberNotFound:
        raise HTTPNotFound() from None
    except MemberRefused as refused:
        if isinstance(refused.member, User):
            error = _(
                "${name} ha l'account disattivato: non può essere aggiunto al gruppo.",
                mapping={"name": member_name(refused.member)},
            )
        else:
            error = _(
                "${name} è stata ritirata dalla rete: non può essere aggiunta al gruppo.",
                mapping={"name": member_name(refused.member)},
            )
        rendered = _rename_form(request, group).render({"title": group.title})
        return _group_page(request, group, rendered, status=400, error=error)
    if added:
        details = _member_details(member)
        request.registry.notify(
            events.GroupChanged(group, "member_added", request, details=details)
        )
    notice = "aggiunto" if added else "gia-membro"
    # Back to the same search, so that several members are added one after the other.
    return HTTPSeeOther(
        _group_url(
            request,
            group,
            notice=notice,
            membro=member_key(member),
            cerca=(request.POST.get("cerca") or "").strip()[:SEARCH_MAX_LENGTH],
        )
    )


@view_config(context=Node, name=REMOVE_MEMBER_VIEW, request_method="POST", permission=MANAGE)
def remove_member(context, request):
    require_site_root(context)
    group = _group_or_404(request)
    try:
        member, removed = _service(request).remove_member(group, request.POST.get("member", ""))
    except MemberNotFound:
        raise HTTPNotFound() from None
    if removed:
        details = _member_details(member)
        request.registry.notify(
            events.GroupChanged(group, "member_removed", request, details=details)
        )
    notice = "rimosso" if removed else "non-membro"
    return HTTPSeeOther(_group_url(request, group, notice=notice, membro=member_key(member)))


# deleting ---------------------------------------------------------------------------------
@view_config(
    context=Node,
    name=DELETE_VIEW,
    request_method="GET",
    renderer=DELETE_TEMPLATE,
    permission=MANAGE,
)
def delete_confirm(context, request):
    require_site_root(context)
    group = _group_or_404(request)
    return {
        "group": group,
        "summary": _service(request).deletion_summary(group),
        "role_title": lambda role: ROLE_TITLES.get(role, role),
        "node_url": lambda path: request.application_url + path,
        "action_url": _group_url(request, group, DELETE_VIEW),
        "back_url": _group_url(request, group),
    }


@view_config(context=Node, name=DELETE_VIEW, request_method="POST", permission=MANAGE)
def delete_submit(context, request):
    require_site_root(context)
    group = _group_or_404(request)
    summary = _service(request).delete(group)
    # The group object still holds its id, name and title: the audit entry names it.
    request.registry.notify(
        events.GroupChanged(group, "deleted", request, details=summary.audit_details())
    )
    return HTTPSeeOther(
        request.resource_url(context, f"@@{LIST_VIEW}", query={"notice": "eliminato"})
    )
