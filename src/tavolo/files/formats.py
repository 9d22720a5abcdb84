"""The formats we accept, and recognising a file's kind from its first bytes.

The allowlist is the issue's: PDF, ODF and OOXML documents, plain text and CSV, PNG and
JPEG pictures, and CAdES signed files (``.p7m``). ``sniff`` tells the kind of the first
8 KB; formats that partners commonly try and that we refuse (old Office files, other
image types, archives, programs, web pages and SVG) are recognised too, so that the
refusal can say what to do instead. Anything else is refused as unknown.
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
from dataclasses import dataclass


@dataclass(frozen=True)
class Format:
    name: str
    content_type: str
    extensions: tuple[str, ...]  # the first is the usual one
    label: str  # shown in messages: "PDF", "PNG"...


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("pdf", "application/pdf", ("pdf",), "PDF"),
        Format("odt", "application/vnd.oasis.opendocument.text", ("odt",), "ODT"),
        Format("ods", "application/vnd.oasis.opendocument.spreadsheet", ("ods",), "ODS"),
        Format("odp", "application/vnd.oasis.opendocument.presentation", ("odp",), "ODP"),
        Format(
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ("docx",),
            "DOCX",
        ),
        Format(
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ("xlsx",),
            "XLSX",
        ),
        Format(
            "pptx",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            ("pptx",),
            "PPTX",
        ),
        Format("txt", "text/plain", ("txt",), "TXT"),
        Format("csv", "text/csv", ("csv",), "CSV"),
        Format("png", "image/png", ("png",), "PNG"),
        Format("jpeg", "image/jpeg", ("jpg", "jpeg"), "JPEG"),
        Format("p7m", "application/pkcs7-mime", ("p7m",), "P7M"),
    )
}
_BY_CONTENT_TYPE = {f.content_type: f.name for f in FORMATS.values()}
BY_EXTENSION = {ext: f.name for f in FORMATS.values() for ext in f.extensions}


def format_for_content_type(content_type: str | None) -> str | None:
    """The format name of a stored content type (``"application/pdf"`` -> ``"pdf"``)."""
    return _BY_CONTENT_TYPE.get((content_type or "").split(";", 1)[0].strip().lower())


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# DER of the OID 1.2.840.113549.1.7.2, PKCS #7 / CMS signedData (CAdES files are that).
SIGNED_DATA_OID = bytes.fromhex("06092a864886f70d010702")
_PDF_HEADER = re.compile(rb"%PDF-[12]\.\d")
_MARKUP = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*<[A-Za-z!?/]")
_PE_OFFSET = struct.Struct("<I")

# Recognised, and refused with their own message (anything unrecognised is refused too).
_REFUSED_SIGNATURES = (
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "legacy-office"),  # .doc/.xls/.ppt, or encrypted
    (b"\x7fELF", "executable"),
    (b"\xca\xfe\xba\xbe", "executable"),
    (b"\xcf\xfa\xed\xfe", "executable"),
    (b"\xce\xfa\xed\xfe", "executable"),
    (b"GIF87a", "other-image"),
    (b"GIF89a", "other-image"),
    (b"II*\x00", "other-image"),
    (b"MM\x00*", "other-image"),
    (b"PK\x05\x06", "archive"),
    (b"PK\x07\x08", "archive"),
    (b"Rar!\x1a\x07", "archive"),
    (b"7z\xbc\xaf\x27\x1c", "archive"),
    (b"\x1f\x8b", "archive"),
    (b"\xfd7zXZ\x00", "archive"),
    (b"\x28\xb5\x2f\xfd", "archive"),
)


def _is_cms_der(data: bytes) -> bool:
    """A DER/BER ``SEQUENCE`` whose first element is the signedData OID."""
    if len(data) < 2 or data[0] != 0x30:
        return False
    length = data[1]
    if length <= 0x80:  # short form, or 0x80: BER indefinite length
        offset = 2
    elif length <= 0x84:
        offset = 2 + (length & 0x7F)
    else:
        return False
    return data[offset : offset + len(SIGNED_DATA_OID)] == SIGNED_DATA_OID


def _is_cms_text(head: bytes) -> bool:
    """The same in PEM (``-----BEGIN PKCS7-----``) or bare base64, as some signing
    programs save it."""
    try:
        text = head[:2048].decode("ascii")
    except UnicodeDecodeError:
        return False
    text = text.lstrip()
    if text.startswith("-----BEGIN "):
        text = text.partition("\n")[2]
    compact = "".join(text.split())[:64]
    compact = compact[: len(compact) // 4 * 4]
    if len(compact) < 24:
        return False
    try:
        return _is_cms_der(base64.b64decode(compact, validate=True))
    except (binascii.Error, ValueError):
        return False


def _is_windows_executable(head: bytes) -> bool:
    """``MZ`` and the ``PE`` header where it points: "MZ" alone may begin a text."""
    if not head.startswith(b"MZ") or len(head) < 0x40:
        return False
    (offset,) = _PE_OFFSET.unpack_from(head, 0x3C)
    return head[offset : offset + 4] == b"PE\0\0"


def sniff(head: bytes) -> str:
    """The kind of a file from its first bytes: a format name, ``"zip"`` (to be told
    apart by ``archives.inspect_zip``), ``"text"`` (the fallback: TXT or CSV if it
    decodes), or a refused kind (``"markup"``, ``"executable"``, ``"archive"``...)."""
    if _PDF_HEADER.match(head):
        return "pdf"
    if head.startswith(PNG_SIGNATURE):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if (head[:4] == b"RIFF" and head[8:12] == b"WEBP") or head[4:12] in (b"ftypheic", b"ftypavif"):
        return "other-image"
    for signature, kind in _REFUSED_SIGNATURES:
        if head.startswith(signature):
            return kind
    if _is_windows_executable(head):
        return "executable"
    if _is_cms_der(head) or _is_cms_text(head):
        return "p7m"
    if _MARKUP.match(head):
        return "markup"
    return "text"
