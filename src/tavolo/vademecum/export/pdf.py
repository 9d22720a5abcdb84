"""An edition as PDF (reportlab's platypus): cover, table of contents, numbered pages.

The cover carries the title, the edition's number and date, the publisher and the SHA-256
of the edition's text; the table of contents (platypus ``TableOfContents``) lists the
chapters and every section with its page, which needs reportlab's ``multiBuild`` (the
layout runs until the page numbers settle - two or three passes). Every page after the
cover has "Pagina N" in its footer; every section starts on a new page and ends with its
date of last check. Chapters and sections are also PDF bookmarks.

Text goes into reportlab's paragraph markup escaped; only our own ``<b>``/``<i>``/``<br/>``
are markup. The standard Helvetica needs no font file on the server (characters it lacks
print as a blank, never as an error).
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
)
from reportlab.platypus.tableofcontents import TableOfContents

from tavolo.vademecum.export.document import ExportDocument
from tavolo.vademecum.export.richtext import Block

CONTENT_TYPE = "application/pdf"
EXTENSION = "pdf"
_MARGIN = 2 * cm


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    body = ParagraphStyle("TBody", parent=base["BodyText"], fontSize=10, leading=14)
    return {
        "body": body,
        "cover_title": ParagraphStyle(
            "TCover", parent=base["Title"], fontSize=28, leading=34, spaceAfter=24
        ),
        "cover": ParagraphStyle("TCoverLine", parent=body, alignment=TA_CENTER, fontSize=13),
        "hash": ParagraphStyle(
            "THash", parent=body, alignment=TA_CENTER, fontName="Courier", fontSize=9
        ),
        "h1": ParagraphStyle(
            "TH1", parent=base["Heading1"], fontSize=18, leading=22, spaceAfter=10
        ),
        "h2": ParagraphStyle("TH2", parent=base["Heading2"], fontSize=13, spaceBefore=10),
        "h3": ParagraphStyle("TH3", parent=base["Heading3"], fontSize=11),
        "label": ParagraphStyle(
            "TLabel", parent=base["Heading4"], fontSize=10.5, spaceBefore=8, spaceAfter=2
        ),
        "checked": ParagraphStyle(
            "TChecked", parent=body, textColor=colors.HexColor("#444444"), spaceBefore=12
        ),
        "toc_title": ParagraphStyle("TTocTitle", parent=base["Heading1"], fontSize=18),
        "toc1": ParagraphStyle("TToc1", parent=body, fontSize=11, leftIndent=0, leading=16),
        "toc2": ParagraphStyle("TToc2", parent=body, fontSize=10, leftIndent=14, leading=14),
    }


def _markup(block: Block) -> str:
    out = []
    for run in block.runs:
        text = escape(run.text)
        if run.bold:
            text = f"<b>{text}</b>"
        if run.italic:
            text = f"<i>{text}</i>"
        if run.break_before:
            text = "<br/>" + text
        out.append(text)
    return "".join(out).strip()


def _flowables(blocks: list[Block], styles) -> list:
    result = []
    for block in blocks:
        text = _markup(block)
        if not text:
            continue
        if block.kind == "heading":
            result.append(Paragraph(text, styles["h3"]))
        elif block.kind == "item":
            indent = 12 * max(1, block.level)
            style = ParagraphStyle(
                f"TItem{block.level}",
                parent=styles["body"],
                leftIndent=indent + 10,
                bulletIndent=indent,
            )
            result.append(Paragraph(text, style, bulletText=block.marker or "•"))
        else:
            result.append(Paragraph(text, styles["body"]))
    return result


class _Heading(Paragraph):
    """A paragraph that enters the table of contents and the bookmarks at ``level``."""

    def __init__(self, text, style, level: int, key: str, plain: str):
        super().__init__(text, style)
        self.toc_level = level
        self.toc_key = key
        self.toc_text = plain


class _Template(BaseDocTemplate):
    def __init__(self, buffer, document: ExportDocument):
        super().__init__(
            buffer,
            pagesize=A4,
            leftMargin=_MARGIN,
            rightMargin=_MARGIN,
            topMargin=_MARGIN,
            bottomMargin=_MARGIN,
            title=document.title,
            subject=document.edition_label,
            author=document.publisher,
            creator="Tavolo",
        )
        self.export = document
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="main")
        self.addPageTemplates(
            [
                PageTemplate(id="cover", frames=[frame]),
                PageTemplate(id="body", frames=[frame], onPage=self._footer),
            ]
        )

    def _footer(self, canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8.5)
        canvas.setFillColor(colors.HexColor("#444444"))
        left = f"{self.export.title} - {self.export.edition_label}"
        canvas.drawString(_MARGIN, 1.2 * cm, left[:110])
        canvas.drawRightString(A4[0] - _MARGIN, 1.2 * cm, f"{self.export.page_label} {doc.page}")
        canvas.restoreState()

    def afterFlowable(self, flowable) -> None:
        if isinstance(flowable, _Heading):
            self.notify(
                "TOCEntry", (flowable.toc_level, flowable.toc_text, self.page, flowable.toc_key)
            )
            self.canv.bookmarkPage(flowable.toc_key)
            self.canv.addOutlineEntry(
                flowable.toc_text, flowable.toc_key, level=flowable.toc_level, closed=False
            )


def _cover(document: ExportDocument, styles) -> list:
    story = [
        Spacer(1, 5 * cm),
        Paragraph(escape(document.title), styles["cover_title"]),
        Paragraph(escape(document.edition_label), styles["cover"]),
        Spacer(1, 6),
        Paragraph(escape(document.date_label), styles["cover"]),
        Spacer(1, 6),
        Paragraph(escape(document.publisher), styles["cover"]),
    ]
    if document.note:
        story += [Spacer(1, 18), Paragraph(escape(document.note), styles["cover"])]
    story += [
        Spacer(1, 3 * cm),
        Paragraph(escape(document.hash_label), styles["cover"]),
        # Split in two halves: a 64-character word would not wrap.
        Paragraph(f"{document.sha256[:32]}<br/>{document.sha256[32:]}", styles["hash"]),
    ]
    return story


def render_pdf(document: ExportDocument) -> bytes:
    styles = _styles()
    toc = TableOfContents(levelStyles=[styles["toc1"], styles["toc2"]], dotsMinLevel=0)
    story = _cover(document, styles)
    story += [
        NextPageTemplate("body"),
        PageBreak(),
        Paragraph(escape(document.toc_title), styles["toc_title"]),
        toc,
    ]
    for index, entry in enumerate(document.chapters):
        story.append(PageBreak())
        story.append(_Heading(escape(entry.title), styles["h1"], 0, f"c{index}", entry.title))
        for part in entry.parts:
            story += _parts(part, styles)
    sections = document.sections
    for index, entry in enumerate(sections):
        story.append(PageBreak())
        if index == 0:
            story.append(
                _Heading(
                    escape(document.sections_title), styles["h1"], 0, "s", document.sections_title
                )
            )
        story.append(_Heading(escape(entry.title), styles["h2"], 1, f"s{index}", entry.title))
        for part in entry.parts:
            story += _parts(part, styles)
        story.append(
            Paragraph(
                f"<b>{escape(document.last_checked_label)}</b>: {escape(entry.last_checked)}",
                styles["checked"],
            )
        )
    buffer = io.BytesIO()
    _Template(buffer, document).multiBuild(story, maxPasses=10)
    return buffer.getvalue()


def _parts(part, styles) -> list:
    flowables = []
    if part.label:
        flowables.append(Paragraph(escape(part.label), styles["label"]))
    flowables += _flowables(part.blocks, styles)
    return flowables
