"""``@@condivisione`` on every content item: who holds which roles, grant, revoke, block
inheritance. Thin views: the rules live in ``security.sharing.SharingService``."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPForbidden, HTTPSeeOther
from pyramid.view import view_config

from tavolo import events
from tavolo.content.models import Node
from tavolo.i18n import _
from tavolo.security.policy import calculator_for
from tavolo.security.roles import GRANTABLE_LOCAL_ROLES, SHARE
from tavolo.security.sharing import (
    ROLE_TITLES,
    SEARCH_MIN_LENGTH,
    InheritanceLockout,
    InvalidSharing,
    SharingRefused,
    SharingService,
    may_assign,
)

VIEW_NAME = "condivisione"
TEMPLATE = "tavolo:templates/security/sharing.pt"


def _page(context, request, error=None) -> dict:
    service = SharingService(request.dbsession)
    held = calculator_for(request).roles_on(context)
    query = request.GET.get("cerca", "").strip()
    results, truncated = service.search(query)
    return {
        "page_title": _("Condivisione: ${title}", mapping={"title": context.title}),
        "action_url": request.resource_url(context, f"@@{VIEW_NAME}"),
        "rows": service.rows(context),
        "roles": [(role, ROLE_TITLES[role]) for role in GRANTABLE_LOCAL_ROLES],
        "offered": [(r, ROLE_TITLES[r]) for r in GRANTABLE_LOCAL_ROLES if may_assign(held, r)],
        "may_assign": lambda role: may_assign(held, role),
        "query": query,
        "query_too_short": bool(query) and len(query) < SEARCH_MIN_LENGTH,
        "results": results,
        "truncated": truncated,
        "error": error,
    }


@view_config(
    context=Node, name=VIEW_NAME, request_method="GET", renderer=TEMPLATE, permission=SHARE
)
def sharing_page(context, request):
    return _page(context, request)


@view_config(
    context=Node, name=VIEW_NAME, request_method="POST", renderer=TEMPLATE, permission=SHARE
)
def sharing_submit(context, request):
    service = SharingService(request.dbsession)
    actor = calculator_for(request)
    action = request.POST.get("action")
    principal = request.POST.get("principal", "")
    roles = request.POST.getall("role")
    try:
        if action == "grant":
            if not principal:
                raise InvalidSharing(_("Scegli a chi concedere i ruoli."))
            change = service.grant(context, actor, principal, roles)
        elif action == "revoke":
            change = service.revoke(context, actor, principal, roles)
        elif action == "inheritance":
            change = service.set_inheritance(context, actor, block=request.POST.get("block") == "1")
        else:
            raise InvalidSharing(_("Operazione sconosciuta."))
    except SharingRefused:
        # Raised, so the transaction is aborted: nothing of the request is kept.
        raise HTTPForbidden() from None
    except InvalidSharing as invalid:
        request.response.status_int = 400
        return _page(context, request, error=invalid.message)
    except InheritanceLockout:
        request.response.status_int = 409
        message = _(
            "Non puoi bloccare l'ereditarietà: perderesti il permesso di condividere "
            "questo elemento. Concedi prima a te stesso un ruolo qui."
        )
        return _page(context, request, error=message)
    if change:
        request.registry.notify(
            events.LocalRolesChanged(
                context,
                request,
                granted=change.granted,
                revoked=change.revoked,
                inherit_roles=change.inherit_roles,
            )
        )
    return HTTPSeeOther(request.resource_url(context, f"@@{VIEW_NAME}", query={"saved": "1"}))
