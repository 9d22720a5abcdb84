"""Security headers on every kind of response: pages, errors, redirects, static files."""

from __future__ import annotations

import pytest

from tavolo.content.services import ContentService


def assert_security_headers(response):
    csp = response.headers.get("Content-Security-Policy", "")
    directives = [d.strip() for d in csp.split(";")]
    assert "frame-ancestors 'none'" in directives, csp
    assert "default-src 'self'" in directives, csp
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("Referrer-Policy") in {
        "no-referrer",
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
    }


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/", 200),
        ("/il-consiglio/", 200),
        ("/login", 200),
        ("/pagina-che-non-esiste/", 404),
        ("/area-riservata/", 303),
        ("/static/css/tavolo.css", 200),
    ],
)
def test_anonymous_responses_carry_the_security_headers(testapp, path, status):
    response = testapp.get(path, status=status)
    assert_security_headers(response)


def test_static_files_are_served_with_the_headers(testapp):
    response = testapp.get("/static/css/tavolo.css", status=200)
    assert response.content_type == "text/css"
    assert_security_headers(response)


def test_forbidden_page_carries_the_headers(testapp, login_as):
    login_as("comune")
    response = testapp.get("/area-riservata/archivio/", status=403)
    assert "Accesso negato" in response.text
    assert_security_headers(response)


def test_login_redirect_and_failed_login_carry_the_headers(testapp, login_as):
    assert_security_headers(login_as("comune", password="sbagliata", status=401))
    assert_security_headers(login_as("comune"))  # the 303 after logging in


def test_server_error_carries_the_headers(testapp, monkeypatch):
    def broken(self, parent, where=None):
        raise RuntimeError("guasto simulato")

    monkeypatch.setattr(ContentService, "count_children", broken)
    response = testapp.get("/notizie/", status=500)
    assert "Errore del sistema" in response.text
    assert_security_headers(response)


def test_pages_of_a_logged_in_user_are_not_cached(testapp, login_as):
    login_as("comune")
    for path, status in [("/", 200), ("/area-riservata/", 200), ("/area-riservata/archivio/", 403)]:
        response = testapp.get(path, status=status)
        cache_control = {v.strip() for v in response.headers["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= cache_control, (path, cache_control)
        assert_security_headers(response)
