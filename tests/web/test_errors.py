"""Error pages in Italian inside the site's layout, dates in Italian, the legal pages."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from sqlalchemy import update

from tavolo.content.models import Node
from tavolo.content.services import ContentService

SECRET_DETAIL = "dettaglio-interno-che-non-deve-uscire"


def assert_site_layout(page):
    assert 'lang="it"' in page.text
    assert "Consiglio Territoriale per l'Immigrazione" in page.text  # the header
    footer = page.html.find("footer", id="footer")
    assert footer is not None
    assert "Contatti della segreteria" in footer.get_text()
    return footer


def test_not_found_page_is_italian_and_in_the_layout(testapp):
    page = testapp.get("/non-esiste-proprio/", status=404)
    assert page.content_type == "text/html"
    assert "<h1>Pagina non trovata</h1>" in page.text
    assert "La pagina che cerchi non esiste" in page.text
    assert_site_layout(page)


def test_not_found_under_a_real_folder_too(testapp):
    page = testapp.get("/notizie/riunione-15-febbraio-2023/altro/", status=404)
    assert "Pagina non trovata" in page.text
    assert_site_layout(page)


def test_forbidden_page_for_a_logged_in_user(testapp, login_as):
    login_as("comune")
    page = testapp.get("/area-riservata/archivio/", status=403)
    assert "<h1>Accesso negato</h1>" in page.text
    assert "Non hai i permessi per vedere questa pagina." in page.text
    assert "Archivio della Prefettura" not in page.text
    assert_site_layout(page)
    assert "Marco Rossi" in page.text  # still logged in, in the same layout


@pytest.fixture
def broken_folder_listing(monkeypatch):
    def broken(self, parent, where=None):
        raise RuntimeError(SECRET_DETAIL)

    monkeypatch.setattr(ContentService, "count_children", broken)


def test_server_error_is_an_italian_page_without_a_traceback(
    testapp, broken_folder_listing, caplog
):
    with caplog.at_level(logging.ERROR, logger="tavolo.web.errors"):
        page = testapp.get("/notizie/", status=500)
    assert "<h1>Errore del sistema</h1>" in page.text
    assert "Si è verificato un errore imprevisto." in page.text
    for leak in ("Traceback", "RuntimeError", SECRET_DETAIL, 'File "', "count_children"):
        assert leak not in page.text
    assert_site_layout(page)
    # The details go to the log instead.
    assert any(SECRET_DETAIL in (r.exc_text or "") for r in caplog.records)


def test_server_error_for_a_logged_in_user(testapp, login_as, broken_folder_listing):
    login_as("comune")
    page = testapp.get("/area-riservata/", status=500)
    assert "Errore del sistema" in page.text and SECRET_DETAIL not in page.text
    assert_site_layout(page)


# dates -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "modified", "shown"),
    [
        # Winter: Rome is UTC+1.
        (
            "/il-consiglio/",
            dt.datetime(2024, 3, 21, 10, 17, tzinfo=dt.UTC),
            "giovedì 21 marzo 2024, ore 11:17",
        ),
        # Summer time: UTC+2, and a folder rather than a page.
        (
            "/notizie/",
            dt.datetime(2024, 7, 15, 8, 5, tzinfo=dt.UTC),
            "lunedì 15 luglio 2024, ore 10:05",
        ),
        (
            "/",
            dt.datetime(2023, 2, 15, 23, 30, tzinfo=dt.UTC),
            "giovedì 16 febbraio 2023, ore 00:30",
        ),
    ],
)
def test_content_pages_show_the_last_update_in_italian(testapp, dbsession, path, modified, shown):
    dbsession.execute(update(Node).where(Node.path == path).values(modified=modified))
    dbsession.flush()
    page = testapp.get(path, status=200)
    block = page.html.select_one(".tavolo-modified")
    assert block is not None
    assert "Ultimo aggiornamento" in block.get_text()
    time = block.find("time")
    assert time.get_text(strip=True) == shown
    assert dt.datetime.fromisoformat(time["datetime"]) == modified


# footer and legal pages ------------------------------------------------------------------
@pytest.mark.parametrize("url", ["/", "/il-consiglio/", "/non-esiste/"])
def test_footer_links_the_legal_pages(testapp, url):
    page = testapp.get(url, status="*")
    footer = assert_site_layout(page)
    links = {a["href"] for a in footer.find_all("a")}
    assert "http://localhost/accessibilita" in links
    assert "http://localhost/privacy" in links


@pytest.mark.parametrize(
    ("path", "title"),
    [
        ("/accessibilita", "Dichiarazione di accessibilità"),
        ("/privacy", "Informativa sulla privacy"),
    ],
)
def test_legal_pages_exist_for_everyone(testapp, login_as, path, title):
    page = testapp.get(path, status=200)
    assert f"<h1>{title}</h1>" in page.text
    login_as("comune")
    assert f"<h1>{title}</h1>" in testapp.get(path, status=200).text
