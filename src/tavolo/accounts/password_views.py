"""Passwords: the forgotten-password form, the one-time link, the change form.

Thin views over ``onetime.PasswordService``. GET never writes: the one-time link's page
only checks the token; the POST (with the CSRF token) uses it.
"""

from __future__ import annotations

from urllib.parse import urlencode

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.security import NO_PERMISSION_REQUIRED, remember
from pyramid.view import view_config

from tavolo.accounts import password_rules
from tavolo.accounts.onetime import (
    IDENTIFIER_MAX,
    MailContext,
    PasswordService,
    TokenInvalid,
    WrongPassword,
)
from tavolo.i18n import _

RESET_TEMPLATE = "tavolo:templates/accounts/password_reset.pt"
SET_TEMPLATE = "tavolo:templates/accounts/set_password.pt"
INVALID_TEMPLATE = "tavolo:templates/accounts/token_invalid.pt"
CHANGE_TEMPLATE = "tavolo:templates/accounts/change_password.pt"


def _service(request) -> PasswordService:
    return PasswordService(request.dbsession, MailContext.from_request(request))


def _new_password_errors(request, user) -> dict:
    """Errors by field for the ``new_password``/``confirm`` pair of the POST."""
    password = request.POST.get("new_password", "")
    problems = password_rules.problems(password, login=user.login, email=user.email)
    if problems:
        return {"new_password": problems[0]}
    if password != request.POST.get("confirm", ""):
        return {"confirm": _("Le due password non coincidono.")}
    return {}


# forgotten password ----------------------------------------------------------------------
@view_config(
    name="password-reset",
    request_method="GET",
    renderer=RESET_TEMPLATE,
    permission=NO_PERMISSION_REQUIRED,
)
def password_reset_form(context, request):
    return {"sent": request.GET.get("sent") == "1", "identifier": "", "error": None}


@view_config(
    name="password-reset",
    request_method="POST",
    renderer=RESET_TEMPLATE,
    permission=NO_PERMISSION_REQUIRED,
)
def password_reset_submit(context, request):
    identifier = request.POST.get("identifier", "").strip()[:IDENTIFIER_MAX]
    if not identifier:
        request.response.status_int = 400
        return {"sent": False, "identifier": "", "error": _("Indica il nome utente o l'e-mail.")}
    _service(request).request_reset(identifier)
    # The same redirect whether or not an account matched.
    return HTTPSeeOther(location=f"{request.application_url}/@@password-reset?sent=1")


# the one-time link -----------------------------------------------------------------------
def _invalid(request, reason: str):
    request.response.status_int = 400 if reason == "unknown" else 410
    request.override_renderer = INVALID_TEMPLATE
    return {"reason": reason}


@view_config(
    name="set-password",
    request_method="GET",
    renderer=SET_TEMPLATE,
    permission=NO_PERMISSION_REQUIRED,
)
def set_password_form(context, request):
    # The token is in the URL: no referrer carries it anywhere, no cache keeps the page.
    request.response.headers["Referrer-Policy"] = "no-referrer"
    request.response.cache_control = "no-store"
    token = request.GET.get("token", "")
    try:
        _row, user = _service(request).tokens.live(token)
    except TokenInvalid as invalid:
        return _invalid(request, invalid.reason)
    return {"token": token, "user": user, "errors": {}}


@view_config(
    name="set-password",
    request_method="POST",
    renderer=SET_TEMPLATE,
    permission=NO_PERMISSION_REQUIRED,
)
def set_password_submit(context, request):
    token = request.POST.get("token", "")
    service = _service(request)
    try:
        _row, user = service.tokens.live(token)
    except TokenInvalid as invalid:
        return _invalid(request, invalid.reason)
    errors = _new_password_errors(request, user)
    if errors:
        request.response.status_int = 400
        return {"token": token, "user": user, "errors": errors}
    try:
        service.set_with_token(token, request.POST["new_password"])
    except TokenInvalid as invalid:
        return _invalid(request, invalid.reason)
    # Every session of the account ended; they log in with the new password.
    return HTTPSeeOther(location=f"{request.application_url}/login?notice=password-set")


# changing one's own password -------------------------------------------------------------
def _login_first(request):
    query = urlencode({"came_from": "/@@change-password"})
    return HTTPSeeOther(location=f"{request.application_url}/login?{query}")


@view_config(
    name="change-password",
    request_method="GET",
    renderer=CHANGE_TEMPLATE,
    permission=NO_PERMISSION_REQUIRED,
)
def change_password_form(context, request):
    if request.identity is None:
        return _login_first(request)
    return {"errors": {}, "done": request.GET.get("done") == "1"}


@view_config(
    name="change-password",
    request_method="POST",
    renderer=CHANGE_TEMPLATE,
    permission=NO_PERMISSION_REQUIRED,
)
def change_password_submit(context, request):
    user = request.identity
    if user is None:
        return _login_first(request)
    errors = _new_password_errors(request, user)
    if not errors:
        try:
            _service(request).change(
                user, request.POST.get("current_password", ""), request.POST["new_password"]
            )
        except WrongPassword:
            errors = {"current_password": _("La password attuale non è corretta.")}
    if errors:
        request.response.status_int = 400
        return {"errors": errors, "done": False}
    # Every session ended with the change; this browser gets a fresh one.
    headers = remember(request, user.id)
    return HTTPSeeOther(
        location=f"{request.application_url}/@@change-password?done=1", headers=headers
    )
