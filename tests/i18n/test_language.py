"""Italian by default; English on request through the language form in the page header."""

from __future__ import annotations

import re

import pytest

from tavolo.i18n.negotiation import LANGUAGE_COOKIE

ITALIAN_SKIP_LINK = "Vai al contenuto principale"
ENGLISH_SKIP_LINK = "Skip to main content"


def page_language(response) -> str:
    """The ``lang`` of the ``<html>`` element (the language buttons carry their own)."""
    match = re.search(r"<html\b[^>]*\slang=\"([^\"]*)\"", response.text)
    assert match, "no lang on <html>"
    return match.group(1)


def pressed_language(response) -> str:
    form = response.html.find(id="language-form")
    pressed = form.select('button[name="language"][aria-pressed="true"]')
    assert len(pressed) == 1
    return pressed[0]["value"]


def switch_language(app, page, language: str):
    """Press a language button of ``page``'s header form, as a browser would."""
    form = page.forms["language-form"]
    return form.submit("language", value=language, status=303)


def csrf_token(page) -> str:
    return page.forms["language-form"]["csrf_token"].value


# --- Italian by default --------------------------------------------------------------------


def test_home_page_is_italian_by_default(testapp):
    page = testapp.get("/", status=200)
    assert page_language(page) == "it"
    assert ITALIAN_SKIP_LINK in page.text
    assert "Accedi all'area riservata" in page.text
    assert "Ultimo aggiornamento" in page.text
    assert pressed_language(page) == "it"


def test_an_english_browser_still_gets_italian(testapp):
    page = testapp.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}, status=200)
    assert page_language(page) == "it"
    assert ITALIAN_SKIP_LINK in page.text
    assert ENGLISH_SKIP_LINK not in page.text


def test_every_language_is_offered_in_its_own_language(testapp):
    form = testapp.get("/").html.find(id="language-form")
    buttons = {b["value"]: b for b in form.select('button[name="language"]')}
    assert set(buttons) == {"it", "en"}
    assert buttons["it"].get_text(strip=True) == "Italiano" and buttons["it"]["lang"] == "it"
    assert buttons["en"].get_text(strip=True) == "English" and buttons["en"]["lang"] == "en"


# --- switching to English and back -----------------------------------------------------------


def test_switching_to_english_returns_to_the_page_in_english(testapp):
    response = switch_language(testapp, testapp.get("/"), "en")
    assert response.location == "http://localhost/"

    page = response.follow(status=200)
    assert page_language(page) == "en"
    assert pressed_language(page) == "en"
    assert ENGLISH_SKIP_LINK in page.text
    assert "Skip to footer" in page.text
    assert "Sign in to the restricted area" in page.text
    assert "Last updated" in page.text
    assert ITALIAN_SKIP_LINK not in page.text
    assert "Accedi all'area riservata" not in page.text


def test_the_choice_is_remembered_for_a_year_in_a_cookie(testapp):
    response = switch_language(testapp, testapp.get("/"), "en")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"{LANGUAGE_COOKIE}=en;")
    assert "Max-Age=31536000" in cookie
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie


def test_in_english_the_login_form_speaks_english(testapp):
    switch_language(testapp, testapp.get("/"), "en")

    page = testapp.get("/login", status=200)
    assert page_language(page) == "en"
    form = page.html.find(id="login-form")
    assert form.find("button", type="submit").get_text(strip=True) == "Sign in"
    assert page.html.find("label", attrs={"for": "login-name"}).get_text(strip=True) == ("Username")
    assert "<title>Sign in to the restricted area" in page.text


def test_in_english_a_failed_login_is_explained_in_english(testapp):
    switch_language(testapp, testapp.get("/"), "en")
    form = testapp.get("/login").forms["login-form"]
    form["login"] = "comune"
    form["password"] = "not the password"
    page = form.submit(status=401)
    assert page.html.find(id="login-error").get_text(strip=True) == (
        "The username or password is incorrect."
    )


def test_in_english_the_not_found_page_is_english(testapp):
    switch_language(testapp, testapp.get("/"), "en")

    page = testapp.get("/pagina-che-non-esiste/", status=404)
    assert page_language(page) == "en"
    assert "<h1>Page not found</h1>" in page.text
    assert "Error 404" in page.text
    assert "The page you are looking for does not exist or has been moved." in page.text
    assert "Return to the home page" in page.text
    assert "Pagina non trovata" not in page.text


def test_the_not_found_page_is_italian_by_default(testapp):
    page = testapp.get("/pagina-che-non-esiste/", status=404)
    assert page_language(page) == "it"
    assert "<h1>Pagina non trovata</h1>" in page.text
    assert "Errore 404" in page.text


def test_switching_back_to_italian(testapp):
    english = switch_language(testapp, testapp.get("/"), "en").follow()
    assert page_language(english) == "en"

    response = switch_language(testapp, english, "it")
    assert response.location == "http://localhost/"
    page = response.follow(status=200)
    assert page_language(page) == "it"
    assert ITALIAN_SKIP_LINK in page.text
    assert ENGLISH_SKIP_LINK not in page.text


def test_switching_returns_to_the_same_page_with_its_query(testapp):
    page = testapp.get("/login?came_from=%2Farea-riservata%2F", status=200)
    response = switch_language(testapp, page, "en")
    assert response.location == "http://localhost/login?came_from=%2Farea-riservata%2F"
    english = response.follow(status=200)
    assert page_language(english) == "en"
    assert english.forms["login-form"]["came_from"].value == "/area-riservata/"


def test_a_logged_in_user_can_switch_language(testapp, login_as):
    login_as("comune")
    page = testapp.get("/area-riservata/", status=200)
    response = switch_language(testapp, page, "en")
    assert response.location == "http://localhost/area-riservata/"

    english = response.follow(status=200)
    assert page_language(english) == "en"
    assert english.html.select_one(".tavolo-user-name").get_text(strip=True) == "Marco Rossi"
    logout = english.html.find("form", action="http://localhost/logout")
    assert logout.find("button").get_text(strip=True) == "Sign out"
    # Content stays as its authors wrote it.
    assert "Tavolo tecnico" in english.text


# --- what is refused or ignored --------------------------------------------------------------


@pytest.mark.parametrize("value", ["fr", "", "EN", "en-GB", "it;en"])
def test_an_unknown_language_is_ignored(testapp, value):
    response = testapp.post(
        "/@@language",
        {"csrf_token": csrf_token(testapp.get("/")), "language": value, "came_from": "/"},
        status=303,
    )
    assert response.location == "http://localhost/"
    assert LANGUAGE_COOKIE not in response.headers.get("Set-Cookie", "")
    assert page_language(response.follow()) == "it"


def test_an_unknown_language_keeps_the_current_choice(testapp):
    english = switch_language(testapp, testapp.get("/"), "en").follow()
    testapp.post(
        "/@@language",
        {"csrf_token": csrf_token(english), "language": "de", "came_from": "/"},
        status=303,
    )
    assert page_language(testapp.get("/")) == "en"


def test_a_forged_language_cookie_falls_back_to_italian(testapp):
    testapp.set_cookie(LANGUAGE_COOKIE, "xx")
    page = testapp.get("/", status=200)
    assert page_language(page) == "it"
    assert ITALIAN_SKIP_LINK in page.text


@pytest.mark.parametrize(
    "came_from",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "http:/evil.example/",
        "evil.example",
    ],
)
def test_came_from_never_leaves_the_site(testapp, came_from):
    response = testapp.post(
        "/@@language",
        {"csrf_token": csrf_token(testapp.get("/")), "language": "en", "came_from": came_from},
        status=303,
    )
    assert response.location == "http://localhost/"
    # The language is still switched: only the destination was refused.
    assert page_language(response.follow()) == "en"


def test_switching_without_the_csrf_token_is_refused(testapp):
    testapp.get("/")
    response = testapp.post("/@@language", {"language": "en", "came_from": "/"}, status=400)
    assert LANGUAGE_COOKIE not in response.headers.get("Set-Cookie", "")
    assert page_language(testapp.get("/")) == "it"


def test_the_language_form_only_accepts_posts(testapp):
    testapp.get("/@@language?language=en&came_from=/", status=404)
    assert page_language(testapp.get("/")) == "it"
