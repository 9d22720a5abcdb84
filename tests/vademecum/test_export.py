"""Exports of an edition (PDF, DOCX) from hand-made data: read back with pypdf and
python-docx, the reference libraries."""

from __future__ import annotations

import io
import re

import docx
import pypdf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tavolo.vademecum.export import render
from tavolo.vademecum.export.document import build_document
from tavolo.vademecum.export.richtext import html_blocks
from tavolo.vademecum.public import public_data
from tests.vademecum import edition_samples as samples

HASH = "0123456789abcdef" * 4


def _document(data, **kw):
    return build_document(
        samples.edition(3, HASH, note="Aggiornata dopo la riunione"),
        data,
        publisher="Prefettura della Spezia",
        **kw,
    )


def pdf_pages(body: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(body)).pages]


def docx_paragraphs(body: bytes) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(body)).paragraphs]


def _in_order(text: str, titles: list[str]) -> bool:
    position = 0
    for title in titles:
        found = text.find(title, position)
        if found < 0:
            return False
        position = found + len(title)
    return True


def test_pdf_has_cover_toc_page_numbers_and_every_title_in_order():
    data = samples.consolidated(12)
    body, content_type, extension = render(_document(data), "pdf")
    assert content_type == "application/pdf" and extension == "pdf"
    assert body.startswith(b"%PDF-")
    pages = pdf_pages(body)
    cover = pages[0]
    assert "Vademecum della rete" in cover
    assert "Edizione n. 3" in cover
    assert "26 novembre 2026" in cover
    assert HASH[:32] in cover and HASH[32:] in cover
    assert "Pagina" not in cover  # the cover carries no number
    # The table of contents lists every title, with the page it is on.
    toc = pages[1]
    assert "Indice" in toc
    chapter_titles = [c["title"] for c in data["chapters"]]
    section_titles = [s["title"] for s in data["sections"]]
    for title in chapter_titles + section_titles:
        assert title in toc
    # The body: chapters, then every section in order, each on its own page(s).
    body_text = "\n".join(pages[2:])
    assert _in_order(body_text, chapter_titles + section_titles)
    for number, text in enumerate(pages[1:], start=2):
        assert f"Pagina {number}" in text
    assert body_text.count("Data dell'ultima verifica") == 12
    assert "1 ottobre 2026" in body_text or "2 ottobre 2026" in body_text
    # Links print as text with their address; markup never shows.
    assert "<strong>" not in body_text and "Competenze dell'ente 1" in body_text


def test_pdf_toc_page_numbers_point_to_the_sections():
    data = samples.consolidated(4)
    pages = pdf_pages(render(_document(data), "pdf")[0])
    toc = pages[1]
    for section in data["sections"]:
        # pypdf reads each line's dot leader and page number before its title.
        match = re.search(r"(\d+)\s*\n" + re.escape(section["title"]), toc)
        assert match, section["title"]
        page = int(match.group(1))
        assert section["title"] in pages[page - 1]


def test_docx_opens_and_has_every_title_in_order():
    data = samples.consolidated(12)
    body, content_type, extension = render(_document(data), "docx")
    assert content_type == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert extension == "docx"
    document = docx.Document(io.BytesIO(body))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    titles = [c["title"] for c in data["chapters"]] + [s["title"] for s in data["sections"]]
    assert [h for h in headings if h in titles] == titles
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Edizione n. 3" in text and HASH in text
    assert text.count("Data dell'ultima verifica") == 12
    assert document.core_properties.title == "Vademecum della rete"
    footer_xml = document.sections[0].footer._element.xml
    assert "PAGE" in footer_xml


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_public_export_leaves_out_private_contacts(fmt):
    body, _type, _ext = render(_document(public_data(samples.consolidated(3))), fmt)
    text = "\n".join(pdf_pages(body) if fmt == "pdf" else docx_paragraphs(body))
    for secret in (samples.PRIVATE_NAME, samples.PRIVATE_PHONE, samples.PRIVATE_EMAIL):
        assert secret not in text
    for shown in (samples.PUBLIC_NAME, samples.PUBLIC_PHONE, samples.PUBLIC_EMAIL):
        assert shown in text
    assert "Responsabile dello sportello" in text  # the role is the office's: it stays


ODD_HTML = [
    "",
    "<p>",
    "</p></ul></li>",
    "<ul><li>uno<li>due<ol><li>tre</ul>",
    "<script>alert(1)</script><p>dopo</p>",
    "<p>a&nbsp;b &amp; c &lt;d&gt; &#0; &#xD800; &bogus;</p>",
    "testo \x00\x01\x0b\x1f senza tag",
    "<b><i>annidati <u>male</b></i></u>",
    "<a href='javascript:alert(1)'>link</a> <a href='https://x.it'>sito</a>",
    "<table><tr><th>a</th><td>b</td></tr></table>",
    "<p>" + "parola " * 5000 + "</p>",
    "<" * 50 + ">" * 50,
    "<p>\ufeff\u202e\ufffe testo</p>",
    "<h2>Titolo</h2><br/><br/><p>x</p>",
]


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_odd_html_never_breaks_an_export(fmt):
    data = samples.consolidated(1)
    data["chapters"] = [
        {"node_id": i, "key": f"k{i}", "title": f"Capitolo {i}", "body": html, "position": i}
        for i, html in enumerate(ODD_HTML)
    ]
    data["sections"][0]["competences"] = "".join(ODD_HTML)
    data["sections"][0]["languages"] = "\x00 arabo \x07"
    body, _type, _ext = render(_document(data), fmt)
    assert body


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("<>/=\"'&;# abpuliolstrongemhref\x00\x0b\n")), max_size=200
    )
)
def test_html_blocks_never_raise_and_hold_no_markup_or_control_characters(html):
    for block in html_blocks(html):
        for run in block.runs:
            assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", run.text)


def test_recent_exports_are_kept_within_their_bounds():
    from tavolo.vademecum.export import RecentExports

    recent = RecentExports(max_items=2, max_bytes=10)
    calls = []

    def make(value):
        def _make():
            calls.append(value)
            return (value, "application/pdf", "pdf")

        return _make

    assert recent.get_or_render(("a",), make(b"12345"))[0] == b"12345"
    assert recent.get_or_render(("a",), make(b"other"))[0] == b"12345"  # kept
    recent.get_or_render(("b",), make(b"123456"))  # 11 bytes in all: "a" goes
    recent.get_or_render(("a",), make(b"again"))
    assert calls == [b"12345", b"123456", b"again"]
    recent.get_or_render(("c",), make(b"1"))
    recent.get_or_render(("d",), make(b"2"))  # at most two items
    assert len(recent._items) == 2
