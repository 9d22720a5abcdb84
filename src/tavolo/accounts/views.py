"""Login and logout.

The login form's field names (``login``, ``password``, ``csrf_token``) are a public
contract: scripts and password managers rely on them.
"""

from __future__ import annotations

from pyramid.csrf import new_csrf_token
from pyramid.httpexceptions import HTTPSeeOther, HTTPTooManyRequests
from pyramid.security import NO_PERMISSION_REQUIRED, forget, remember
from pyramid.view import view_config

from tavolo import events
from tavolo.accounts.login import LoginService, LoginThrottled, Throttle, normalise_login
from tavolo.i18n import _
from tavolo.i18n.views import set_language_cookie
from tavolo.web.redirects import safe_local_url

LOGIN_TEMPLATE = "tavolo:templates/accounts/login.pt"
LOGOUT_TEMPLATE = "tavolo:templates/accounts/logout.pt"


def _login_service(request) -> LoginService:
    return LoginService(request.dbsession, Throttle.from_settings(request.registry.settings))


@view_config(
    name="login", request_method="GET", renderer=LOGIN_TEMPLATE, permission=NO_PERMISSION_REQUIRED
)
def login_form(context, request):
    notice = None
    if request.GET.get("notice") == "password-set":
        notice = _("La password è stata impostata: ora puoi accedere.")
    return {
        "login": "",
        "error": None,
        "came_from": request.GET.get("came_from", ""),
        "notice": notice,
    }


@view_config(
    name="login", request_method="POST", renderer=LOGIN_TEMPLATE, permission=NO_PERMISSION_REQUIRED
)
def login_submit(context, request):
    login = request.POST.get("login", "")
    password = request.POST.get("password", "")
    came_from = request.POST.get("came_from", "")
    # REMOTE_ADDR, which waitress rewrites only for its trusted proxies; WebOb's
    # client_addr would believe any X-Forwarded-For a client sends.
    address = request.remote_addr or ""
    try:
        user = _login_service(request).authenticate(login, password, address)
    except LoginThrottled as throttled:
        raise HTTPTooManyRequests(headers={"Retry-After": str(throttled.retry_after)}) from None
    except ValueError:
        # Returned, not raised: the transaction commits, so the failure counted for the
        # throttle and whatever subscribers record (the audit trail) stay.
        request.registry.notify(events.UserLoginFailed(normalise_login(login), request=request))
        request.response.status_int = 401  # keeps the form, and tells scripts it failed
        return {
            "login": login,
            "came_from": came_from,
            "error": _("Nome utente o password non corretti."),
            "notice": None,
        }
    headers = remember(request, user.id)
    new_csrf_token(request)
    request.registry.notify(events.UserLoggedIn(user, request))
    response = HTTPSeeOther(location=safe_local_url(request, came_from), headers=headers)
    if user.language is not None:
        # The language saved in the profile follows the user to a new browser; without one,
        # whatever the browser chose (the header's switch) stays.
        set_language_cookie(response, user.language)
    return response


@view_config(
    name="logout", request_method="GET", renderer=LOGOUT_TEMPLATE, permission=NO_PERMISSION_REQUIRED
)
def logout_form(context, request):
    """GET only asks: logging out changes state, so it takes a POST with the token."""
    if request.identity is None:
        return HTTPSeeOther(location=request.application_url + "/")
    return {}


@view_config(name="logout", request_method="POST", permission=NO_PERMISSION_REQUIRED)
def logout_submit(context, request):
    user = request.identity
    if user is not None:  # before forgetting: afterwards the request is anonymous
        request.registry.notify(events.UserLoggedOut(user, request))
    headers = forget(request)
    new_csrf_token(request)
    return HTTPSeeOther(location=request.application_url + "/", headers=headers)
