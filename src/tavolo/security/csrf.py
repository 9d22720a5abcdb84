"""CSRF tokens in a signed cookie, for anonymous visitors and logged-in users alike.

An anonymous visitor's token must not create a stored session (that would let anyone fill
the sessions table), so it lives in a cookie signed with the site's secret. The token is
replaced at login and logout. Pyramid compares the token sent with a form or in the
``X-CSRF-Token`` header against this one on every unsafe request.
"""

from __future__ import annotations

import secrets

from pyramid.interfaces import ICSRFStoragePolicy
from pyramid.util import strings_differ
from webob.cookies import SignedCookieProfile
from zope.interface import implementer

COOKIE_NAME = "tavolo_csrf"
_REQUEST_ATTR = "_tavolo_csrf_token"


@implementer(ICSRFStoragePolicy)
class SignedCookieCSRFStoragePolicy:
    def __init__(self, secret: str, secure: bool = False):
        self.profile = SignedCookieProfile(
            secret,
            "tavolo.csrf",
            COOKIE_NAME,
            secure=secure,
            httponly=True,
            samesite="Lax",
            path="/",
        )

    def new_csrf_token(self, request) -> str:
        token = secrets.token_urlsafe(32)
        setattr(request, _REQUEST_ATTR, token)
        profile = self.profile.bind(request)

        def set_cookie(request, response):
            profile.set_cookies(response, token)

        request.add_response_callback(set_cookie)
        return token

    def get_csrf_token(self, request) -> str:
        token = getattr(request, _REQUEST_ATTR, None)
        if token is None:
            token = self._from_cookie(request)
            if token is None:
                return self.new_csrf_token(request)
            setattr(request, _REQUEST_ATTR, token)
        return token

    def check_csrf_token(self, request, supplied_token) -> bool:
        expected = getattr(request, _REQUEST_ATTR, None) or self._from_cookie(request)
        if not expected or not supplied_token:
            return False
        return not strings_differ(expected.encode("utf-8"), str(supplied_token).encode("utf-8"))

    def _from_cookie(self, request) -> str | None:
        try:
            value = self.profile.bind(request).get_value()
        except ValueError:  # a forged or damaged cookie counts as none
            return None
        return value if isinstance(value, str) and value else None
