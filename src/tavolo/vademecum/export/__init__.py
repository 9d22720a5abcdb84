"""Exports of an edition: PDF (reportlab) and DOCX (python-docx), generated on request.

* ``richtext``: any HTML as paragraphs, list items and bold/italic runs, never failing;
* ``document``: the edition laid out once for every format (labels translated);
* ``pdf`` and ``word``: the two writers;
* ``export_response``: the download, an attachment with ``nosniff``.

Nothing is cached on disk: a 40-section edition takes about 0.4 s to write (measured, see
docs/decisions.md), and a file kept on disk would be one more thing to keep in step with
the public flag's filtering. A few recent files are kept in memory (``RecentExports``):
an edition never changes, and a public URL that anyone may ask for again and again must
not cost that much CPU each time. The key holds everything the bytes depend on.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from pyramid.response import Response

from tavolo.files.names import content_disposition

FORMATS = ("pdf", "docx")


def render(document, fmt: str) -> tuple[bytes, str, str]:
    """(body, content type, extension) of ``document`` in ``fmt`` ("pdf" or "docx")."""
    if fmt == "pdf":
        from tavolo.vademecum.export import pdf

        return pdf.render_pdf(document), pdf.CONTENT_TYPE, pdf.EXTENSION
    if fmt == "docx":
        from tavolo.vademecum.export import word

        return word.render_docx(document), word.CONTENT_TYPE, word.EXTENSION
    raise ValueError(f"unknown export format {fmt!r}")


class RecentExports:
    """The last few exports in memory, at most ``max_bytes`` in all (thread-safe)."""

    def __init__(self, max_items: int = 16, max_bytes: int = 32 * 1024 * 1024):
        self.max_items = max_items
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple, tuple[bytes, str, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_render(self, key: tuple, make: Callable[[], tuple[bytes, str, str]]):
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found
        # Rendered outside the lock: two requests for the same file may both render it
        # (the same bytes); neither waits for the other's unrelated export.
        made = make()
        with self._lock:
            self._items[key] = made
            self._items.move_to_end(key)
            while len(self._items) > self.max_items or (
                len(self._items) > 1 and self._size() > self.max_bytes
            ):
                self._items.popitem(last=False)
        return made

    def _size(self) -> int:
        return sum(len(body) for body, _type, _ext in self._items.values())

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


RECENT = RecentExports()


def export_response(body: bytes, content_type: str, filename: str) -> Response:
    """The file as a download: an attachment, never sniffed, sandboxed if opened."""
    response = Response(body=body, content_type=content_type, charset=None)
    response.headers["Content-Disposition"] = content_disposition(filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    return response
