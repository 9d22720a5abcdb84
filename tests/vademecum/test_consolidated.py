"""The consolidated Vademecum page: table of contents, chapters, approved sections in
order, printable, searchable within (with and without JavaScript)."""

from __future__ import annotations

import pytest

from tavolo.scripts.demo import COMUNE, MONDO_APERTO
from tests.vademecum import edition_fixtures as fx

URL = fx.PATH + "@@consolidato"


@pytest.fixture
def vademecum(dbsession):
    return fx.build(dbsession)


def entries(page) -> list[str]:
    return [
        article.find(["h2", "h3"]).text.strip()
        for article in page.html.find_all("article", attrs={"data-vm-entry": True})
    ]


def test_shows_toc_chapters_and_approved_sections_in_order(testapp, login_as, dbsession, vademecum):
    login_as("mondoaperto")
    page = testapp.get(URL)
    titles = fx.approved_titles(dbsession, vademecum)
    shown = entries(page)
    assert shown[-len(titles) :] == titles
    assert "Introduzione" in shown[0]
    toc = page.html.find("nav", class_="tavolo-vm-toc")
    links = [a.text for a in toc.find_all("a")]
    assert links[-len(titles) :] == titles
    # Every TOC link has its anchor on the page.
    for a in toc.find_all("a"):
        assert page.html.find(id=a["href"][1:]) is not None
    # Sections never approved are not in it.
    assert "CISL" not in shown
    # Printable and searchable: the print style sheet and the script are linked.
    assert page.html.find("link", href=lambda h: h and h.endswith("css/vademecum.css"))
    assert page.html.find("script", src=lambda s: s and s.endswith("js/vademecum-search.js"))
    assert page.html.find("input", attrs={"data-vm-filter": True})["name"] == "q"


def test_a_section_being_rewritten_shows_its_approved_text(testapp, login_as, dbsession, vademecum):
    section = fx.section_of(dbsession, vademecum)
    section.competences = "<p>Bozza non ancora approvata.</p>"
    section.state = "draft"
    dbsession.flush()
    login_as("mondoaperto")
    page = testapp.get(URL)
    assert "Bozza non ancora approvata" not in page.text
    assert "Competenze" in page.text and COMUNE in entries(page)


def test_search_without_javascript_lists_the_sections_holding_every_word(
    testapp, login_as, dbsession, vademecum
):
    section = fx.section_of(dbsession, vademecum, MONDO_APERTO)
    section.competences = "<p>Mediazione linguistica in città.</p>"
    fx.approve(dbsession, section)
    login_as("comune")
    page = testapp.get(URL, {"q": "CITTA mediazione"})
    assert entries(page) == [MONDO_APERTO]
    results = page.html.find("ul", attrs={"data-vm-results": True})
    assert [a.text for a in results.find_all("a")] == [MONDO_APERTO]
    assert results.find("a")["href"].startswith("#sezione-")
    assert "Capitoli e sezioni che contengono le parole cercate" in page.text
    none = testapp.get(URL, {"q": "parolachenonce"})
    assert entries(none) == []
    assert "Nessun capitolo o sezione contiene le parole cercate." in none.text
    # Anchors stay those of the whole page.
    whole = testapp.get(URL)
    assert whole.html.find(id=results.find("a")["href"][1:]).find("h3").text == MONDO_APERTO


def test_print_styles_hide_navigation_and_break_pages(testapp):
    css = testapp.get("/static/css/vademecum.css").text
    assert "@media print" in css
    assert ".it-header-wrapper" in css and "break-before: page" in css


def test_anonymous_is_refused(testapp, vademecum):
    response = testapp.get(URL, expect_errors=True)
    assert response.status_int in (302, 303, 403, 404)
    assert "Competenze" not in response.text
