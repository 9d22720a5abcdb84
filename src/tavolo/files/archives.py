"""ODF and OOXML documents are zip archives: inspected before anything uses them.

Checked from the central directory, without decompressing anything big: the number of
entries, the declared uncompressed total and its ratio to the upload's size (zip bombs),
entries that overlap or hide bytes before the first, member names that are absolute, go
up with ``..`` or use backslashes (path traversal in whoever unpacks it), symbolic links
and other special files (Unix mode bits in ``external_attr``), and encrypted entries.

Encrypted entries are refused: neither ODF nor OOXML ever uses zip encryption (a password
protected Office file is not a zip at all, and ODF encrypts inside the package), so an
encrypted entry means an archive that only pretends to be a document, and we could not
look inside it. Macros are refused too (``vbaProject.bin``, ODF ``Basic/`` and
``Scripts/``): documents circulated to fifteen organisations must not carry code.

Python's ``zipfile`` never returns more than an entry's declared size, so the declared
sizes also bound what our own text extraction can be made to decompress later.
"""

from __future__ import annotations

import re
import stat
import zipfile
from typing import BinaryIO

from defusedxml import ElementTree as SafeET

from tavolo.files import messages
from tavolo.files.messages import UploadRefused

MiB = 1024 * 1024


def _unsafe_member_name(name: str) -> bool:
    if not name or len(name) > 1024 or "\\" in name or name.startswith("/"):
        return True
    if re.match(r"[A-Za-z]:", name) or any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        return True
    return ".." in name.split("/")


def _check_members(archive: zipfile.ZipFile, size: int, limits) -> None:
    infos = archive.infolist()
    if not infos:
        raise messages.damaged_document()
    if len(infos) > limits.zip_max_entries:
        raise messages.zip_bomb()
    names = set()
    uncompressed = compressed = 0
    for info in infos:
        if _unsafe_member_name(info.orig_filename) or info.orig_filename in names:
            raise messages.unsafe_document()
        names.add(info.orig_filename)
        kind = stat.S_IFMT(info.external_attr >> 16)
        if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):  # symlinks, devices, fifos
            raise messages.unsafe_document()
        if info.flag_bits & 0x1:
            raise messages.encrypted_document()
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise messages.damaged_document()
        uncompressed += info.file_size
        compressed += info.compress_size
    if uncompressed > limits.zip_max_uncompressed or (
        uncompressed > limits.zip_ratio_from and uncompressed > limits.zip_max_ratio * size
    ):
        raise messages.zip_bomb()
    # Entries must follow one another from the first byte on: overlapping entries (a zip
    # bomb that re-uses its compressed data) or hidden bytes before the first are refused.
    ordered = sorted(infos, key=lambda i: i.header_offset)
    if ordered[0].header_offset != 0:
        raise messages.damaged_document()
    for before, after in zip(ordered, [*ordered[1:], None], strict=True):
        end = before.header_offset + 30 + len(before.orig_filename) + before.compress_size
        if end > (after.header_offset if after else archive.start_dir):
            raise messages.zip_bomb()


_ODF_TYPES = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
    b"application/vnd.oasis.opendocument.presentation": "odp",
}
_OOXML_FOLDERS = {"word/": "docx", "xl/": "xlsx", "ppt/": "pptx"}
_MACRO_MARKERS = ("vbaproject.bin", "/activex/", "vbadata.xml")


def _zip_format(archive: zipfile.ZipFile) -> str:
    names = archive.namelist()
    first = archive.infolist()[0]
    if first.filename == "mimetype":
        # ODF: the first entry, stored uncompressed, names the document type.
        if first.compress_type != zipfile.ZIP_STORED or first.file_size > 100:
            raise messages.damaged_document()
        kind = _ODF_TYPES.get(archive.read(first).strip())
        if kind is None:
            raise messages.not_allowed()
        if "content.xml" not in names or "META-INF/manifest.xml" not in names:
            raise messages.damaged_document()
        if any(n.startswith(("Basic/", "Scripts/")) for n in names):
            raise messages.macros()
        return kind
    if "[Content_Types].xml" in names:
        info = archive.getinfo("[Content_Types].xml")
        if info.file_size > MiB:
            raise messages.damaged_document()
        content_types = archive.read(info)
        try:
            SafeET.fromstring(content_types, forbid_dtd=True)
        except (SafeET.ParseError, ValueError) as exc:  # defusedxml's errors are ValueErrors
            raise messages.damaged_document() from exc
        kinds = {k for p, k in _OOXML_FOLDERS.items() if any(n.startswith(p) for n in names)}
        if len(kinds) != 1:
            raise messages.not_allowed()
        lowered = [n.lower() for n in names]
        if b"macroEnabled" in content_types or any(
            marker in n for n in lowered for marker in _MACRO_MARKERS
        ):
            raise messages.macros()
        return kinds.pop()
    raise messages.archive()


def inspect_zip(spool: BinaryIO, size: int, limits) -> str:
    """The format of a zip upload (``"odt"``, ``"docx"``...) or ``UploadRefused``;
    ``limits`` is the ``UploadLimits`` of the upload."""
    try:
        with zipfile.ZipFile(spool) as archive:
            _check_members(archive, size, limits)
            return _zip_format(archive)
    except UploadRefused:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise messages.damaged_document() from exc
    finally:
        spool.seek(0)
