"""Server-side login sessions: the cookie, fresh ids, logout, disabling, timeouts, last-seen."""

from __future__ import annotations

import datetime as dt

import pytest
import webtest
from pyramid.paster import get_appsettings
from sqlalchemy import func, select, update

from tavolo.accounts.models import AuthSession, User
from tavolo.accounts.sessions import COOKIE_NAME, SessionPolicy, end_sessions_of, hash_token
from tavolo.scripts.demo import DEMO_PASSWORD
from tests.conftest import CLIENT_ADDRESS, ROOT, build_app, client_for, joined_to

LOGIN_REDIRECT = "http://localhost/login?came_from="


# --- helpers -----------------------------------------------------------------------------


def log_in(app, login, password=DEMO_PASSWORD):
    form = app.get("/login").forms["login-form"]
    form["login"] = login
    form["password"] = password
    return form.submit(status=303)


def session_set_cookies(response) -> list[str]:
    return [h for h in response.headers.getall("Set-Cookie") if h.startswith(f"{COOKIE_NAME}=")]


def session_token(response) -> str:
    """The session token the response hands to the browser."""
    (header,) = session_set_cookies(response)
    token = header.split(";", 1)[0].split("=", 1)[1]
    assert token
    return token


def cookie_attributes(header: str) -> set[str]:
    return {part.strip().lower() for part in header.split(";")[1:]}


def assert_logged_in(app, fullname):
    page = app.get("/area-riservata/", status=200)
    assert fullname in page.text
    return page


def assert_anonymous(app):
    response = app.get("/area-riservata/", status=303)
    assert response.location.startswith(LOGIN_REDIRECT)
    return response


def session_row(dbsession, token) -> AuthSession | None:
    dbsession.expire_all()
    return dbsession.get(AuthSession, hash_token(token))


def count_sessions(dbsession) -> int:
    return dbsession.scalar(select(func.count()).select_from(AuthSession))


def move_session(dbsession, token, **values) -> None:
    dbsession.execute(
        update(AuthSession).where(AuthSession.id == hash_token(token)).values(**values)
    )
    dbsession.flush()


def user_id(dbsession, login) -> int:
    return dbsession.scalar(select(User.id).where(User.login == login))


@pytest.fixture
def browser(wsgi_app, connection):
    """Another browser (or an attacker replaying a cookie) on the same site."""

    def make(token: str | None = None) -> webtest.TestApp:
        app = webtest.TestApp(
            wsgi_app, extra_environ={"REMOTE_ADDR": CLIENT_ADDRESS, "HTTP_HOST": "localhost"}
        )
        if token is not None:
            app.set_cookie(COOKIE_NAME, token)
        return app

    return make


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --- the cookie --------------------------------------------------------------------------


def test_session_cookie_is_httponly_samesite_lax_and_not_secure_in_development(testapp):
    response = log_in(testapp, "comune")
    (header,) = session_set_cookies(response)
    attributes = cookie_attributes(header)
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    assert "secure" not in attributes
    assert "path=/" in attributes
    # The browser forgets it no later than the absolute timeout (12 h).
    assert "max-age=43200" in attributes


def test_development_configuration_does_not_ask_for_secure_cookies():
    # On plain-http localhost a Secure cookie would never come back: development must not
    # set it (production refuses to start without it, see tavolo.settings).
    settings = get_appsettings(str(ROOT / "development.ini"))
    assert SessionPolicy.from_settings(settings).secure_cookies is False


def test_session_cookie_value_is_not_the_stored_id(testapp, dbsession):
    token = session_token(log_in(testapp, "comune"))
    # Only the token's hash is stored: a copy of the table hands out no live session.
    assert dbsession.get(AuthSession, token) is None
    assert session_row(dbsession, token) is not None


# --- a fresh id at every login -----------------------------------------------------------


def test_every_login_gets_a_new_session_and_the_old_one_stops_working(testapp, dbsession, browser):
    first = session_token(log_in(testapp, "comune"))
    assert_logged_in(testapp, "Marco Rossi")

    second = session_token(log_in(testapp, "comune"))

    assert second != first
    assert_logged_in(testapp, "Marco Rossi")
    assert_anonymous(browser(first))
    assert session_row(dbsession, first) is None
    assert session_row(dbsession, second) is not None


def test_logging_in_as_someone_else_replaces_the_session(testapp, browser):
    first = session_token(log_in(testapp, "comune"))
    second = session_token(log_in(testapp, "mondoaperto"))
    assert second != first
    page = assert_logged_in(testapp, "Samira Haddad")
    assert "Marco Rossi" not in page.text
    assert_anonymous(browser(first))


def test_a_session_id_planted_before_login_is_not_adopted(browser, dbsession):
    victim = browser("planted-by-an-attacker")
    assert_anonymous(victim)

    token = session_token(log_in(victim, "prefettura"))

    assert token != "planted-by-an-attacker"
    assert_logged_in(victim, "Laura Bianchi")
    assert_anonymous(browser("planted-by-an-attacker"))
    assert session_row(dbsession, "planted-by-an-attacker") is None


def test_two_browsers_of_one_user_have_separate_sessions(testapp, browser):
    first = session_token(log_in(testapp, "comune"))
    other = browser()
    second = session_token(log_in(other, "comune"))
    assert first != second
    assert_logged_in(testapp, "Marco Rossi")
    assert_logged_in(other, "Marco Rossi")


# --- logout ------------------------------------------------------------------------------


def logout_form(page):
    return next(f for f in page.forms.values() if f.action.endswith("/logout"))


def test_logout_ends_the_session_at_once(testapp, dbsession, browser):
    token = session_token(log_in(testapp, "comune"))
    page = assert_logged_in(testapp, "Marco Rossi")

    response = logout_form(page).submit(status=303)

    assert response.location == "http://localhost/"
    (expired,) = session_set_cookies(response)
    assert "max-age=0" in cookie_attributes(expired)
    home = response.follow(status=200)
    assert "Marco Rossi" not in home.text
    assert "Accedi all'area riservata" in home.text
    assert_anonymous(testapp)
    # A copy of the old cookie is worth nothing either.
    assert_anonymous(browser(token))
    assert session_row(dbsession, token) is None


def test_logout_from_the_confirmation_page(testapp, browser):
    token = session_token(log_in(testapp, "comune"))
    confirmation = testapp.get("/logout", status=200)
    assert "Vuoi uscire dall'area riservata?" in confirmation.text
    # Visiting the confirmation page logs nobody out.
    assert_logged_in(testapp, "Marco Rossi")
    assert_logged_in(browser(token), "Marco Rossi")

    form = next(f for f in confirmation.forms.values() if f.action.endswith("/logout"))
    form.submit(status=303)

    assert_anonymous(testapp)
    assert_anonymous(browser(token))


def test_logout_confirmation_sends_visitors_home(testapp):
    response = testapp.get("/logout", status=303)
    assert response.location == "http://localhost/"


def test_logout_ends_only_that_session(testapp, browser):
    log_in(testapp, "comune")
    other = browser()
    log_in(other, "comune")

    logout_form(assert_logged_in(testapp, "Marco Rossi")).submit(status=303)

    assert_anonymous(testapp)
    assert_logged_in(other, "Marco Rossi")


# --- disabling an account ----------------------------------------------------------------


def test_disabling_a_user_ends_their_session_at_the_next_request(testapp, dbsession):
    token = session_token(log_in(testapp, "comune"))
    assert_logged_in(testapp, "Marco Rossi")

    dbsession.get(User, user_id(dbsession, "comune")).active = False
    dbsession.flush()

    assert_anonymous(testapp)
    assert session_row(dbsession, token) is None


def test_end_sessions_of_logs_a_user_out_everywhere(testapp, dbsession, browser):
    log_in(testapp, "comune")
    second_browser = browser()
    log_in(second_browser, "comune")
    bystander = browser()
    log_in(bystander, "mondoaperto")

    end_sessions_of(dbsession, user_id(dbsession, "comune"))
    dbsession.flush()

    assert_anonymous(testapp)
    assert_anonymous(second_browser)
    assert_logged_in(bystander, "Samira Haddad")


# --- timeouts ----------------------------------------------------------------------------


def test_session_survives_29_idle_minutes(testapp, dbsession):
    token = session_token(log_in(testapp, "comune"))
    move_session(dbsession, token, last_seen=now() - dt.timedelta(minutes=29))
    assert_logged_in(testapp, "Marco Rossi")


def test_session_ends_after_30_idle_minutes(testapp, dbsession):
    token = session_token(log_in(testapp, "comune"))
    move_session(dbsession, token, last_seen=now() - dt.timedelta(minutes=30, seconds=5))

    response = assert_anonymous(testapp)

    assert session_row(dbsession, token) is None
    # The browser is told to drop the dead cookie.
    (expired,) = session_set_cookies(response)
    assert "max-age=0" in cookie_attributes(expired)


def test_activity_keeps_a_session_alive_past_30_minutes(testapp, dbsession):
    token = session_token(log_in(testapp, "comune"))
    started = now() - dt.timedelta(minutes=50)
    move_session(dbsession, token, created=started, last_seen=now() - dt.timedelta(minutes=25))
    assert_logged_in(testapp, "Marco Rossi")  # refreshes last_seen
    move_session(dbsession, token, created=started - dt.timedelta(minutes=20))
    assert_logged_in(testapp, "Marco Rossi")


def test_session_survives_just_under_12_hours(testapp, dbsession):
    token = session_token(log_in(testapp, "comune"))
    move_session(dbsession, token, created=now() - dt.timedelta(hours=11, minutes=58))
    assert_logged_in(testapp, "Marco Rossi")


def test_session_ends_after_12_hours_even_when_active(testapp, dbsession):
    token = session_token(log_in(testapp, "comune"))
    move_session(
        dbsession, token, created=now() - dt.timedelta(hours=12, minutes=1), last_seen=now()
    )

    assert_anonymous(testapp)
    assert session_row(dbsession, token) is None


# --- last-seen ---------------------------------------------------------------------------


def test_last_seen_is_written_at_most_once_a_minute(testapp, dbsession):
    token = session_token(log_in(testapp, "comune"))
    written = session_row(dbsession, token).last_seen

    testapp.get("/", status=200)
    testapp.get("/area-riservata/", status=200)

    assert session_row(dbsession, token).last_seen == written

    two_minutes_ago = now() - dt.timedelta(minutes=2)
    move_session(dbsession, token, last_seen=two_minutes_ago)
    before = now()
    testapp.get("/", status=200)

    refreshed = session_row(dbsession, token).last_seen
    assert refreshed >= before - dt.timedelta(seconds=1)
    assert refreshed > two_minutes_ago + dt.timedelta(minutes=1)


def test_last_seen_refresh_is_kept_when_the_request_fails(testapp, dbsession):
    # The refresh happens outside the request's transaction: a page that ends in an error
    # (and so a rolled-back transaction) still counts as activity.
    token = session_token(log_in(testapp, "comune"))
    two_minutes_ago = now() - dt.timedelta(minutes=2)
    move_session(dbsession, token, last_seen=two_minutes_ago)

    testapp.get("/non-esiste-questa-pagina", status=404)

    assert session_row(dbsession, token).last_seen > two_minutes_ago + dt.timedelta(minutes=1)


def test_anonymous_pages_never_create_a_session(testapp, dbsession):
    before = count_sessions(dbsession)
    responses = [
        testapp.get("/", status=200),
        testapp.get("/login", status=200),
        testapp.get("/login?came_from=/area-riservata/", status=200),
        testapp.get("/area-riservata/", status=303),
        testapp.get("/logout", status=303),
        testapp.get("/non-esiste-questa-pagina", status=404),
        testapp.head("/", status=200),
    ]
    assert count_sessions(dbsession) == before
    for response in responses:
        assert session_set_cookies(response) == []
    assert COOKIE_NAME not in testapp.cookies


def test_an_unknown_session_cookie_is_dropped_and_creates_nothing(browser, dbsession):
    before = count_sessions(dbsession)
    app = browser("no-such-session")
    response = app.get("/", status=200)
    assert "Accedi all'area riservata" in response.text
    (expired,) = session_set_cookies(response)
    assert "max-age=0" in cookie_attributes(expired)
    assert count_sessions(dbsession) == before


# --- secure cookies ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def secure_wsgi_app(app_settings, demo_database):
    app = build_app(app_settings, demo_database, **{"tavolo.secure_cookies": "true"})
    yield app
    app.registry["tavolo.engine"].dispose()


@pytest.fixture
def secure_testapp(secure_wsgi_app, connection):
    with joined_to(secure_wsgi_app, connection):
        yield client_for(secure_wsgi_app, **{"wsgi.url_scheme": "https"})


def test_secure_setting_marks_the_cookies_secure(secure_testapp):
    login_page = secure_testapp.get("/login", status=200)
    csrf_headers = [
        h for h in login_page.headers.getall("Set-Cookie") if h.startswith("tavolo_csrf=")
    ]
    assert csrf_headers and all("secure" in cookie_attributes(h) for h in csrf_headers)

    form = login_page.forms["login-form"]
    form["login"] = "comune"
    form["password"] = DEMO_PASSWORD
    response = form.submit(status=303)

    assert response.location == "https://localhost/"
    (header,) = session_set_cookies(response)
    assert {"secure", "httponly", "samesite=lax"} <= cookie_attributes(header)
    page = secure_testapp.get("/area-riservata/", status=200)
    assert "Marco Rossi" in page.text

    # Even the cookie that ends the session says Secure.
    logout = logout_form(page).submit(status=303)
    (expired,) = session_set_cookies(logout)
    assert {"secure", "max-age=0"} <= cookie_attributes(expired)
