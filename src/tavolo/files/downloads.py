"""Serving stored files: streamed from the blob store, as untrusted content.

Why these headers (DESIGN.md, "Display and downloads" in docs/decisions.md): a user's file
is served from our origin, so the browser must never run it as one of our pages. Every
response carries ``X-Content-Type-Options: nosniff`` and ``Content-Security-Policy:
sandbox``; it is an attachment unless the caller asks for inline display (only PDF, PNG and
JPEG qualify, decided by the views); ``Content-Disposition`` carries the RFC 6266 name
(``names.content_disposition``), which can split no header.

Why streaming: a 50 MB PDF is read in 64 KB blocks while it is sent, never whole into
memory. The response is conditional (WebOb): ``If-None-Match`` with the hash gives a 304
without opening the blob, a single ``Range`` a 206 that seeks to its start, an
unsatisfiable one a 416. Several ranges get the whole file (WebOb's choice, and allowed).
"""

from __future__ import annotations

import re
from typing import BinaryIO

from pyramid.response import Response

from tavolo.files.blobstore import BlobStore
from tavolo.files.names import content_disposition
from tavolo.files.scales import ScaledImage

BLOCK_SIZE = 64 * 1024
SANDBOX = "sandbox"
FALLBACK_TYPE = "application/octet-stream"
_MEDIA_PART = r"[a-z0-9][a-z0-9!#$&^_.+-]{0,126}"
_MEDIA_TYPE = re.compile(rf"^{_MEDIA_PART}/{_MEDIA_PART}$")


def media_type(stored: str | None) -> str:
    """The stored type without parameters, if it is a well-formed ``type/subtype``
    (``application/octet-stream`` otherwise: nothing else reaches a header)."""
    value = (stored or "").split(";", 1)[0].strip().lower()
    return value if _MEDIA_TYPE.match(value) else FALLBACK_TYPE


class BlobIter:
    """A blob's bytes for WSGI, block by block; ``app_iter_range`` seeks (WebOb calls it
    for a ``Range`` request). ``close`` closes the file even when nothing was read (a HEAD,
    a 416), which a plain generator would not."""

    def __init__(self, file: BinaryIO, block_size: int = BLOCK_SIZE):
        self.file = file
        self.block_size = block_size
        self.start = 0
        self.stop: int | None = None

    def app_iter_range(self, start: int | None, stop: int | None) -> BlobIter:
        self.start, self.stop = start or 0, stop
        return self

    def __iter__(self):
        self.file.seek(self.start)
        remaining = None if self.stop is None else self.stop - self.start
        while remaining is None or remaining > 0:
            size = self.block_size if remaining is None else min(self.block_size, remaining)
            data = self.file.read(size)
            if not data:
                return
            if remaining is not None:
                remaining -= len(data)
            yield data

    def close(self) -> None:
        self.file.close()


def _respond(request, open_file, size, *, content_type, etag, disposition) -> Response:
    headers = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": SANDBOX}
    if request.environ.get("tavolo.auth") is None:
        # A visitor's copy may be kept, but is checked again on every use.
        headers["Cache-Control"] = "no-cache"
    if etag in request.if_none_match:
        # Answered before the file is opened: revalidations cost no disk read.
        response = Response(status=304)
    else:
        size = size()
        response = Response(
            app_iter=BlobIter(open_file()),
            content_type=content_type,
            charset=None,
            content_length=size,
            conditional_response=True,
        )
        response.accept_ranges = "bytes"
        response.headers["Content-Disposition"] = disposition
    response.headers.update(headers)
    response.etag = etag
    return response


def serve_blob(
    store: BlobStore,
    request,
    *,
    sha256: str,
    content_type: str | None,
    filename: str | None,
    inline: bool,
) -> Response:
    """The response for the blob ``sha256``, whose ETag is the hash. ``BlobNotFound``
    when it is missing (the caller logs it and answers with an error page)."""
    return _respond(
        request,
        lambda: store.open(sha256),
        lambda: store.size(sha256),
        content_type=media_type(content_type),
        etag=sha256,
        disposition=content_disposition(filename, inline=inline),
    )


def serve_scale(request, scale: ScaledImage, filename: str | None) -> Response:
    """An image scale, inline, like a blob; its ETag names source, scale and version."""
    return _respond(
        request,
        lambda: open(scale.path, "rb"),  # closed by BlobIter.close
        lambda: scale.path.stat().st_size,
        content_type=scale.content_type,
        etag=scale.etag,
        disposition=content_disposition(filename, inline=True),
    )
