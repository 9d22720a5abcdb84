"""The discussion of an item in a real browser, in Italian and in English: axe-core
(WCAG 2.1 AA) finds nothing, and comments.js runs without console errors under the CSP."""

from __future__ import annotations

from tests.browser.test_pages import assert_accessible, check_pages, live_server  # noqa: F401
from tests.conftest import DEMO_PASSWORD

DOCUMENT = "/area-riservata/documenti/bozza-documento-intesa.pdf/"
# A fresh demo database: its first comment (the anchored one) is number 1.
PAGES = (
    DOCUMENT,
    f"{DOCUMENT}@@commenti",
    f"{DOCUMENT}@@commenta",
    f"{DOCUMENT}@@commenta?risposta=1",
)


def test_the_discussion_is_accessible_in_italian_and_english(live_server):  # noqa: F811
    italian = check_pages(live_server, f"login:comune:{DEMO_PASSWORD}", *PAGES)
    english = check_pages(live_server, f"login:comune:{DEMO_PASSWORD}", "lang:en", *PAGES)
    for pages, lang in ((italian, "it"), (english, "en")):
        for path in PAGES:
            assert pages[path]["status"] == 200, path
            assert pages[path]["lang"] == lang
            assert_accessible(pages[path])


def test_the_moderation_and_settings_pages_are_accessible(live_server):  # noqa: F811
    pages = (
        f"{DOCUMENT}@@modera-commento?id=1",
        "/area-riservata/documenti/@@impostazioni-commenti",
    )
    found = check_pages(live_server, f"login:prefettura:{DEMO_PASSWORD}", *pages)
    for path in pages:
        assert found[path]["status"] == 200, path
        assert_accessible(found[path])
