"""Files and images: their pages, their bytes and their scales.

The bytes come from the blob store through ``tavolo.files.downloads``, which streams them
as untrusted content (``nosniff``, ``sandbox``, an RFC 6266 Content-Disposition, the hash
as ETag, single ranges). These views only decide what may be shown inline: PDF, PNG and
JPEG files through ``@@inline``, PNG and JPEG pictures (GIF and WebP of older rows too)
through ``@@image``; everything else is an attachment. Each view needs ``view`` on the
item, like its page.
"""

from __future__ import annotations

import logging

from pyramid.httpexceptions import HTTPInternalServerError, HTTPNotFound
from pyramid.view import view_config

from tavolo.content.models import File, Image, StoredFile
from tavolo.content.views.display import SCALED_TYPES, ContentDisplay
from tavolo.files.blobstore import BlobNotFound, InvalidHash
from tavolo.files.downloads import media_type, serve_blob, serve_scale
from tavolo.files.scales import ScaleError
from tavolo.security.roles import VIEW

log = logging.getLogger(__name__)

INLINE_FILE_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg"})
INLINE_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


def _missing(stored: StoredFile, request, exc: Exception):
    # The row names bytes the store does not have (a lost disk, a partial restore): the
    # visitor gets the error page, the administrator a log line to act on.
    log.error(
        "blob %s of %s is missing or unreadable (%s): restore the blob directory, then "
        "run tavolo-blobs verify",
        stored.sha256,
        request.resource_path(stored),
        exc.__class__.__name__,
    )
    return HTTPInternalServerError()


def serve(stored: StoredFile, request, *, inline: bool):
    """The bytes of ``stored``, streamed; 304 when the client already has them."""
    try:
        return serve_blob(
            request.registry["tavolo.blobs"],
            request,
            sha256=stored.sha256,
            content_type=stored.content_type,
            filename=stored.filename,
            inline=inline,
        )
    except (BlobNotFound, InvalidHash, OSError) as exc:
        raise _missing(stored, request, exc) from None


@view_config(context=File, name="download", permission=VIEW, request_method=("GET", "HEAD"))
@view_config(context=Image, name="download", permission=VIEW, request_method=("GET", "HEAD"))
def download_view(context, request):
    return serve(context, request, inline=False)


@view_config(context=File, name="inline", permission=VIEW, request_method=("GET", "HEAD"))
def inline_view(context, request):
    """PDF, PNG and JPEG open in the browser (sandboxed); anything else is downloaded."""
    return serve(context, request, inline=inline_allowed(context))


@view_config(context=Image, name="image", permission=VIEW, request_method=("GET", "HEAD"))
def image_view(context, request):
    """The picture, for ``<img>``: raster types only, SVG and the rest are downloaded,
    never rendered from our origin. ``@@image/thumbnail``, ``@@image/listing`` and
    ``@@image/large`` are its previews (made once by ``tavolo.files.scales``)."""
    if not request.subpath:
        shown = media_type(context.content_type) in INLINE_IMAGE_TYPES
        return serve(context, request, inline=shown)
    scales = request.registry["tavolo.scales"]
    name = request.subpath[0]
    if len(request.subpath) != 1 or name not in scales.sizes:
        raise HTTPNotFound()
    if media_type(context.content_type) not in SCALED_TYPES:
        raise HTTPNotFound()
    try:
        scale = scales.get(context.sha256, name)
    except ScaleError:
        raise HTTPNotFound() from None
    except (BlobNotFound, InvalidHash, OSError) as exc:
        raise _missing(context, request, exc) from None
    return serve_scale(request, scale, context.filename)


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
