"""CSRF protection of unsafe requests, for anonymous visitors and logged-in users alike."""

from __future__ import annotations

import base64

import pytest
import webtest
from sqlalchemy import func, select
from webob.cookies import SignedSerializer

from tavolo.accounts.models import AuthSession
from tavolo.scripts.demo import DEMO_PASSWORD

from ..conftest import CLIENT_ADDRESS

CSRF_COOKIE = "tavolo_csrf"
CSRF_SALT = "tavolo.csrf"
SESSION_COOKIE = "tavolo_session"
BAD_REQUEST_TITLE = "Richiesta non valida"


# --- helpers -----------------------------------------------------------------------------


def form_token(page, form_id=None) -> str:
    if form_id is not None:
        return page.forms[form_id]["csrf_token"].value
    tokens = {f["csrf_token"].value for f in page.forms.values() if "csrf_token" in f.fields}
    assert len(tokens) == 1, tokens  # every form of one page carries the same token
    return tokens.pop()


def set_cookie_headers(response, name) -> list[str]:
    return [h for h in response.headers.getall("Set-Cookie") if h.startswith(f"{name}=")]


def count_sessions(dbsession) -> int:
    return dbsession.scalar(select(func.count()).select_from(AuthSession))


def credentials(login="comune", password=DEMO_PASSWORD, **extra) -> dict:
    return {"login": login, "password": password, **extra}


def log_in(app, login="comune"):
    form = app.get("/login").forms["login-form"]
    form["login"] = login
    form["password"] = DEMO_PASSWORD
    return form.submit(status=303)


def assert_logged_in(app, fullname="Marco Rossi"):
    page = app.get("/area-riservata/", status=200)
    assert fullname in page.text
    return page


def assert_anonymous(app):
    response = app.get("/area-riservata/", status=303)
    assert "/login?came_from=" in response.location


def replace_csrf_cookie(app, value: str) -> None:
    app.cookiejar.clear()
    app.set_cookie(CSRF_COOKIE, value)


@pytest.fixture
def secret(app_settings) -> str:
    return app_settings["tavolo.secret"]


@pytest.fixture
def browser(wsgi_app, connection):
    def make() -> webtest.TestApp:
        return webtest.TestApp(
            wsgi_app, extra_environ={"REMOTE_ADDR": CLIENT_ADDRESS, "HTTP_HOST": "localhost"}
        )

    return make


# --- login -------------------------------------------------------------------------------


def test_login_without_token_is_refused_and_starts_no_session(testapp, dbsession):
    testapp.get("/login", status=200)
    before = count_sessions(dbsession)

    response = testapp.post("/login", credentials(), status=400)

    assert BAD_REQUEST_TITLE in response.text
    assert set_cookie_headers(response, SESSION_COOKIE) == []
    assert SESSION_COOKIE not in testapp.cookies
    assert count_sessions(dbsession) == before
    assert_anonymous(testapp)


def test_login_without_any_cookie_or_token_is_refused(browser, dbsession):
    before = count_sessions(dbsession)
    response = browser().post("/login", credentials(), status=400)
    assert set_cookie_headers(response, SESSION_COOKIE) == []
    assert count_sessions(dbsession) == before


@pytest.mark.parametrize("token", ["", "wrong", "x" * 43])
def test_login_with_a_wrong_token_is_refused(testapp, dbsession, token):
    testapp.get("/login", status=200)
    before = count_sessions(dbsession)

    response = testapp.post("/login", credentials(csrf_token=token), status=400)

    assert set_cookie_headers(response, SESSION_COOKIE) == []
    assert count_sessions(dbsession) == before
    assert_anonymous(testapp)


def test_a_token_from_another_browser_is_refused(testapp, browser):
    attacker = browser()
    attackers_token = form_token(attacker.get("/login"), "login-form")
    victims_token = form_token(testapp.get("/login"), "login-form")
    assert attackers_token != victims_token

    testapp.post("/login", credentials(csrf_token=attackers_token), status=400)
    assert_anonymous(testapp)
    # With the victim's own token the same request goes through.
    testapp.post("/login", credentials(csrf_token=victims_token), status=303)


def test_the_token_header_works_for_a_post(testapp):
    token = form_token(testapp.get("/login"), "login-form")
    testapp.post("/login", credentials(), headers={"X-CSRF-Token": token}, status=303)
    assert_logged_in(testapp)


# --- logout ------------------------------------------------------------------------------


def test_logout_without_token_is_refused_and_the_user_stays_logged_in(testapp):
    log_in(testapp)
    assert_logged_in(testapp)

    response = testapp.post("/logout", {}, status=400)

    assert BAD_REQUEST_TITLE in response.text
    assert set_cookie_headers(response, SESSION_COOKIE) == []
    assert_logged_in(testapp)


def test_logout_with_a_wrong_token_is_refused(testapp):
    log_in(testapp)
    testapp.post("/logout", {"csrf_token": "wrong"}, status=400)
    testapp.post("/logout", {}, headers={"X-CSRF-Token": "wrong"}, status=400)
    assert_logged_in(testapp)


def test_logout_with_the_token_header(testapp):
    log_in(testapp)
    token = form_token(assert_logged_in(testapp))

    response = testapp.post("/logout", {}, headers={"X-CSRF-Token": token}, status=303)

    assert response.location == "http://localhost/"
    assert_anonymous(testapp)


# --- where the anonymous visitor's token lives -------------------------------------------


def test_the_anonymous_token_lives_in_a_signed_cookie(testapp, dbsession, secret):
    before = count_sessions(dbsession)
    page = testapp.get("/login", status=200)

    (header,) = set_cookie_headers(page, CSRF_COOKIE)
    attributes = {part.strip().lower() for part in header.split(";")[1:]}
    assert {"httponly", "samesite=lax", "path=/"} <= attributes
    token = form_token(page, "login-form")
    signed = testapp.cookies[CSRF_COOKIE]
    assert SignedSerializer(secret, CSRF_SALT).loads(signed.encode()) == token
    # No server-side session for a visitor who has not logged in.
    assert set_cookie_headers(page, SESSION_COOKIE) == []
    assert count_sessions(dbsession) == before


def test_the_anonymous_token_stays_the_same_across_pages(testapp):
    first = form_token(testapp.get("/", status=200))
    second = form_token(testapp.get("/login", status=200), "login-form")
    assert first == second
    # ... so a form opened in one tab still works after browsing in another.
    testapp.post("/login", credentials(csrf_token=first), status=303)


def _tamper_signature(signed: str) -> str:
    raw = base64.urlsafe_b64decode(signed + "=" * (-len(signed) % 4))
    forged = bytes([raw[0] ^ 0x01]) + raw[1:]  # the payload (the token) is left intact
    return base64.urlsafe_b64encode(forged).rstrip(b"=").decode()


def test_a_tampered_cookie_is_not_accepted(testapp):
    token = form_token(testapp.get("/login"), "login-form")
    signed = testapp.cookies[CSRF_COOKIE]

    replace_csrf_cookie(testapp, _tamper_signature(signed))
    testapp.post("/login", credentials(csrf_token=token), status=400)
    assert_anonymous(testapp)

    # The untouched cookie with the very same token is accepted.
    replace_csrf_cookie(testapp, signed)
    testapp.post("/login", credentials(csrf_token=token), status=303)


def test_a_cookie_signed_with_another_secret_is_not_accepted(testapp):
    forged = SignedSerializer("not-the-site-secret", CSRF_SALT).dumps("chosen-by-attacker")
    replace_csrf_cookie(testapp, forged.decode())
    testapp.post("/login", credentials(csrf_token="chosen-by-attacker"), status=400)
    assert_anonymous(testapp)


def test_an_unsigned_cookie_is_not_accepted(testapp):
    replace_csrf_cookie(testapp, "chosen-by-attacker")
    testapp.post("/login", credentials(csrf_token="chosen-by-attacker"), status=400)
    assert_anonymous(testapp)


def test_a_refused_cookie_is_replaced_by_a_working_token(testapp):
    replace_csrf_cookie(testapp, "chosen-by-attacker")
    page = testapp.get("/login", status=200)
    assert set_cookie_headers(page, CSRF_COOKIE)
    form = page.forms["login-form"]
    assert form["csrf_token"].value != "chosen-by-attacker"
    form["login"] = "comune"
    form["password"] = DEMO_PASSWORD
    form.submit(status=303)


# --- the token changes at login and logout -----------------------------------------------


def test_the_token_is_replaced_at_login(testapp):
    before = form_token(testapp.get("/login"), "login-form")

    response = log_in(testapp)

    assert set_cookie_headers(response, CSRF_COOKIE)
    after = form_token(assert_logged_in(testapp))
    assert after != before
    # The token known before login no longer works...
    testapp.post("/logout", {"csrf_token": before}, status=400)
    assert_logged_in(testapp)
    # ... the new one does.
    testapp.post("/logout", {"csrf_token": after}, status=303)
    assert_anonymous(testapp)


def test_the_token_is_replaced_at_logout(testapp):
    log_in(testapp)
    logged_in_token = form_token(assert_logged_in(testapp))

    testapp.post("/logout", {"csrf_token": logged_in_token}, status=303)

    after = form_token(testapp.get("/login"), "login-form")
    assert after != logged_in_token
    testapp.post("/login", credentials(csrf_token=logged_in_token), status=400)
    testapp.post("/login", credentials(csrf_token=after), status=303)
