"""File names of uploads: kept for display only, and sent back safely in headers.

A name comes from the sender's computer and may carry directories, control characters
(CR and LF that would split a header), bidirectional overrides that make ``exe`` look like
``pdf``, decomposed accents. We keep what a person would recognise as the name and never
use it as a path: blobs are stored under their hash.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

MAX_FILENAME_CHARS = 200
_SPACES = re.compile(r"\s+")
_DROPPED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
_SUFFIX = re.compile(r"(?:\.[^.\s]{1,10}){1,2}\Z")
_UNSAFE_ASCII = re.compile(r"[^A-Za-z0-9 ._()+-]")


def display_filename(name: str | None, default: str = "file") -> str:
    """The name to show for an upload: its last path component, NFC, without control or
    invisible formatting characters (CR, LF, NUL, bidirectional overrides that disguise
    ``exe`` as ``pdf``), spaces collapsed, at most 200 characters with the extension kept.
    Accented letters stay ("città.pdf"). It is only ever displayed, never used as a path.
    """
    if not name:
        return default
    name = unicodedata.normalize("NFC", str(name))
    name = re.split(r"[/\\]", name)[-1]
    kept = []
    for ch in name:
        if ch in "\t\r\n\v\f":
            kept.append(" ")
        elif unicodedata.category(ch) not in _DROPPED_CATEGORIES:
            kept.append(ch)
    name = _SPACES.sub(" ", "".join(kept)).strip().lstrip(". ").rstrip(". ")
    if len(name) > MAX_FILENAME_CHARS:
        match = _SUFFIX.search(name)
        suffix = match.group(0) if match else ""
        name = name[: MAX_FILENAME_CHARS - len(suffix)].rstrip(". ") + suffix
    return name or default


def content_disposition(filename: str | None, *, inline: bool = False) -> str:
    """``attachment; filename="citta.pdf"; filename*=UTF-8''citt%C3%A0.pdf`` (RFC 6266).

    The quoted ASCII fallback is for old clients: accents folded, anything but letters,
    digits, space and ``._()+-`` replaced by ``_``, so no quote, backslash, CR or LF can
    end the value or the header. ``filename*`` carries the real name percent-encoded.
    """
    name = display_filename(filename, default="download")
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    fallback = _UNSAFE_ASCII.sub("_", folded).strip(" .") or "download"
    disposition = "inline" if inline else "attachment"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def file_extensions(filename: str) -> tuple[str, str | None]:
    """``("pdf", None)`` for ``atto.pdf``; ``("p7m", "pdf")`` for ``atto.pdf.p7m`` and for
    ``atto.pdf.p7m.p7m`` (a counter-signed file); ``("", None)`` without an extension."""
    parts = filename.lower().split(".")
    if len(parts) < 2 or not parts[0]:
        return "", None
    if parts[-1] != "p7m":
        return parts[-1], None
    index = len(parts) - 1
    while index > 0 and parts[index] == "p7m":
        index -= 1
    return "p7m", parts[index] if index > 0 else None
