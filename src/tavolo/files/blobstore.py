"""The blob store: the bytes of every uploaded file, addressed by their SHA-256.

Layout under ``root`` (``tavolo.blobs_dir``, by default ``var/blobs`` beside the ini file)::

    ab/cd/abcd...(64 hex)   one file per blob, read-only, never rewritten
    tmp/                    files being written (same filesystem, so publishing is a link)
    scales/ text/           caches derived from blobs (``scales.py``, ``extract.py``)

Why content addressing: a blob's name is its hash, so two rows with the same bytes share
one file, a blob can never change under a row that names it, and ``verify`` can tell a
damaged file by re-hashing it. Why write-then-link: a reader, a crash or a ``kill -9``
can only ever see a complete file at a blob's path, because the file appears there in one
atomic step (``link``) after its bytes were hashed and fsynced; ``link`` (unlike
``rename``) fails when the name exists, so an existing blob is never overwritten. What a
killed writer leaves is a file under ``tmp/``, which no row can name (rows store hashes,
and a hash is only known once the write has finished), and ``clean_temporary`` removes it.

Only ``tavolo.files`` touches this directory (DESIGN.md).
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK = 1024 * 1024
# Owner and group may read; nobody writes. The application never modifies a blob, so a bug
# that tried would fail loudly; the group bit lets a backup account read without root.
FILE_MODE = 0o440
DIR_MODE = 0o750
TMP_DIR = "tmp"
DEFAULT_TEMPORARY_AGE = 24 * 3600.0

_HASH = re.compile(r"[0-9a-f]{64}")
_SHARD = re.compile(r"[0-9a-f]{2}")


class InvalidHash(ValueError):
    """A value that is not 64 lower-case hex digits: never turned into a path."""


class BlobNotFound(LookupError):
    pass


def check_hash(value: object) -> str:
    """``value`` if it is a SHA-256 in lower-case hex, else ``InvalidHash``.

    Every method that builds a path from a hash calls this first: a hash is the only
    user-influenced part of a blob's path, and 64 hex digits cannot contain ``/`` or ``..``.
    """
    if not isinstance(value, str) or _HASH.fullmatch(value) is None:
        raise InvalidHash(f"not a SHA-256 hex digest: {value!r:.80}")
    return value


@dataclass(frozen=True)
class BlobInfo:
    sha256: str
    size: int
    created: bool = True  # False when the blob was already there


@dataclass(frozen=True)
class Problem:
    """Something ``verify`` found. ``serious`` ones mean data is damaged or unreadable."""

    kind: str  # "mismatch", "unreadable", "stray", "temporary"
    path: Path
    sha256: str | None = None
    detail: str = ""

    @property
    def serious(self) -> bool:
        return self.kind in ("mismatch", "unreadable")

    def __str__(self) -> str:
        return f"{self.kind}: {self.path}" + (f" ({self.detail})" if self.detail else "")


def fsync_dir(path: Path) -> None:
    """Make a directory's entries (a new name, a removed one) durable."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    except OSError as exc:  # some network filesystems cannot sync a directory
        if exc.errno != errno.EINVAL:
            raise
    finally:
        os.close(fd)


def make_dirs(path: Path) -> None:
    """``mkdir -p`` that also syncs each parent whose entries it changed."""
    if path.is_dir():
        return
    missing = []
    current = path
    while not current.exists():
        missing.append(current)
        current = current.parent
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=DIR_MODE)
        except FileExistsError:  # a concurrent writer made it: fine
            continue
        fsync_dir(directory.parent)


def _write_all(fd: int, data) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def publish(tmp: Path, final: Path, *, replace: bool = False) -> bool:
    """Give the complete, synced file ``tmp`` the name ``final`` in one atomic step.

    Without ``replace`` an existing ``final`` is kept and False returned. The caller
    removes ``tmp`` afterwards (it is a second name of the same file when linked).
    """
    make_dirs(final.parent)
    if replace:
        os.replace(tmp, final)
    else:
        try:
            os.link(tmp, final)
        except FileExistsError:
            return False
        except OSError as exc:
            # Filesystems without hard links (some network and FUSE ones). rename would
            # overwrite, so look first; a concurrent writer of the same name writes the
            # same bytes (the name is their hash), so the race cannot lose data.
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
                raise
            if final.exists():
                return False
            os.rename(tmp, final)
    fsync_dir(final.parent)
    return True


def write_atomically(tmp_dir: Path, final: Path, data: bytes, *, replace: bool = False) -> bool:
    """Write ``data`` to ``final`` so that nobody ever sees part of it (see ``publish``).

    Used for the caches derived from blobs (scales, extracted text): True when written,
    False when ``final`` existed and ``replace`` is off.
    """
    make_dirs(tmp_dir)
    fd, name = tempfile.mkstemp(dir=tmp_dir, prefix="cache-", suffix=".part")
    tmp = Path(name)
    try:
        try:
            _write_all(fd, data)
            os.fchmod(fd, FILE_MODE)
            os.fsync(fd)
        finally:
            os.close(fd)
        return publish(tmp, final, replace=replace)
    finally:
        tmp.unlink(missing_ok=True)


def _chunks(source) -> Iterator[bytes]:
    if isinstance(source, bytes | bytearray | memoryview):
        view = memoryview(source)
        for start in range(0, len(view), CHUNK):
            yield view[start : start + CHUNK]
        return
    while True:
        chunk = source.read(CHUNK)
        if not chunk:
            return
        yield chunk


def blobs_dir(settings: dict, here: str | None = None) -> Path:
    """``tavolo.blobs_dir``, by default ``var/blobs`` beside the ini file (``here``)."""
    configured = (settings.get("tavolo.blobs_dir") or "").strip()
    if configured:
        return Path(configured)
    return Path(here or settings.get("here") or ".") / "var" / "blobs"


class BlobStore:
    def __init__(self, root: Path | str):
        self.root = Path(root)
        self.tmp_dir = self.root / TMP_DIR

    @classmethod
    def from_settings(cls, settings: dict, here: str | None = None) -> BlobStore:
        return cls(blobs_dir(settings, here))

    # addressing -----------------------------------------------------------------------
    def path(self, sha256: str) -> Path:
        check_hash(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def size(self, sha256: str) -> int:
        try:
            return self.path(sha256).stat().st_size
        except FileNotFoundError:
            raise BlobNotFound(sha256) from None

    def open(self, sha256: str) -> BinaryIO:
        """The blob's bytes, as a binary file object opened for reading (close it)."""
        try:
            return open(self.path(sha256), "rb")
        except FileNotFoundError:
            raise BlobNotFound(sha256) from None

    # writing --------------------------------------------------------------------------
    def put(self, source: bytes | bytearray | memoryview | BinaryIO) -> BlobInfo:
        """Store bytes (or everything a binary stream reads) and return their hash.

        The bytes go to a new file under ``tmp/`` while being hashed, are fsynced, then
        the file is linked at its hash's path unless a blob is already there. A stream is
        read to its end: check sizes before (``checks.inspect_upload``).
        """
        make_dirs(self.tmp_dir)
        fd, name = tempfile.mkstemp(dir=self.tmp_dir, prefix="blob-", suffix=".part")
        tmp = Path(name)
        try:
            hasher = hashlib.sha256()
            size = 0
            try:
                for chunk in _chunks(source):
                    hasher.update(chunk)
                    _write_all(fd, chunk)  # unbuffered: memory stays at one chunk
                    size += len(chunk)
                os.fchmod(fd, FILE_MODE)
                os.fsync(fd)
            finally:
                os.close(fd)
            sha256 = hasher.hexdigest()
            final = self.path(sha256)
            created = publish(tmp, final)
            if not created:
                # Wanted again: garbage collection spares blobs touched recently, so an
                # orphan that a new upload just re-used is not collected before the new
                # row that names it is committed.
                os.utime(final)
            return BlobInfo(sha256, size, created)
        finally:
            tmp.unlink(missing_ok=True)

    def remove(self, sha256: str) -> bool:
        """Delete a blob. Only garbage collection calls this, for unreferenced blobs."""
        path = self.path(sha256)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        fsync_dir(path.parent)
        return True

    # walking and checking -------------------------------------------------------------
    def _entries(self) -> Iterator[tuple[Path, str | None]]:
        """Every file of the blob tree with its hash, or None for a file that has no
        business there (wrong name or wrong shard)."""
        if not self.root.is_dir():
            return
        for first in sorted(os.scandir(self.root), key=lambda e: e.name):
            if not (_SHARD.fullmatch(first.name) and first.is_dir(follow_symlinks=False)):
                continue
            for second in sorted(os.scandir(first.path), key=lambda e: e.name):
                if not second.is_dir(follow_symlinks=False):
                    yield Path(second.path), None
                    continue
                for entry in sorted(os.scandir(second.path), key=lambda e: e.name):
                    name = entry.name
                    placed = (
                        _HASH.fullmatch(name) is not None
                        and name[:2] == first.name
                        and name[2:4] == second.name
                        and entry.is_file(follow_symlinks=False)
                    )
                    yield Path(entry.path), name if placed else None

    def iter_hashes(self) -> Iterator[str]:
        for _path, sha256 in self._entries():
            if sha256 is not None:
                yield sha256

    def _temporary(self) -> Iterator[os.DirEntry]:
        if self.tmp_dir.is_dir():
            yield from (e for e in os.scandir(self.tmp_dir) if e.is_file(follow_symlinks=False))

    def clean_temporary(
        self, older_than: float = DEFAULT_TEMPORARY_AGE, *, dry_run: bool = False
    ) -> list[Path]:
        """Remove what killed writers left in ``tmp/`` (not modified for ``older_than``
        seconds: a live writer touches its file with every chunk)."""
        limit = time.time() - older_than
        removed = []
        for entry in self._temporary():
            try:
                if entry.stat(follow_symlinks=False).st_mtime > limit:
                    continue
                if not dry_run:
                    os.unlink(entry.path)
            except FileNotFoundError:  # finished or cleaned meanwhile
                continue
            removed.append(Path(entry.path))
        return removed

    def verify(self, on_blob: Callable[[int], None] | None = None) -> Iterator[Problem]:
        """Re-hash every blob; yield what does not match its name, what cannot be read,
        stray files in the blob tree and temporary leftovers. ``on_blob(count)`` is
        called after each blob (for progress reports)."""
        count = 0
        for path, sha256 in self._entries():
            if sha256 is None:
                yield Problem("stray", path, detail="not a blob name or not in its shard")
                continue
            hasher = hashlib.sha256()
            try:
                with open(path, "rb") as stream:
                    while chunk := stream.read(CHUNK):
                        hasher.update(chunk)
            except OSError as exc:
                yield Problem("unreadable", path, sha256, str(exc))
            else:
                actual = hasher.hexdigest()
                if actual != sha256:
                    yield Problem("mismatch", path, sha256, f"content hashes to {actual}")
            count += 1
            if on_blob is not None:
                on_blob(count)
        for entry in self._temporary():
            yield Problem("temporary", Path(entry.path), detail="left by an interrupted write")
