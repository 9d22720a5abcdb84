"""Upload inspection: what a partner sends is read within a size limit, recognised from its
bytes, checked against its name, and refused unless it is one of the formats we accept.

Why an allowlist recognised from the content: the browser's declared type and the file's
name are the sender's claims. We accept only formats that partners exchange and that we can
recognise with confidence, and the name's extension must agree with the content, so that
the file opens in the program its name promises (an HTML page renamed ``.pdf`` is refused).

Every refusal is one exception, ``UploadRefused``, whose message is Italian (translatable)
and tells the user what to do. Nothing here writes to the blob store: ``inspect_upload``
returns the spooled bytes, and the caller stores them only when they passed
(``uploads.store_upload``).
"""

from __future__ import annotations

import codecs
import hashlib
import io
import re
import struct
import tempfile
import warnings
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from PIL import Image

from tavolo.files import messages
from tavolo.files.archives import inspect_zip
from tavolo.files.formats import BY_EXTENSION, FORMATS, Format, format_for_content_type, sniff
from tavolo.files.messages import UploadRefused
from tavolo.files.names import content_disposition, display_filename, file_extensions

__all__ = [  # what the rest of the application uses, in one import
    "FORMATS",
    "Format",
    "Inspected",
    "UploadLimits",
    "UploadRefused",
    "content_disposition",
    "display_filename",
    "format_for_content_type",
    "inspect_path",
    "inspect_upload",
    "open_image",
]

# Pillow's decompression-bomb warning becomes an error in the whole process (STACK.md 18).
# Set once here rather than with warnings.catch_warnings(), which is not thread-safe.
warnings.simplefilter("error", Image.DecompressionBombWarning)

MiB = 1024 * 1024
CHUNK = 64 * 1024
HEAD = 8192


@dataclass(frozen=True)
class UploadLimits:
    """The limits, all in one place. Why these values:

    - ``max_bytes`` 50 MB: the site's upload limit (``tavolo.upload.max_bytes``); bigger
      documents belong to other channels, and waitress refuses bigger bodies anyway.
    - ``spool_bytes`` 1 MB: smaller uploads stay in memory, bigger ones go to a temp file.
    - ``zip_max_entries`` 2,000: a long DOCX or ODT has tens of parts, a presentation with
      many pictures a few hundred.
    - ``zip_max_uncompressed`` 512 MB and ``zip_max_ratio`` 100 (checked past 10 MB):
      Office XML compresses 5-20 times; a zip bomb 1,000 times.
    - ``image_max_pixels`` 64 million (8000 x 8000): above today's phone cameras' usual
      output, and a decoded RGBA image of that size is 256 MB, which is as much as one
      request should ever allocate.
    """

    max_bytes: int = 50 * MiB
    spool_bytes: int = 1 * MiB
    spool_dir: str | None = None
    zip_max_entries: int = 2000
    zip_max_uncompressed: int = 512 * MiB
    zip_max_ratio: int = 100
    zip_ratio_from: int = 10 * MiB
    image_max_pixels: int = 64_000_000

    @classmethod
    def from_settings(cls, settings: dict) -> UploadLimits:
        try:
            max_bytes = int(settings.get("tavolo.upload.max_bytes", cls.max_bytes))
        except (TypeError, ValueError):
            max_bytes = cls.max_bytes
        return cls(max_bytes=max_bytes)


DEFAULT_LIMITS = UploadLimits()


@dataclass
class Inspected:
    """An upload that passed. ``file`` holds its bytes at position 0: hand it to
    ``BlobStore.put``, then ``close()`` (or use ``with``)."""

    file: BinaryIO
    filename: str  # for display only, never a path
    format: str
    content_type: str
    extension: str  # as the name has it: "pdf", "jpg", "pdf.p7m"
    size: int
    sha256: str
    width: int | None = None
    height: int | None = None
    charset: str | None = None  # for TXT and CSV: "utf-8" or "windows-1252"

    def close(self) -> None:
        self.file.close()

    def __enter__(self) -> Inspected:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# --- reading within the limit --------------------------------------------------------------


def _spool(stream: BinaryIO, limits: UploadLimits):
    """Copy ``stream`` into a spooled temp file, hashing it; refuse as soon as it passes
    ``max_bytes``. Never asks the stream for more than ``max_bytes + 1`` bytes in all."""
    spool = tempfile.SpooledTemporaryFile(max_size=limits.spool_bytes, dir=limits.spool_dir)  # noqa: SIM115
    hasher = hashlib.sha256()
    size = 0
    try:
        while True:
            chunk = stream.read(min(CHUNK, limits.max_bytes + 1 - size))
            if not chunk:
                break
            size += len(chunk)
            if size > limits.max_bytes:
                raise messages.too_big(limits.max_bytes)
            hasher.update(chunk)
            spool.write(chunk)
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return spool, size, hasher.hexdigest()


# --- checks of each kind -------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


def _check_text(spool: BinaryIO, known_text: bool) -> str:
    """The charset of a plain-text file, or refusal.

    Policy: UTF-8 (with or without BOM); failing that Windows-1252, which is what Excel
    and Notepad in Italian still write ("città" as one byte) and which leaves five byte
    values undefined. Control characters other than tab, CR, LF and form feed (NUL first
    of all) mean a binary file, in either charset: refused as bad text when the name
    says text (``known_text``), as a format we do not accept otherwise.
    """
    refusal = messages.bad_text if known_text else messages.not_allowed
    for charset in ("utf-8", "windows-1252"):
        spool.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8-sig" if charset == "utf-8" else charset)()
        try:
            while chunk := spool.read(CHUNK):
                if _CONTROL.search(decoder.decode(chunk)):
                    raise refusal()
            if _CONTROL.search(decoder.decode(b"", final=True)):
                raise refusal()
        except UnicodeDecodeError:
            continue
        finally:
            spool.seek(0)
        return charset
    raise refusal()


def _check_pdf(spool: BinaryIO, size: int) -> None:
    """A PDF ends with ``%%EOF``: tolerate trailing bytes (some scanners pad), not a file
    cut short. The PDF is not parsed here: that happens in a child process at extraction
    time, where a hostile file can only waste its own time limit."""
    spool.seek(max(0, size - 4096))
    tail = spool.read()
    spool.seek(0)
    if b"%%EOF" not in tail:
        raise messages.damaged_pdf()


_IMAGE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, zlib.error)


@contextmanager
def open_image(stream: BinaryIO, formats: tuple[str, ...], max_pixels: int):
    """Pillow's image from ``stream``, only with the decoders of ``formats`` ("PNG",
    "JPEG"), refused (``UploadRefused``) above ``max_pixels`` before any pixel is decoded,
    and when damaged. Not yet loaded: call ``load()``, inside the ``with``."""
    try:
        with Image.open(stream, formats=list(formats)) as image:
            width, height = image.size
            if width * height > max_pixels:
                raise messages.too_many_pixels(width, height, max_pixels)
            yield image
    except UploadRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise messages.too_many_pixels(None, None, max_pixels) from exc
    except _IMAGE_ERRORS as exc:
        raise messages.damaged_image() from exc
    except MemoryError as exc:
        raise messages.too_many_pixels(None, None, max_pixels) from exc


def _check_image(spool: BinaryIO, kind: str, limits: UploadLimits) -> tuple[int, int]:
    """Decode the whole picture (a truncated file fails here) and return its size."""
    try:
        with open_image(spool, (kind.upper(),), limits.image_max_pixels) as image:
            image.load()
            return image.size
    finally:
        spool.seek(0)


def _check_extension(kind: str, extension: str, inner: str | None) -> None:
    """The name must say what the content is: ``.pdf`` for a PDF, ``.jpg`` or ``.jpeg``
    for a JPEG, ``.pdf.p7m`` (any accepted format, then ``.p7m``) for a signed file."""
    if not extension:
        raise messages.no_extension()
    if kind == "p7m":
        if extension != "p7m":
            raise messages.mismatch(extension, FORMATS[kind].label)
        if inner not in BY_EXTENSION:
            raise messages.signed_name()
    elif BY_EXTENSION.get(extension) != kind:
        raise messages.mismatch(extension, FORMATS[kind].label)


# --- the whole inspection ------------------------------------------------------------------


def inspect_upload(
    stream: BinaryIO | bytes, filename: str | None, limits: UploadLimits = DEFAULT_LIMITS
) -> Inspected:
    """Read, recognise and check an upload; ``UploadRefused`` with the reason otherwise.

    ``stream`` is read at most ``limits.max_bytes + 1`` bytes far. The result holds the
    bytes in a spooled temp file (memory up to 1 MB, then disk): close it when done.
    """
    if isinstance(stream, bytes | bytearray):
        stream = io.BytesIO(stream)
    display = display_filename(filename)
    spool, size, sha256 = _spool(stream, limits)
    try:
        if size == 0:
            raise messages.empty()
        head = spool.read(HEAD)
        spool.seek(0)
        extension, inner = file_extensions(display)
        kind = sniff(head)
        width = height = charset = None
        if kind == "zip":
            kind = inspect_zip(spool, size, limits)
        elif kind == "text":
            charset = _check_text(spool, known_text=extension in ("txt", "csv"))
            kind = "csv" if extension == "csv" else "txt"
        if kind not in FORMATS:
            raise messages.refused_kind(kind)
        _check_extension(kind, extension, inner)
        if kind == "pdf":
            _check_pdf(spool, size)
        elif kind in ("png", "jpeg"):
            width, height = _check_image(spool, kind, limits)
        full_extension = f"{inner}.p7m" if kind == "p7m" else extension
        return Inspected(
            file=spool,
            filename=display,
            format=kind,
            content_type=FORMATS[kind].content_type,
            extension=full_extension,
            size=size,
            sha256=sha256,
            width=width,
            height=height,
            charset=charset,
        )
    except BaseException:
        spool.close()
        raise


def inspect_path(path: Path, filename: str | None = None, **kw) -> Inspected:
    """``inspect_upload`` of a file on disk (scripts, imports)."""
    with open(path, "rb") as stream:
        return inspect_upload(stream, filename or path.name, **kw)
