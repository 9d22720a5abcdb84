"""The text of attachments is searched; a damaged or an enormous PDF neither crashes nor
hangs the indexer (the extractor's limits, small here, bound its time)."""

from __future__ import annotations

import time
import uuid

import pytest
from whoosh.qparser import QueryParser

from tavolo.files.extract import ExtractLimits, TextExtractor
from tavolo.search.indexer import apply_pending
from tavolo.search.outbox import enqueue
from tests.content.helpers import make_file
from tests.files.makers import pdf_with_pages
from tests.search.helpers import documents
from tests.security.test_local_roles import make

FOLDER = "/area-riservata/documenti/"
LIMITS = ExtractLimits(max_chars=5_000, max_pages=5, timeout=3.0)


def hits(index, words: str) -> set[int]:
    with index.searcher() as searcher:
        query = QueryParser("content", index.index().schema).parse(words)
        return {int(hit["id"]) for hit in searcher.search(query, limit=None)}


@pytest.fixture
def index_files(connection, dbsession, blobs, search_index):
    """Add files and index them with small extraction limits; returns their nodes."""

    def _index(*files):
        nodes = []
        for name, data in files:
            node = make_file(dbsession, FOLDER, name, name, data, f"{name}.pdf", "application/pdf")
            enqueue(dbsession, node.id)
            nodes.append(node)
        dbsession.flush()
        extractor = TextExtractor(blobs, LIMITS)
        started = time.monotonic()
        apply_pending(connection, search_index, extractor=extractor)
        return nodes, time.monotonic() - started

    return _index


def test_the_text_of_a_pdf_is_found(index_files, search_index):
    word = f"protocollo{uuid.uuid4().hex[:6]}"  # new bytes: never a cached extraction
    [node], _ = index_files(("intesa", pdf_with_pages([[f"Accordo {word} per i tirocini"]])))
    assert hits(search_index, word) == {node.id}
    assert node.id in hits(search_index, "tirocinio")  # stemmed like any text


def test_a_malformed_pdf_is_indexed_without_its_text(index_files, search_index):
    damaged = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 9 0 R >>\nendobj\n" + (
        uuid.uuid4().hex.encode() * 50
    )
    [node], _ = index_files(("rotto", damaged))
    doc = documents(search_index)[node.id]
    assert doc["title"] == "rotto" and doc["excerpt"] == ""


def test_a_huge_pdf_is_cut_at_the_limits_in_bounded_time(index_files, search_index):
    marker = uuid.uuid4().hex[:6]
    pages = [[f"pagina{n} parola{marker}"] for n in range(400)]
    [node], elapsed = index_files(("enorme", pdf_with_pages(pages, compress=True)))
    assert elapsed < LIMITS.timeout + 10
    doc = documents(search_index)[node.id]
    assert "pagina0" in doc["excerpt"] and "pagina399" not in doc["excerpt"]
    assert len(doc["excerpt"]) <= LIMITS.max_chars


def test_a_missing_blob_does_not_stop_the_indexer(connection, dbsession, search_index, blobs):
    node = make(
        dbsession,
        FOLDER,
        "senza-blob",
        "Senza blob",
        None,
        type_name="file",
        filename="x.pdf",
        content_type="application/pdf",
        size=10,
        sha256=uuid.uuid4().hex * 2,  # in no store
    )
    enqueue(dbsession, node.id)
    dbsession.flush()
    apply_pending(connection, search_index, extractor=TextExtractor(blobs, LIMITS))
    assert documents(search_index)[node.id]["excerpt"] == ""
