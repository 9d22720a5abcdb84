"""Logging in through the real form: where it leads, what a failure says, how passwords are kept."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from tavolo.accounts.models import User
from tavolo.scripts.demo import DEMO_PASSWORD

FAILURE_MESSAGE = "Nome utente o password non corretti."


def submit_login(app, login, password, came_from=None, status="*"):
    path = "/login" if came_from is None else "/login?" + urlencode({"came_from": came_from})
    form = app.get(path).forms["login-form"]
    form["login"] = login
    form["password"] = password
    return form.submit(status=status)


def user_named(dbsession, login) -> User:
    dbsession.expire_all()
    return dbsession.scalars(select(User).where(User.login == login)).one()


def error_text(response) -> str:
    alert = response.html.find(id="login-error")
    return alert.get_text(strip=True) if alert is not None else ""


# --- success -----------------------------------------------------------------------------


def test_login_redirects_home_and_shows_the_users_name(testapp):
    home = testapp.get("/")
    assert "Marco Rossi" not in home.text

    response = submit_login(testapp, "comune", DEMO_PASSWORD, status=303)

    assert response.location == "http://localhost/"
    page = response.follow(status=200)
    assert page.html.select_one(".tavolo-user-name").get_text(strip=True) == "Marco Rossi"
    assert "Accedi all'area riservata" not in page.text


def test_login_name_is_not_case_sensitive_and_ignores_surrounding_spaces(testapp):
    submit_login(testapp, "  Comune.Firma ", DEMO_PASSWORD, status=303)
    page = testapp.get("/", status=200)
    assert "Giovanna Neri" in page.text


def test_login_returns_to_a_safe_came_from(testapp):
    # The anonymous visitor is sent to the login form with the page they wanted...
    redirect = testapp.get("/area-riservata/", status=303)
    form_page = redirect.follow(status=200)
    form = form_page.forms["login-form"]
    assert form["came_from"].value == "/area-riservata/"
    form["login"] = "mondoaperto"
    form["password"] = DEMO_PASSWORD

    # ... and comes back to it once logged in.
    response = form.submit(status=303)

    assert response.location == "http://localhost/area-riservata/"
    page = response.follow(status=200)
    assert "Samira Haddad" in page.text


@pytest.mark.parametrize(
    "came_from",
    [
        "https://evil.example/",
        "//evil.example",
        "/\\evil",
        "/\\/evil.example/",
        "http:/evil.example",
        "javascript:alert(1)",
        "/\t/evil.example",
    ],
)
def test_came_from_to_another_host_redirects_to_the_site(testapp, came_from):
    response = submit_login(testapp, "comune", DEMO_PASSWORD, came_from=came_from, status=303)
    assert response.location == "http://localhost/"


# --- failure -----------------------------------------------------------------------------


def _normalised_failure_page(response, login) -> str:
    """The failure page with what legitimately differs (the echoed login name and the CSRF
    token) blanked out, so that anything else that differs would be a hint."""
    text = response.text.replace(f'value="{login}"', 'value="LOGIN"')
    return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token" value="TOKEN"', text)


def test_wrong_password_unknown_and_disabled_accounts_fail_alike(testapp, dbsession):
    archivio = user_named(dbsession, "archivio")
    archivio.active = False
    dbsession.flush()

    wrong_password = submit_login(testapp, "comune", "not-the-password")
    unknown = submit_login(testapp, "nessuno.qui", "not-the-password")
    disabled = submit_login(testapp, "archivio", DEMO_PASSWORD)

    responses = {"comune": wrong_password, "nessuno.qui": unknown, "archivio": disabled}
    for response in responses.values():
        assert response.status_int == 401
        assert error_text(response) == FAILURE_MESSAGE
        assert "tavolo_session" not in testapp.cookies
    # Not a word, header or attribute that tells one case from the others.
    pages = {_normalised_failure_page(r, login) for login, r in responses.items()}
    assert len(pages) == 1
    header_names = {tuple(sorted(r.headers.keys())) for r in responses.values()}
    assert len(header_names) == 1


def test_failed_login_keeps_the_login_name_but_never_the_password(testapp):
    response = submit_login(testapp, "comune", "segreto-sbagliato-123", status=401)
    form = response.forms["login-form"]
    assert form["login"].value == "comune"
    assert form["password"].value == ""
    assert "segreto-sbagliato-123" not in response.text


def test_failed_login_leaves_the_visitor_anonymous(testapp):
    submit_login(testapp, "comune", "not-the-password", status=401)
    testapp.get("/area-riservata/", status=303)


def test_empty_credentials_fail_with_the_same_message(testapp):
    response = submit_login(testapp, "", "", status=401)
    assert error_text(response) == FAILURE_MESSAGE


def test_failed_login_keeps_a_safe_came_from_for_the_next_try(testapp):
    response = submit_login(testapp, "comune", "wrong", came_from="/area-riservata/", status=401)
    form = response.forms["login-form"]
    assert form["came_from"].value == "/area-riservata/"
    form["password"] = DEMO_PASSWORD
    assert form.submit(status=303).location == "http://localhost/area-riservata/"


# --- password storage --------------------------------------------------------------------


def test_stored_password_hash_is_argon2id(testapp, dbsession):
    submit_login(testapp, "prefettura", DEMO_PASSWORD, status=303)
    stored = user_named(dbsession, "prefettura").password_hash
    assert stored.startswith("$argon2id$")
    assert DEMO_PASSWORD not in stored


def test_login_upgrades_a_hash_made_with_weaker_parameters(testapp, dbsession):
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(DEMO_PASSWORD)
    user = user_named(dbsession, "comune")
    user.password_hash = weak
    dbsession.flush()

    submit_login(testapp, "comune", DEMO_PASSWORD, status=303)

    upgraded = user_named(dbsession, "comune").password_hash
    assert upgraded != weak
    assert upgraded.startswith("$argon2id$")
    assert not PasswordHasher().check_needs_rehash(upgraded)
    # And the upgraded hash still lets the user in.
    testapp.reset()
    submit_login(testapp, "comune", DEMO_PASSWORD, status=303)


def test_failed_login_does_not_touch_the_stored_hash(testapp, dbsession):
    before = user_named(dbsession, "comune").password_hash
    submit_login(testapp, "comune", "wrong", status=401)
    assert user_named(dbsession, "comune").password_hash == before


def test_came_from_is_echoed_into_the_form_escaped(testapp):
    payload = '/"><script>alert(1)</script>'
    page = testapp.get("/login?" + urlencode({"came_from": payload}), status=200)
    assert "<script>alert(1)</script>" not in page.text
    assert page.forms["login-form"]["came_from"].value == payload
