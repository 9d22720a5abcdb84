"""The display page of every content type in a real browser: axe-core (WCAG 2.1 AA), no
console errors, for a visitor and for an editor (who sees links as pages)."""

from __future__ import annotations

import datetime as dt

import pytest
import transaction

from tavolo.content.models import NodeRelation
from tavolo.content.services import ContentService
from tavolo.db import get_session_factory, get_tm_session
from tavolo.files.blobstore import BlobStore
from tavolo.files.uploads import Uploads
from tests.browser.test_pages import assert_accessible, check_pages, demo_server
from tests.conftest import DEMO_PASSWORD
from tests.files.makers import png_bytes, tiny_pdf

PDF = tiny_pdf("Verbale", ["Una riga."])
PNG = png_bytes(1, 1)
URN = "urn:nir:ministero.interno:circolare:2012-04-16;2649"


def _stored(data: bytes, filename: str) -> dict:
    """An upload, inspected and stored by the files package like a form's."""
    return {"upload": {"data": data, "filename": filename}}


def add_examples(engine, settings) -> None:
    manager = transaction.TransactionManager(explicit=True)
    with manager:
        dbsession = get_tm_session(get_session_factory(engine), manager)
        service = ContentService(dbsession, files=Uploads(BlobStore.from_settings(settings)))
        news_folder = service.by_path("/notizie/")
        law_folder = service.by_path("/normativa/")
        start = dt.datetime(2024, 3, 21, 9, tzinfo=dt.UTC)
        image = service.create(
            news_folder,
            "image",
            "sala",
            "La sala riunioni",
            state="published",
            **_stored(PNG, "sala.png"),
        )
        news = service.create(
            news_folder,
            "news",
            "notizia",
            "Una notizia",
            state="published",
            lead="In breve.",
            body="<p>Testo.</p>",
            image_id=image.id,
            tags=["rete"],
        )
        service.create(
            news_folder,
            "event",
            "evento",
            "Tavolo tecnico",
            state="published",
            start=start,
            end=start + dt.timedelta(hours=2),
            location="Prefettura",
            organiser="Prefettura",
            contact_name="Segreteria",
            contact_email="segreteria@example.it",
            contact_phone="+39 0187 1",
        )
        service.create(
            news_folder, "link", "portale", "Portale", state="published", url="https://example.org/"
        )
        service.create(
            news_folder,
            "question",
            "domanda",
            "Una domanda",
            state="published",
            question="Dove?",
            answer="<p>Qui.</p>",
            topic="Permessi",
        )
        service.create(
            news_folder,
            "file",
            "verbale.pdf",
            "Verbale",
            state="published",
            **_stored(PDF, "verbale.pdf"),
        )
        act = service.create(
            law_folder,
            "legislation",
            "circolare",
            "Circolare 2649",
            state="published",
            act_type="circolare",
            number="2649",
            act_date=dt.date(2012, 4, 16),
            issuing_body="Ministero",
            urn=URN,
            official_url="https://example.org/c",
        )
        service.create(
            act,
            "file",
            "testo.pdf",
            "Testo",
            state="published",
            **_stored(PDF, "testo.pdf"),
        )
        dbsession.add(NodeRelation(source_id=news.id, target_id=act.id, position=0))


@pytest.fixture(scope="module")
def content_server(databases, app_settings):
    with demo_server(databases, app_settings, "browser-content", add_examples) as (url, _e):
        yield url


PAGES = (
    "/notizie/",
    "/notizie/notizia/",
    "/notizie/evento/",
    "/notizie/domanda/",
    "/notizie/verbale.pdf/",
    "/notizie/sala/",
    "/normativa/circolare/",
    # Listings: news with images, the agenda, a month calendar with an event, the latest
    # documents.
    "/eventi/",
    "/eventi/?passati=1",
    "/notizie/@@calendario?mese=2024-03",
    "/@@ultimi-documenti",
)


def test_content_pages_are_accessible_to_visitors(content_server):
    pages = check_pages(content_server, *PAGES)
    for path in PAGES:
        assert pages[path]["status"] == 200, path
        assert_accessible(pages[path])


EDITOR_PAGES = (
    "/notizie/portale/",
    "/notizie/notizia/",
    # The editing tools: folder contents, the forms (TinyMCE starts on edit), rename, move.
    "/notizie/@@contents",
    "/notizie/notizia/@@edit",
    "/notizie/notizia/@@rename",
    "/notizie/notizia/@@move",
    "/notizie/notizia/@@delete",
)


def test_content_pages_are_accessible_to_editors(content_server):
    pages = check_pages(content_server, f"login:admin:{DEMO_PASSWORD}", *EDITOR_PAGES)
    for path in EDITOR_PAGES:
        assert pages[path]["status"] == 200, path
        assert_accessible(pages[path])
