"""Error pages in the site's layout and language, never with a traceback."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from pyramid.httpexceptions import HTTPException, HTTPMovedPermanently, HTTPSeeOther
from pyramid.view import exception_view_config, forbidden_view_config, notfound_view_config

from tavolo.content.moving import find_redirect
from tavolo.i18n import _
from tavolo.security.policy import is_token_view, token_refused
from tavolo.security.roles import VIEW

log = logging.getLogger(__name__)
TEMPLATE = "tavolo:templates/web/error.pt"

MESSAGES = {
    400: (
        _("Richiesta non valida"),
        _("La richiesta non è valida o il modulo è scaduto. Ricarica la pagina e riprova."),
    ),
    403: (_("Accesso negato"), _("Non hai i permessi per vedere questa pagina.")),
    404: (_("Pagina non trovata"), _("La pagina che cerchi non esiste o è stata spostata.")),
    405: (_("Operazione non consentita"), _("Questa operazione non è consentita qui.")),
    429: (_("Troppi tentativi"), _("Hai fatto troppi tentativi. Riprova più tardi.")),
    500: (
        _("Errore del sistema"),
        _(
            "Si è verificato un errore imprevisto. "
            "Il problema è stato registrato; riprova più tardi."
        ),
    ),
}


def _page(request, status: int) -> dict:
    title, message = MESSAGES.get(status, MESSAGES[500 if status >= 500 else 400])
    request.response.status_int = status
    return {"status": status, "title": title, "message": message}


@forbidden_view_config(renderer=TEMPLATE)
def forbidden(exc, request):
    if is_token_view(request):
        # A feed reader cannot log in: it learns that the feed is not there for it (a
        # refused token is named as such, so that its owner makes a new one).
        return _page(request, 403 if token_refused(request) else 404)
    if request.identity is None:
        # A visitor is asked to log in, and comes back here afterwards.
        query = urlencode({"came_from": request.path_qs})
        return HTTPSeeOther(location=f"{request.application_url}/login?{query}")
    return _page(request, 403)


@notfound_view_config(renderer=TEMPLATE)
def not_found(exc, request):
    moved_to = _moved_location(request)
    if moved_to is not None:
        return HTTPMovedPermanently(location=moved_to)
    return _page(request, 404)


def _moved_location(request) -> str | None:
    """The new URL of content that was renamed or moved, if the visitor may see it."""
    if request.method not in ("GET", "HEAD"):
        return None
    found = find_redirect(request.dbsession, request.path_info)
    if found is None:
        return None
    node, remainder = found
    if not request.has_permission(VIEW, node):
        return None
    location = request.resource_url(node) + remainder
    if remainder and request.path_info.endswith("/"):
        location += "/"
    if request.query_string:
        location += "?" + request.query_string
    return location


@exception_view_config(HTTPException, renderer=TEMPLATE)
def http_error(exc, request):
    if exc.code < 400:
        return exc
    page = _page(request, exc.code)
    for header in ("Retry-After", "Allow"):
        if header in exc.headers:
            request.response.headers[header] = exc.headers[header]
    return page


@exception_view_config(Exception, renderer=TEMPLATE)
def server_error(exc, request):
    log.exception("unhandled error on %s %s", request.method, request.path_qs)
    return _page(request, 500)
