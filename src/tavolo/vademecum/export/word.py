"""An edition as DOCX (python-docx): the same content as the PDF, editable.

Chapters and sections use Word's built-in "Heading 1"/"Heading 2" styles, so Word's and
LibreOffice's navigation pane and their "update table of contents" work. The "Indice"
after the cover is a TOC field whose initial text lists every title (a field's page
numbers are computed by the word processor, never by us; until it is updated the list
shows the titles). The footer holds a PAGE field ("Pagina N"). Every section starts on a
new page and ends with its date of last check.
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

from tavolo.vademecum.export.document import ExportDocument
from tavolo.vademecum.export.richtext import Block

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EXTENSION = "docx"


def _field(paragraph, instruction: str, placeholder: str = "") -> None:
    """A complex field (``PAGE``, ``TOC``) in ``paragraph``, showing ``placeholder``."""

    def char(kind: str):
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        run = paragraph.add_run()
        run._r.append(element)
        return run

    char("begin")
    code = OxmlElement("w:instrText")
    code.set(qn("xml:space"), "preserve")
    code.text = f" {instruction} "
    paragraph.add_run()._r.append(code)
    char("separate")
    paragraph.add_run(placeholder)
    char("end")


def _blocks(doc, blocks: list[Block]) -> None:
    for block in blocks:
        if not block.text:
            continue
        if block.kind == "heading":
            paragraph = doc.add_paragraph(style="Heading 3")
        elif block.kind == "item":
            paragraph = doc.add_paragraph()
            paragraph.paragraph_format.left_indent = Pt(14 * max(1, block.level))
            paragraph.add_run(f"{block.marker or '•'} ")
        else:
            paragraph = doc.add_paragraph()
        for run in block.runs:
            if run.break_before:
                paragraph.add_run().add_break(WD_BREAK.LINE)
            added = paragraph.add_run(run.text)
            added.bold = run.bold or None
            added.italic = run.italic or None


def _cover(doc, document: ExportDocument) -> None:
    title = doc.add_paragraph(document.title, style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for line in (document.edition_label, document.date_label, document.publisher, document.note):
        if line:
            doc.add_paragraph(line).alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(document.hash_label).alignment = WD_ALIGN_PARAGRAPH.CENTER
    digest = doc.add_paragraph()
    digest.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = digest.add_run(document.sha256)
    run.font.name = "Courier New"
    run.font.size = Pt(8)


def _toc(doc, document: ExportDocument) -> None:
    doc.add_paragraph(document.toc_title, style="Heading 1")
    # The field's shown text: every title, one a line, until the word processor updates it.
    titles = [entry.title for entry in document.chapters]
    if document.sections:
        titles.append(document.sections_title)
        titles += [f"    {entry.title}" for entry in document.sections]
    paragraph = doc.add_paragraph()
    _field(paragraph, 'TOC \\o "1-2" \\h \\z \\u', "")
    for title in titles:
        paragraph.add_run().add_break(WD_BREAK.LINE)
        paragraph.add_run(title)


def _footer(doc, document: ExportDocument) -> None:
    footer = doc.sections[0].footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    footer.add_run(f"{document.title} - {document.edition_label} - {document.page_label} ")
    _field(footer, "PAGE", "1")


def render_docx(document: ExportDocument) -> bytes:
    doc = Document()
    doc.core_properties.title = document.title
    doc.core_properties.subject = document.edition_label
    doc.core_properties.author = document.publisher
    doc.core_properties.comments = f"SHA-256: {document.sha256}"
    _footer(doc, document)
    _cover(doc, document)
    doc.add_page_break()
    _toc(doc, document)
    for entry in document.chapters:
        doc.add_page_break()
        doc.add_paragraph(entry.title, style="Heading 1")
        for part in entry.parts:
            _blocks(doc, part.blocks)
    for index, entry in enumerate(document.sections):
        doc.add_page_break()
        if index == 0:
            doc.add_paragraph(document.sections_title, style="Heading 1")
        doc.add_paragraph(entry.title, style="Heading 2")
        for part in entry.parts:
            if part.label:
                doc.add_paragraph(part.label, style="Heading 4")
            _blocks(doc, part.blocks)
        checked = doc.add_paragraph()
        checked.add_run(f"{document.last_checked_label}: ").bold = True
        checked.add_run(entry.last_checked)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
