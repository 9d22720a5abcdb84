"""The search page, the archive and a Raccolta in a real browser, in Italian and English:
axe-core finds no WCAG 2.1 AA violation, the console no error (a CSP refusal is one), and
the header's search box is reachable."""

from __future__ import annotations

import pytest

from tests.browser.test_pages import assert_accessible, check_pages, demo_server
from tests.conftest import DEMO_PASSWORD

SEARCH_PAGES = (
    "/@@search?q=documenti",
    "/@@search?q=documenti&type=news&sort=date",
    "/@@search?q=nessunaparolacosi",
    "/@@archivio",
    "/@@archivio?type=legislation",
    "/normativa/raccolta-circolari/",
)


@pytest.fixture(scope="module")
def live_server(databases, app_settings):
    with demo_server(databases, app_settings, "browser-search") as (base_url, _engine):
        yield base_url


def test_search_pages_are_accessible_in_italian(live_server):
    pages = check_pages(live_server, *SEARCH_PAGES)
    for path in SEARCH_PAGES:
        assert pages[path]["status"] == 200, path
        assert pages[path]["lang"] == "it"
        assert_accessible(pages[path])


def test_search_pages_are_accessible_in_english_and_for_an_editor(live_server):
    pages = check_pages(
        live_server,
        "/",
        "lang:en",
        *SEARCH_PAGES,
        f"login:admin:{DEMO_PASSWORD}",
        "/@@search?q=documento",
        "/@@archivio",
    )
    pages.pop("/")  # the page the language was switched on, still in Italian
    for path, page in pages.items():
        assert page["status"] == 200, path
        assert page["lang"] == "en", path
        assert_accessible(page)
