"""The account pages (profile, password, feed tokens) and the administration page in a real
browser: axe-core (WCAG 2.1 AA), no console errors, in Italian and in English."""

from __future__ import annotations

from tests.browser.test_pages import assert_accessible, check_pages, live_server  # noqa: F401
from tests.conftest import DEMO_PASSWORD

ACCOUNT_PAGES = ("/@@profilo", "/@@change-password", "/@@feed-tokens")


def test_a_partners_account_pages_are_accessible(live_server):  # noqa: F811
    pages = check_pages(
        live_server,
        f"login:comune.firma:{DEMO_PASSWORD}",
        *ACCOUNT_PAGES,
        "lang:en",
        "/@@profilo?notice=salvato",
    )
    for path in ACCOUNT_PAGES:
        assert pages[path]["status"] == 200
    assert pages["/@@profilo?notice=salvato"]["lang"] == "en"
    for page in pages.values():
        assert_accessible(page)


def test_the_administration_page_and_header_are_accessible(live_server):  # noqa: F811
    pages = check_pages(live_server, f"login:admin:{DEMO_PASSWORD}", "/@@amministrazione", "/")
    assert pages["/@@amministrazione"]["status"] == 200
    for page in pages.values():
        assert_accessible(page)
