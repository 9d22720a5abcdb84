"""The sitemap page and /sitemap.xml."""

from __future__ import annotations

import re
from xml.etree import ElementTree as ET

import pytest

from tavolo import content
from tavolo.content.navigation import SITEMAP_NS, SITEMAP_PER_FOLDER
from tavolo.content.services import ContentService, InvalidName
from tests.content.feed_tree import build_tree

W3C_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$")
NS = {"sm": SITEMAP_NS}


@pytest.fixture
def tree(dbsession):
    return build_tree(dbsession)


def sitemap_urls(testapp) -> dict[str, str]:
    response = testapp.get("/sitemap.xml", status=200)
    assert response.content_type == "application/xml"
    document = ET.fromstring(response.body)  # noqa: S314 - our own output, in a test
    assert document.tag == f"{{{SITEMAP_NS}}}urlset"
    urls = {}
    for url in document.findall("sm:url", NS):
        assert [child.tag.split("}")[1] for child in url] == ["loc", "lastmod"]
        lastmod = url.find("sm:lastmod", NS).text
        assert W3C_DATETIME.match(lastmod), lastmod
        urls[url.find("sm:loc", NS).text] = lastmod
    return urls


def test_sitemap_xml_lists_the_public_area_only(testapp, tree):
    urls = sitemap_urls(testapp)
    base = "http://localhost"
    assert f"{base}/" in urls
    assert f"{base}/prova-feed/" in urls
    assert f"{base}/prova-feed/notizia-pubblica/" in urls
    assert f"{base}/prova-feed/evento-pubblico/" in urls
    for hidden in (
        "/prova-feed/notizia-interna/",
        "/prova-feed/pagina-privata/",
        "/prova-feed/pagina-cestinata/",
        "/prova-feed/notizia-futura/",
        "/cartella-privata/",
        "/cartella-privata/nascosta/",
        "/cartella-interna/",
        "/cartella-interna/notizia-riservata/",
    ):
        assert f"{base}{hidden}" not in urls
    assert not any("area-riservata" in url or "login" in url for url in urls)
    lastmod = urls[f"{base}/prova-feed/notizia-pubblica/"]
    assert lastmod == tree.public_news.modified.isoformat(timespec="seconds")


def test_sitemap_xml_is_the_same_for_logged_in_users(testapp, login_as, tree):
    anonymous = sitemap_urls(testapp)
    login_as("prefettura")
    assert sitemap_urls(testapp) == anonymous


def test_sitemap_xml_only_at_the_root(testapp, tree):
    testapp.get("/prova-feed/sitemap.xml", status=404)
    testapp.get("/prova-feed/@@sitemap", status=404)


def test_trashing_a_folder_drops_its_subtree(testapp, dbsession, tree):
    from tavolo.db import utcnow

    tree.folder.trashed_at = utcnow()
    dbsession.flush()
    urls = sitemap_urls(testapp)
    assert not any("/prova-feed/" in url for url in urls)


@pytest.mark.parametrize("name", ["sitemap.xml", "sitemap", "atom.xml", "ical", "feed-tokens"])
def test_content_cannot_take_the_navigation_and_feed_names(wsgi_app, dbsession, name):
    service = ContentService(dbsession, reserved_names=content.reserved_names(wsgi_app.registry))
    with pytest.raises(InvalidName):
        service.create(service.root(), "page", name, "Pagina abusiva")


def test_sitemap_xml_is_reserved_even_without_the_registry(dbsession):
    service = ContentService(dbsession)
    with pytest.raises(InvalidName):
        service.create(service.root(), "page", "sitemap.xml", "Pagina abusiva")


def _sitemap_links(page) -> set[str]:
    return {a["href"] for a in page.html.select("ul.tavolo-sitemap a")}


def test_sitemap_page_shows_what_the_viewer_may_see(testapp, login_as, tree):
    page = testapp.get("/@@sitemap", status=200)
    links = _sitemap_links(page)
    assert "http://localhost/prova-feed/notizia-pubblica/" in links
    assert "http://localhost/prova-feed/notizia-interna/" not in links
    assert "http://localhost/cartella-interna/" not in links
    assert "http://localhost/cartella-privata/nascosta/" not in links
    login_as("comune")
    links = _sitemap_links(testapp.get("/@@sitemap", status=200))
    assert "http://localhost/prova-feed/notizia-interna/" in links
    assert "http://localhost/cartella-interna/notizia-riservata/" in links
    assert "http://localhost/prova-feed/pagina-privata/" not in links
    assert "http://localhost/prova-feed/pagina-cestinata/" not in links


def test_sitemap_page_caps_long_folders(testapp, dbsession, tree):
    service = ContentService(dbsession)
    for number in range(SITEMAP_PER_FOLDER + 5):
        service.create(
            tree.folder, "page", f"p-{number:03d}", f"Pagina {number}", state="published"
        )
    dbsession.flush()
    page = testapp.get("/@@sitemap", status=200)
    links = _sitemap_links(page)
    assert "http://localhost/prova-feed/p-000/" in links
    assert "http://localhost/prova-feed/p-034/" not in links
    visible_children = 4 + SITEMAP_PER_FOLDER + 5  # two news, two events and the pages
    assert f"e altri {visible_children - SITEMAP_PER_FOLDER} contenuti" in page.text
