"""The consolidated Vademecum and the editions' pages in a real browser: axe-core (WCAG
2.1 AA) finds nothing, no console errors under the CSP, and the search within filters and
highlights as one types (``static/js/vademecum-search.js``)."""

from __future__ import annotations

import json
import pathlib
import subprocess

import pytest
import transaction

from tavolo.db import get_session_factory, get_tm_session
from tavolo.vademecum.editions import EditionService
from tests.browser.test_pages import assert_accessible, check_pages, demo_server
from tests.conftest import DEMO_PASSWORD, ROOT
from tests.vademecum import edition_fixtures as fx

SEARCH_SCRIPT = pathlib.Path(__file__).with_name("consolidated_search_check.mjs")
PATH = fx.PATH


@pytest.fixture(scope="module")
def server(databases, app_settings):
    found = {}

    def prepare(engine, _settings):
        manager = transaction.TransactionManager(explicit=True)
        with manager:
            dbsession = get_tm_session(get_session_factory(engine), manager)
            vademecum = fx.build(dbsession)
            service = EditionService(dbsession)
            first = service.publish(vademecum, fx.user(dbsession, "prefettura"))
            fx.section_of(dbsession, vademecum).competences = "<p>Nuove competenze.</p>"
            fx.approve(dbsession, fx.section_of(dbsession, vademecum))
            service.publish(vademecum, fx.user(dbsession, "prefettura"))
            first.public = True
            dbsession.flush()
            found["public"] = first.id

    with demo_server(databases, app_settings, "vademecum-browser", prepare) as (base, _e):
        yield base, found["public"]


def test_vademecum_pages_are_accessible(server):
    base, public_id = server
    reserved = (
        PATH + "@@consolidato",
        PATH + "@@consolidato?q=mondo",
        PATH + "@@edizioni",
        PATH + "@@edizione?n=1",
        PATH + "@@confronta-edizioni?da=1&a=2",
        PATH + "@@edizione-pubblica?n=2",
    )
    found = check_pages(base, f"login:prefettura:{DEMO_PASSWORD}", *reserved)
    public = ("/vademecum-pubblico", f"/vademecum-pubblico/{public_id}")
    found.update(check_pages(base, *public))
    for path in reserved + public:
        assert found[path]["status"] == 200, path
        assert_accessible(found[path])


def test_search_within_filters_and_highlights_as_one_types(server):
    base, public_id = server
    completed = subprocess.run(
        ["node", str(SEARCH_SCRIPT), f"{base}/vademecum-pubblico/{public_id}", "MONDO apérto"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    result = json.loads(completed.stdout)
    assert result["errors"] == []
    assert result["visible"] == ["Coop. Soc. Mondo Aperto"]
    assert result["tocVisible"] == ["Coop. Soc. Mondo Aperto"]
    assert "Mondo" in result["marks"] and "Aperto" in result["marks"]
    assert result["status"].endswith("1")
    assert result["afterClear"] > 3  # emptying the box shows everything again
