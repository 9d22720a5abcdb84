"""Switching the interface language."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from tavolo.i18n import LOCALES
from tavolo.i18n.negotiation import LANGUAGE_COOKIE
from tavolo.security.roles import VIEW
from tavolo.web.redirects import safe_local_url


@view_config(
    name="language",
    request_method="POST",
    # Offered on every page a visitor can see; it changes only a cookie.
    permission=VIEW,
)
def switch_language(context, request):
    language = request.POST.get("language", "")
    target = safe_local_url(request, request.POST.get("came_from"))
    response = HTTPSeeOther(location=target)
    if language in LOCALES:
        response.set_cookie(
            LANGUAGE_COOKIE,
            language,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            path="/",
            httponly=True,
        )
    return response
