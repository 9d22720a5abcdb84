"""Receiving an upload: inspect it, and only then store it.

What a form, the API or an import script calls. The order is the guarantee that a refused
upload leaves nothing in the blob store: ``inspect_upload`` reads into a spooled temp file
(never into the store) and raises ``UploadRefused``; ``BlobStore.put`` runs only after it
passed. The result carries the columns of a stored file (``StoredFile`` in content).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import BinaryIO

from tavolo.files import messages
from tavolo.files.blobstore import BlobStore
from tavolo.files.checks import DEFAULT_LIMITS, Inspected, UploadLimits, inspect_upload

# What an Image may hold: the formats browsers show and scales are made of.
IMAGE_FORMATS = frozenset({"png", "jpeg"})


@dataclass(frozen=True)
class StoredUpload:
    sha256: str
    size: int
    filename: str
    content_type: str
    format: str
    extension: str
    width: int | None = None
    height: int | None = None
    charset: str | None = None
    created: bool = True  # False when the same bytes were already stored

    def columns(self, *, image: bool = False) -> dict:
        """The values of a stored file's columns (``width``/``height`` for images)."""
        names = ("filename", "content_type", "size", "sha256")
        values = {k: v for k, v in asdict(self).items() if k in names}
        if image:
            values.update(width=self.width, height=self.height)
        return values


def _inspect(stream, filename, limits, formats) -> Inspected:
    inspected = inspect_upload(stream, filename, limits)
    if formats is not None and inspected.format not in formats:
        inspected.close()
        raise messages.not_an_image() if formats <= IMAGE_FORMATS else messages.not_allowed()
    return inspected


def check_upload(
    stream: BinaryIO | bytes,
    filename: str | None,
    limits: UploadLimits = DEFAULT_LIMITS,
    formats: frozenset[str] | None = None,
) -> str:
    """Inspect only, storing nothing: what a form's validation calls. Returns the format;
    ``UploadRefused`` when the upload would be refused (``formats`` narrows the allowlist,
    e.g. ``IMAGE_FORMATS``)."""
    with _inspect(stream, filename, limits, formats) as inspected:
        return inspected.format


def store_upload(
    store: BlobStore,
    stream: BinaryIO | bytes,
    filename: str | None,
    limits: UploadLimits = DEFAULT_LIMITS,
    formats: frozenset[str] | None = None,
) -> StoredUpload:
    """Inspect ``stream`` and store it; ``UploadRefused`` (and nothing stored) otherwise."""
    with _inspect(stream, filename, limits, formats) as inspected:
        info = store.put(inspected.file)
    if info.sha256 != inspected.sha256 or info.size != inspected.size:
        # The spooled copy changed between reading and storing: nothing should ever do
        # that, and a row must not name bytes that were not the ones checked.
        raise RuntimeError("the upload changed while it was being stored")
    return StoredUpload(
        sha256=info.sha256,
        size=info.size,
        filename=inspected.filename,
        content_type=inspected.content_type,
        format=inspected.format,
        extension=inspected.extension,
        width=inspected.width,
        height=inspected.height,
        charset=inspected.charset,
        created=info.created,
    )


@dataclass(frozen=True)
class Uploads:
    """What the content services are given to receive files: the store and the limits
    (``Uploads.from_registry`` in a request, ``Uploads(BlobStore(...))`` in a script).
    The services never see the store itself."""

    store: BlobStore
    limits: UploadLimits = DEFAULT_LIMITS

    @classmethod
    def from_registry(cls, registry) -> Uploads:
        return cls(registry["tavolo.blobs"], registry["tavolo.upload_limits"])

    def check(self, stream, filename, formats=None) -> str:
        return check_upload(stream, filename, self.limits, formats)

    def receive(self, stream, filename, formats=None) -> StoredUpload:
        return store_upload(self.store, stream, filename, self.limits, formats)
