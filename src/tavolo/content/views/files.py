"""Files and images: their pages, and the bytes served safely.

Uploaded files are the users' and are never trusted: they are served as attachments with
``nosniff``, under a ``sandbox`` policy, with a Content-Disposition whose filename can
split no header. Only PDF, PNG and JPEG files may be opened in the browser (``@@inline``),
and images of the usual raster types through ``@@image``; every other type is always an
attachment. The ETag is the file's SHA-256, so a client that has it gets a 304.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from pyramid.response import Response
from pyramid.view import view_config

from tavolo.content.models import File, Image, StoredFile
from tavolo.content.views.display import ContentDisplay
from tavolo.security.roles import VIEW

INLINE_FILE_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg"})
INLINE_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
SANDBOX = "sandbox"
FALLBACK_TYPE = "application/octet-stream"
_MEDIA_PART = r"[a-z0-9][a-z0-9!#$&^_.+-]{0,126}"
_MEDIA_TYPE = re.compile(rf"^{_MEDIA_PART}/{_MEDIA_PART}$")
_UNSAFE_ASCII = re.compile(r"[^A-Za-z0-9 ._()+-]")


def media_type(stored: str | None) -> str:
    """The stored type without parameters, if it is a well-formed ``type/subtype``."""
    value = (stored or "").split(";", 1)[0].strip().lower()
    return value if _MEDIA_TYPE.match(value) else FALLBACK_TYPE


def content_disposition(disposition: str, filename: str | None) -> str:
    """``attachment; filename="citta.pdf"; filename*=UTF-8''citt%C3%A0.pdf`` (RFC 6266).

    Control characters (CR and LF among them) are dropped, path separators become ``_``;
    the ASCII fallback keeps only harmless characters, so no quote or backslash reaches
    the quoted string; the UTF-8 form is percent-encoded.
    """
    name = "".join(ch for ch in filename or "" if unicodedata.category(ch)[0] != "C")
    name = name.replace("/", "_").replace("\\", "_").strip().lstrip(".") or "download"
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    fallback = _UNSAFE_ASCII.sub("_", folded).strip(" .") or "download"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _etag(stored: StoredFile) -> str:
    return stored.sha256 or ""


def serve(stored: StoredFile, request, *, inline: bool) -> Response:
    """The bytes of ``stored``; 304 when the client already has them."""
    etag = _etag(stored)
    headers = {
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": SANDBOX,
    }
    if request.environ.get("tavolo.auth") is None:
        # A visitor's copy may be kept, but is checked again on every use.
        headers["Cache-Control"] = "no-cache"
    if etag and etag in request.if_none_match:
        response = Response(status=304)
    else:
        response = Response(
            body=stored.data or b"", content_type=media_type(stored.content_type), charset=None
        )
        response.headers["Content-Disposition"] = content_disposition(
            "inline" if inline else "attachment", stored.filename
        )
    response.headers.update(headers)
    response.etag = etag or None
    return response


@view_config(context=File, name="download", permission=VIEW, request_method=("GET", "HEAD"))
@view_config(context=Image, name="download", permission=VIEW, request_method=("GET", "HEAD"))
def download_view(context, request):
    return serve(context, request, inline=False)


@view_config(context=File, name="inline", permission=VIEW, request_method=("GET", "HEAD"))
def inline_view(context, request):
    """PDF, PNG and JPEG open in the browser (sandboxed); anything else is downloaded."""
    return serve(context, request, inline=media_type(context.content_type) in INLINE_FILE_TYPES)


@view_config(context=Image, name="image", permission=VIEW, request_method=("GET", "HEAD"))
def image_view(context, request):
    """The picture itself, for ``<img>``: raster types only; SVG and the rest are
    downloaded, never rendered from our origin."""
    return serve(context, request, inline=media_type(context.content_type) in INLINE_IMAGE_TYPES)


def inline_allowed(stored: StoredFile) -> bool:
    return media_type(stored.content_type) in INLINE_FILE_TYPES


@view_config(context=File, renderer="tavolo:templates/content/file.pt", permission=VIEW)
def file_view(context, request):
    return {
        "display": ContentDisplay(context, request),
        "inline": inline_allowed(context),
        "file_type": media_type(context.content_type),
    }


@view_config(context=Image, renderer="tavolo:templates/content/image.pt", permission=VIEW)
def image_page_view(context, request):
    return {
        "display": ContentDisplay(context, request),
        "shown": media_type(context.content_type) in INLINE_IMAGE_TYPES,
        "file_type": media_type(context.content_type),
    }
