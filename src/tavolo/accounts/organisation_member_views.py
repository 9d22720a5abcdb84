"""The members of an organisation, for Managers (``manage``): only they change memberships
(DESIGN.md, Security), and every change is audited (``MembershipChanged``).

- ``@@membri-organizzazione?id=N``: the members, and a search (``cerca``) for active
  users who are not members yet (GET);
- ``@@aggiungi-membro-organizzazione?id=N``: add one (POST ``user_id``, ``function``,
  ``signatory``); a retired organisation takes no one new (409);
- ``@@modifica-membro-organizzazione?id=N&utente=M``: change function and signatory flag
  (POST);
- ``@@rimuovi-membro-organizzazione?id=N&utente=M``: the confirmation page (GET) and the
  removal (POST).

The signatory flag lets that person decide for the organisation: it is never a role that
sharing grants, only this page sets it.
"""

from __future__ import annotations

from pyramid.httpexceptions import HTTPConflict, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from tavolo import events
from tavolo.accounts.admin_organisations import CANDIDATE_MIN_LENGTH
from tavolo.accounts.admin_users import (
    FUNCTION_MAX_LENGTH,
    SEARCH_MAX_LENGTH,
    AdministrationRefused,
    UserAdministration,
)
from tavolo.accounts.organisation_views import (
    EDIT_VIEW,
    MEMBERS_VIEW,
    organisation_or_404,
    organisation_url,
    service_for,
)
from tavolo.content.models import Node
from tavolo.i18n import _
from tavolo.security.roles import MANAGE
from tavolo.web.placement import require_site_root

ADD_VIEW = "aggiungi-membro-organizzazione"
MODIFY_VIEW = "modifica-membro-organizzazione"
REMOVE_VIEW = "rimuovi-membro-organizzazione"
MEMBERS_TEMPLATE = "tavolo:templates/accounts/organisation_members.pt"
REMOVE_TEMPLATE = "tavolo:templates/accounts/organisation_member_remove.pt"
NOTICES = {
    "aggiunto": _("Il membro è stato aggiunto."),
    "salvato": _("Le modifiche sono state salvate."),
    "rimosso": _("Il membro è stato tolto dall'organizzazione."),
}


def _membership_or_404(request, organisation):
    membership = service_for(request).membership(organisation, request.params.get("utente"))
    if membership is None:
        raise HTTPNotFound()
    return membership


def _member_url(request, organisation, membership, view) -> str:
    return organisation_url(request, organisation, view, utente=membership.user_id)


def _function_and_flag(request) -> tuple[str | None, bool]:
    """The posted function (None when too long) and signatory flag."""
    function = (request.POST.get("function") or "").strip()
    signatory = request.POST.get("signatory") in ("1", "true", "on")
    return (function if len(function) <= FUNCTION_MAX_LENGTH else None), signatory


def _members_page(request, organisation, *, status=200, error=None) -> dict:
    service = service_for(request)
    query = (request.GET.get("cerca") or "").strip()[:SEARCH_MAX_LENGTH]
    candidates, more = service.candidates(organisation, query)
    request.response.status_int = status
    return {
        "organisation": organisation,
        "members": service.members(organisation),
        "query": query,
        "too_short": bool(query) and len(query) < CANDIDATE_MIN_LENGTH,
        "candidates": candidates,
        "more": more,
        "notice": NOTICES.get(request.GET.get("notice", "")),
        "error": error,
        "function_max": FUNCTION_MAX_LENGTH,
        "back_url": organisation_url(request, organisation, EDIT_VIEW),
        "search_url": request.resource_url(request.root, f"@@{MEMBERS_VIEW}"),
        "add_url": organisation_url(request, organisation, ADD_VIEW),
        "modify_url": lambda m: _member_url(request, organisation, m, MODIFY_VIEW),
        "remove_url": lambda m: _member_url(request, organisation, m, REMOVE_VIEW),
        "user_url": lambda user: request.resource_url(
            request.root, "@@utente", query={"id": user.id}
        ),
    }


def _too_long():
    return _(
        "La funzione può avere al massimo ${max} caratteri.", mapping={"max": FUNCTION_MAX_LENGTH}
    )


def _back_to_members(request, organisation, notice) -> HTTPSeeOther:
    return HTTPSeeOther(organisation_url(request, organisation, MEMBERS_VIEW, notice=notice))


@view_config(
    context=Node,
    name=MEMBERS_VIEW,
    request_method="GET",
    renderer=MEMBERS_TEMPLATE,
    permission=MANAGE,
)
def members_page(context, request):
    require_site_root(context)
    return _members_page(request, organisation_or_404(request))


@view_config(
    context=Node,
    name=ADD_VIEW,
    request_method="POST",
    renderer=MEMBERS_TEMPLATE,
    permission=MANAGE,
)
def add_member(context, request):
    require_site_root(context)
    organisation = organisation_or_404(request)
    user = UserAdministration(request.dbsession).get(request.POST.get("user_id"))
    if user is None:
        raise HTTPNotFound()
    function, signatory = _function_and_flag(request)
    if function is None:
        return _members_page(request, organisation, status=400, error=_too_long())
    try:
        membership = service_for(request).add_member(
            organisation, user, function=function, signatory=signatory
        )
    except AdministrationRefused:
        # Retired, a disabled account, or a member already: the page offered none of them.
        raise HTTPConflict() from None
    details = {"function": membership.function, "signatory": membership.signatory}
    request.registry.notify(
        events.MembershipChanged(user, organisation, "added", request, details=details)
    )
    return _back_to_members(request, organisation, "aggiunto")


@view_config(
    context=Node,
    name=MODIFY_VIEW,
    request_method="POST",
    renderer=MEMBERS_TEMPLATE,
    permission=MANAGE,
)
def modify_member(context, request):
    require_site_root(context)
    organisation = organisation_or_404(request)
    membership = _membership_or_404(request, organisation)
    function, signatory = _function_and_flag(request)
    if function is None:
        return _members_page(request, organisation, status=400, error=_too_long())
    changes = service_for(request).update_member(membership, function=function, signatory=signatory)
    if changes:
        request.registry.notify(
            events.MembershipChanged(
                membership.user, organisation, "modified", request, details=changes
            )
        )
    return _back_to_members(request, organisation, "salvato")


@view_config(
    context=Node,
    name=REMOVE_VIEW,
    request_method="GET",
    renderer=REMOVE_TEMPLATE,
    permission=MANAGE,
)
def remove_confirm(context, request):
    require_site_root(context)
    organisation = organisation_or_404(request)
    membership = _membership_or_404(request, organisation)
    return {
        "organisation": organisation,
        "membership": membership,
        "action_url": _member_url(request, organisation, membership, REMOVE_VIEW),
        "back_url": organisation_url(request, organisation, MEMBERS_VIEW),
    }


@view_config(context=Node, name=REMOVE_VIEW, request_method="POST", permission=MANAGE)
def remove_submit(context, request):
    require_site_root(context)
    organisation = organisation_or_404(request)
    membership = _membership_or_404(request, organisation)
    user = membership.user
    details = service_for(request).remove_member(membership)
    request.registry.notify(
        events.MembershipChanged(user, organisation, "removed", request, details=details)
    )
    return _back_to_members(request, organisation, "rimosso")
