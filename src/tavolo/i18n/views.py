"""Switching the interface language."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from tavolo.i18n import LOCALES
from tavolo.i18n.negotiation import LANGUAGE_COOKIE
from tavolo.security.roles import VIEW
from tavolo.web.redirects import safe_local_url

LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 3600


def set_language_cookie(response, language: str | None) -> None:
    """Make ``response`` choose ``language`` for the browser's next requests.

    None (or anything that is not one of ours) removes the choice, so the site's default
    applies again. The header's switch, the profile and the login all go through here, so
    the cookie is always written the same way.
    """
    if language in LOCALES:
        response.set_cookie(
            LANGUAGE_COOKIE,
            language,
            max_age=LANGUAGE_COOKIE_MAX_AGE,
            samesite="Lax",
            path="/",
            httponly=True,
        )
    else:
        response.delete_cookie(LANGUAGE_COOKIE, path="/")


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
    # An unknown value changes nothing (it does not remove an earlier choice).
    if language in LOCALES:
        set_language_cookie(response, language)
    return response
