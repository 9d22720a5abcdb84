"""Text extraction on real files made here, and on malformed and huge ones: always an
answer within the time limit, never an exception, cached by blob hash."""

from __future__ import annotations

import io
import os
import time

import pytest
from pypdf import PdfWriter

from tavolo.files import extract
from tavolo.files.blobstore import BlobNotFound
from tavolo.files.extract import ExtractLimits, TextExtractor, extract_file
from tests.files.makers import (
    docx_bytes,
    docx_xml,
    odt_bytes,
    pdf_with_pages,
    png_bytes,
    tiny_pdf,
)

FAST = ExtractLimits(timeout=3.0)
ODT_CONTENT = (
    '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
    "<office:body><office:text>"
    "<text:h>Documento d'intesa</text:h>"
    "<text:p>Le parti<text:s text:c='3'/>si impegnano<text:tab/>a collaborare."
    "<text:line-break/>Seconda riga</text:p>"
    "<text:list><text:list-item><text:p>Prefettura della Spezia</text:p></text:list-item>"
    "</text:list></office:text></office:body></office:document-content>"
)
BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">'
    '<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body><w:p><w:r><w:t>&lol4;</w:t></w:r></w:p></w:body></w:document>"
)


def write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_pdf_text(tmp_path):
    path = write(tmp_path, "verbale.pdf", tiny_pdf("Verbale", ["Seduta del Tavolo tecnico"]))
    result = extract_file(path, "pdf", FAST)
    assert result.status == "ok"
    assert "Verbale" in result.text and "Seduta del Tavolo tecnico" in result.text


def test_pdf_without_text_is_empty(tmp_path):
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    result = extract_file(write(tmp_path, "scansione.pdf", out.getvalue()), "pdf", FAST)
    assert (result.text, result.status) == ("", "empty")


def test_docx_text(tmp_path):
    data = docx_bytes(["Relazione sull'attività", "Seconda sezione"])
    result = extract_file(write(tmp_path, "relazione.docx", data), "docx", FAST)
    assert result.status == "ok"
    # One line per paragraph; the tab stops of paragraph properties are not text.
    assert result.text == "Relazione sull'attività\nSeconda sezione\n"


def test_odt_text(tmp_path):
    path = write(tmp_path, "intesa.odt", odt_bytes(content=ODT_CONTENT))
    result = extract_file(path, "odt", FAST)
    assert result.status == "ok"
    assert result.text == (
        "Documento d'intesa\n"
        "Le parti   si impegnano\ta collaborare.\nSeconda riga\n"
        "Prefettura della Spezia\n"
    )


def test_plain_text_in_either_charset(tmp_path):
    utf8 = extract_file(write(tmp_path, "a.csv", "ente;città\n".encode()), "csv", FAST)
    assert (utf8.text, utf8.status) == ("ente;città\n", "ok")
    legacy = write(tmp_path, "b.txt", "ente;città\n".encode("windows-1252"))
    assert extract_file(legacy, "txt", FAST).text == "ente;città\n"


def test_character_and_page_limits(tmp_path):
    path = write(tmp_path, "lungo.pdf", pdf_with_pages([[f"Pagina {n}"] for n in range(30)]))
    result = extract_file(path, "pdf", ExtractLimits(timeout=3.0, max_pages=5))
    assert result.status == "truncated"
    assert "Pagina 4" in result.text and "Pagina 5" not in result.text
    result = extract_file(path, "pdf", ExtractLimits(timeout=3.0, max_chars=20))
    assert (len(result.text), result.status) == (20, "truncated")
    text = write(tmp_path, "lungo.txt", ("città " * 100).encode())
    result = extract_file(text, "txt", ExtractLimits(max_chars=10))
    assert (result.text, result.status) == ("città citt", "truncated")


def test_malformed_pdf_fails_quietly(tmp_path):
    path = write(tmp_path, "rotto.pdf", b"%PDF-1.7\n" + os.urandom(20_000) + b"\n%%EOF\n")
    started = time.monotonic()
    result = extract_file(path, "pdf", FAST)
    assert (result.text, result.status) == ("", "failed")
    assert time.monotonic() - started < FAST.timeout


def test_truncated_pdf_gives_what_it_can(tmp_path):
    data = pdf_with_pages([[f"Pagina {n}"] for n in range(20)])
    result = extract_file(write(tmp_path, "mezzo.pdf", data[: len(data) // 2]), "pdf", FAST)
    assert result.status in ("ok", "truncated", "failed", "empty")


def test_entity_bomb_in_docx_fails_quietly(tmp_path):
    path = write(tmp_path, "risate.docx", docx_bytes(document=BILLION_LAUGHS))
    result = extract_file(path, "docx", FAST)
    assert (result.text, result.status) == ("", "failed")


def test_memory_limit_ends_the_child_not_the_caller(tmp_path):
    path = write(tmp_path, "verbale.pdf", tiny_pdf("Verbale", ["riga"]))
    result = extract_file(path, "pdf", ExtractLimits(timeout=3.0, memory_bytes=32 * 1024 * 1024))
    assert (result.text, result.status) == ("", "failed")


def test_pdf_with_thousands_of_pages_ends_within_the_time_limit(tmp_path):
    pages = [[f"Pagina {n} del verbale", "Seduta del Tavolo tecnico"] for n in range(5000)]
    path = write(tmp_path, "enorme.pdf", pdf_with_pages(pages))
    # A second is far too little for 5,000 pages on any machine (an idle one here does
    # ~2,500 a second, and the child stops itself at three quarters of the time).
    limits = ExtractLimits(timeout=1.0, max_pages=100_000)
    started = time.monotonic()
    result = extract_file(path, "pdf", limits)
    elapsed = time.monotonic() - started
    assert result.status in ("truncated", "timeout")
    assert elapsed < limits.timeout + 1
    assert "Pagina 4999" not in result.text


def test_pdf_page_that_never_ends_is_killed_at_the_time_limit(tmp_path):
    # One page whose compressed content stream inflates to 400,000 text operations: pypdf
    # spends far longer than the limit on it, with no chance to stop between pages.
    path = write(tmp_path, "pagina.pdf", pdf_with_pages([["parola"] * 400_000], compress=True))
    assert path.stat().st_size < 100_000
    limits = ExtractLimits(timeout=2.0)
    started = time.monotonic()
    result = extract_file(path, "pdf", limits)
    assert result.status == "timeout"
    assert time.monotonic() - started < limits.timeout + 1


def test_formats_without_text_and_big_files(tmp_path):
    assert extract_file(write(tmp_path, "a.png", png_bytes()), "png").status == "unsupported"
    path = write(tmp_path, "a.txt", b"x" * 2000)
    assert extract_file(path, "txt", ExtractLimits(max_input_bytes=1000)).status == "too-big"


# --- the cache ---------------------------------------------------------------------------------


def test_results_are_cached_by_hash(store, monkeypatch):
    source = store.put(docx_bytes(["Ordine del giorno"])).sha256
    extractor = TextExtractor(store, FAST)
    first = extractor.text(source, "docx")
    assert (first.text, first.status, first.cached) == ("Ordine del giorno\n", "ok", False)
    assert extractor.path(source) == store.root / "text" / "v1" / source[:2] / f"{source}.txt"

    def no_extraction(*args, **kw):
        raise AssertionError("extracted again")

    monkeypatch.setattr(extract, "extract_file", no_extraction)
    again = TextExtractor(store, FAST).text(source, "docx")
    assert (again.text, again.status, again.cached) == ("Ordine del giorno\n", "ok", True)


def test_failures_are_remembered_timeouts_retried_later(store, monkeypatch):
    broken = store.put(b"%PDF-1.7\n" + b"\x00garbage" * 100 + b"\n%%EOF\n").sha256
    extractor = TextExtractor(store, FAST)
    assert extractor.text(broken, "pdf").status == "failed"
    calls = []
    monkeypatch.setattr(
        extract, "extract_file", lambda *a: calls.append(a) or extract.Extracted("", "timeout")
    )
    assert extractor.text(broken, "pdf").cached  # not retried at every reindex
    assert calls == []

    slow = store.put(docx_bytes(["lento"])).sha256
    assert extractor.text(slow, "docx").status == "timeout"
    assert extractor.text(slow, "docx").cached
    assert len(calls) == 1
    day_ago = time.time() - extractor.limits.retry_timeouts_after - 60
    os.utime(extractor.path(slow), (day_ago, day_ago))
    assert extractor.text(slow, "docx").cached is False  # tried again the next day
    assert len(calls) == 2


def test_extractor_edge_cases(store):
    extractor = TextExtractor(store, FAST)
    assert extractor.text(store.put(png_bytes()).sha256, "png").status == "unsupported"
    assert extractor.text("0" * 64, None).status == "unsupported"
    with pytest.raises(BlobNotFound):
        extractor.text("0" * 64, "pdf")
    source = store.put(docx_xml(["x"]).encode()).sha256
    extractor.path(source).parent.mkdir(parents=True)
    extractor.path(source).write_text("not ours\n")
    assert extractor.cached(source) is None
    assert list(extractor.hashes()) == [source]
    extractor.discard(source)
    assert list(extractor.hashes()) == []
