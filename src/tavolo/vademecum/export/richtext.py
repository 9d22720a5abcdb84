"""Rich text (HTML) as blocks of styled runs, for the PDF and DOCX writers.

The sections' HTML was sanitised when it was saved, but an export must not depend on it:
this reads any string with the standard library's tolerant HTML parser, which never raises
on broken markup, keeps only the structure a printed guide needs - paragraphs, headings,
list items (with their depth and number), line breaks, bold and italic - and turns links
into their text followed by the address. Scripts, styles and anything unknown give their
text or nothing; control characters that XML (DOCX) cannot hold are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

_SPACE = re.compile(r"[ \t\r\n\f\v]+")
# XML 1.0 forbids these (python-docx raises on them); reportlab would print garbage.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_BLOCKS = frozenset(
    {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "tr", "pre"}
    | {"address", "section", "article", "header", "footer", "figure", "figcaption", "dd", "dt"}
)
_HIDDEN = frozenset({"script", "style", "template", "head", "title", "noscript", "iframe"})
_BOLD = frozenset({"b", "strong", "th"})
_ITALIC = frozenset({"i", "em", "cite"})
_LINK_SCHEMES = ("http://", "https://", "mailto:", "tel:")


def clean_text(text: str) -> str:
    return _CONTROL.sub("", text or "")


@dataclass
class Run:
    text: str
    bold: bool = False
    italic: bool = False
    break_before: bool = False  # a line break (<br>) before this run


@dataclass
class Block:
    kind: str = "para"  # "para", "heading" or "item"
    level: int = 0  # list depth for items (1 = top level)
    marker: str = ""  # "•" or "3." for items
    runs: list[Run] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs).strip()


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.current: Block | None = None
        self.bold = 0
        self.italic = 0
        self.hidden = 0
        self.lists: list[list] = []  # [ordered, counter] per open list
        self.links: list[str | None] = []
        self.pending_break = False

    # blocks ----------------------------------------------------------------------------
    def _close(self) -> None:
        if self.current is not None and self.current.text:
            self.blocks.append(self.current)
        self.current = None
        self.pending_break = False

    def _open(self, kind: str = "para") -> None:
        self._close()
        block = Block(kind=kind)
        if kind == "item" and self.lists:
            ordered = self.lists[-1]
            ordered[1] += 1
            block.level = len(self.lists)
            block.marker = f"{ordered[1]}." if ordered[0] else "•"
        self.current = block

    def _add(self, text: str) -> None:
        if self.hidden or not text:
            return
        text = _SPACE.sub(" ", clean_text(text))
        if not text:
            return
        if self.current is None:
            if not text.strip():
                return
            self._open()
        block = self.current
        if not block.runs or self.pending_break:
            text = text.lstrip()
            if not text:
                return
        run = Run(text, bool(self.bold), bool(self.italic), self.pending_break and bool(block.runs))
        self.pending_break = False
        previous = block.runs[-1] if block.runs else None
        if (
            previous is not None
            and not run.break_before
            and (previous.bold, previous.italic) == (run.bold, run.italic)
        ):
            previous.text += run.text
        else:
            block.runs.append(run)

    # parser callbacks ----------------------------------------------------------------------
    def handle_starttag(self, tag, attrs):
        tag = tag.lower()
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag in ("ul", "ol"):
            self._close()
            self.lists.append([tag == "ol", 0])
        elif tag == "li":
            self._open("item")
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self._open("heading")
        elif tag in _BLOCKS:
            self._open()
        elif tag == "br":
            self.pending_break = True
        elif tag in _BOLD:
            self.bold += 1
        elif tag in _ITALIC:
            self.italic += 1
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            self.links.append(href if href.lower().startswith(_LINK_SCHEMES) else None)
        if tag in ("td", "th") and self.current is not None and self.current.runs:
            self._add(" | ")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag.lower() != "br":
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        tag = tag.lower()
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in ("ul", "ol"):
            self._close()
            if self.lists:
                self.lists.pop()
        elif tag in _BLOCKS:
            self._close()
        elif tag in _BOLD:
            self.bold = max(0, self.bold - 1)
        elif tag in _ITALIC:
            self.italic = max(0, self.italic - 1)
        elif tag == "a" and self.links:
            href = self.links.pop()
            if href:
                shown = href[7:] if href.lower().startswith("mailto:") else href
                if self.current is None or shown not in self.current.text:
                    self._add(f" ({shown})")

    def handle_data(self, data):
        self._add(data)


def html_blocks(html: str | None) -> list[Block]:
    """The blocks of ``html`` (plain text gives one paragraph per line break run)."""
    reader = _Reader()
    try:
        reader.feed(html or "")
        reader.close()
    except Exception:  # noqa: BLE001 - an export must never fail on a section's markup
        # The tolerant parser does not raise on markup; this is for the unforeseen: keep
        # the words, drop the structure.
        text = re.sub(r"<[^>]*>", " ", html or "")
        return [Block(runs=[Run(_SPACE.sub(" ", clean_text(text)).strip())])]
    reader._close()
    return reader.blocks


def plain_blocks(text: str | None) -> list[Block]:
    """Plain text (not HTML): one paragraph per non-empty line."""
    blocks = []
    for line in clean_text(text or "").splitlines():
        line = _SPACE.sub(" ", line).strip()
        if line:
            blocks.append(Block(runs=[Run(line)]))
    return blocks
