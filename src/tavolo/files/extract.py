"""Text of attachments for the search index: PDF, DOCX, ODT (ODS, ODP) and TXT/CSV.

Parsing a PDF or an office document means running a big parser on a file somebody else
made. It runs in a child process (``extract_worker.py``) with limits on wall time, CPU
time and memory: a file that makes the parser loop is killed at the time limit, one that
makes it crash or blow up its memory ends the child, and either way the caller gets a
status and whatever text there was, never an exception and never a hung indexer. Plain
text needs no parser and is decoded here, within the same character limit.

Results are cached by blob hash in ``<blobs>/text/v1/ab/<hash>.txt`` (a status line, then
the text), written atomically. A complete, truncated, empty or failed result is final for
those bytes: the same file would fail the same way at every reindex. A timeout is not:
it may come from a machine busy with a full rebuild rather than from the file, so it is
retried, but only once a day (``retry_timeouts_after``), so that a hostile file does not
cost the whole time limit at every reindex. ``v1`` changes when extraction changes.
"""

from __future__ import annotations

import codecs
import math
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from tavolo.files.blobstore import BlobNotFound, BlobStore, check_hash, write_atomically

MiB = 1024 * 1024
WORKER = Path(__file__).with_name("extract_worker.py")
WORKER_FORMATS = frozenset({"pdf", "docx", "odt", "ods", "odp"})
TEXT_FORMATS = frozenset({"txt", "csv"})
EXTRACTABLE = WORKER_FORMATS | TEXT_FORMATS
VERSION = "v1"
HEADER = "tavolo-text"
# Statuses: "ok", "empty" (nothing to extract, e.g. a scanned PDF), "truncated" (a limit
# was reached: the text is the beginning), "failed" (damaged or hostile), "timeout" (the
# child was killed: what it had written), "unsupported" (not a text format), "too-big",
# "unavailable" (no child process could be started; not cached).
CACHED = frozenset({"ok", "empty", "truncated", "failed", "timeout"})
_HASH = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class ExtractLimits:
    """Why these values: ``max_input_bytes`` is the upload limit (50 MB); 500,000
    characters are about 250 pages of text, more than a search needs to find a document;
    1,000 pages; 20 s of wall time (the child stops itself at three quarters of it and
    returns what it has; at the limit it is killed), the same in CPU time; 1 GB of
    address space, several times what pypdf needs for a large report."""

    max_input_bytes: int = 50 * MiB
    max_chars: int = 500_000
    max_pages: int = 1000
    timeout: float = 20.0
    memory_bytes: int = 1024 * MiB
    retry_timeouts_after: float = 24 * 3600.0


DEFAULT_LIMITS = ExtractLimits()


@dataclass(frozen=True)
class Extracted:
    text: str
    status: str
    cached: bool = False

    @property
    def complete(self) -> bool:
        return self.status in ("ok", "empty")


def _plain_text(path: Path, limits: ExtractLimits) -> Extracted:
    """UTF-8, else Windows-1252 (the upload checks' policy), at most ``max_chars``."""
    budget = limits.max_chars * 4  # no UTF-8 character is longer
    with open(path, "rb") as stream:
        data = stream.read(budget + 1)
    more = len(data) > budget
    data = data[:budget]
    try:
        # Not final when cut: a character split at the cut is left out, not an error.
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(data, final=not more)
    except UnicodeDecodeError:
        text = data.decode("windows-1252", errors="replace")
    if len(text) > limits.max_chars:
        text, more = text[: limits.max_chars], True
    if more:
        return Extracted(text, "truncated")
    return Extracted(text, "ok" if text.strip() else "empty")


def _decode(output: bytes | None, limits: ExtractLimits) -> str:
    return (output or b"").decode("utf-8", errors="ignore")[: limits.max_chars]


def extract_file(path: Path, kind: str, limits: ExtractLimits = DEFAULT_LIMITS) -> Extracted:
    """The text of the file at ``path`` in format ``kind`` (``checks.FORMATS`` names).

    No cache and no exception for a bad file: see the statuses above.
    """
    if kind not in EXTRACTABLE:
        return Extracted("", "unsupported")
    if os.path.getsize(path) > limits.max_input_bytes:
        return Extracted("", "too-big")
    if kind in TEXT_FORMATS:
        return _plain_text(path, limits)
    command = [
        sys.executable,
        "-I",  # isolated: no PYTHON* variables, no user site, not the current directory
        str(WORKER),
        kind,
        str(path),
        f"--max-chars={limits.max_chars}",
        f"--max-pages={limits.max_pages}",
        f"--seconds={limits.timeout * 0.75:.3f}",
        f"--memory={limits.memory_bytes}",
        f"--cpu={math.ceil(limits.timeout)}",
    ]
    try:
        done = subprocess.run(  # noqa: S603 - our interpreter and our script, no shell
            command,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=limits.timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:  # killed; exc.stdout is what it had written
        return Extracted(_decode(exc.stdout, limits), "timeout")
    except OSError:  # could not start a process (limits of the host): try again next time
        return Extracted("", "unavailable")
    text = _decode(done.stdout, limits)
    if done.returncode == 0:
        return Extracted(text, "ok") if text.strip() else Extracted("", "empty")
    if done.returncode == 3:
        return Extracted(text, "truncated")
    return Extracted("", "failed")  # an exception, a signal, the memory or CPU limit


class TextExtractor:
    """``text(sha256, kind)``: extracted once per blob, then read from the cache."""

    def __init__(self, store: BlobStore, limits: ExtractLimits = DEFAULT_LIMITS):
        self.store = store
        self.limits = limits
        self.root = store.root / "text" / VERSION

    def path(self, sha256: str) -> Path:
        check_hash(sha256)
        return self.root / sha256[:2] / f"{sha256}.txt"

    def cached(self, sha256: str) -> Extracted | None:
        path = self.path(sha256)
        try:
            with open(path, encoding="utf-8", newline="") as stream:
                header = stream.readline()
                text = stream.read()
            age = time.time() - path.stat().st_mtime
        except FileNotFoundError:
            return None
        marker, _space, status = header.rstrip("\n").partition(" ")
        if marker != HEADER or status not in CACHED:
            return None  # not ours (or damaged): extract again
        if status == "timeout" and age > self.limits.retry_timeouts_after:
            return None
        return Extracted(text, status, cached=True)

    def text(self, sha256: str, kind: str | None) -> Extracted:
        """The text of the blob ``sha256`` in format ``kind`` (``BlobNotFound`` if it is
        not stored)."""
        if kind not in EXTRACTABLE:
            return Extracted("", "unsupported")
        found = self.cached(sha256)
        if found is not None:
            return found
        if not self.store.exists(sha256):
            raise BlobNotFound(sha256)
        result = extract_file(self.store.path(sha256), kind, self.limits)
        if result.status in CACHED:
            data = f"{HEADER} {result.status}\n{result.text}".encode()
            write_atomically(self.store.tmp_dir, self.path(sha256), data, replace=True)
        return replace(result, cached=False)

    # for garbage collection -----------------------------------------------------------
    def hashes(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for shard in sorted(self.root.iterdir()):
            for entry in sorted(shard.iterdir()):
                name = entry.name.removesuffix(".txt")
                if _HASH.fullmatch(name):
                    yield name

    def discard(self, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)
