"""Where the index lives: a base directory holding index generations and a pointer.

``<search_dir>/CURRENT`` names the generation in use (a subdirectory). A rebuild writes a
whole new generation beside it and replaces ``CURRENT`` with ``os.replace`` - atomic, so a
reader sees either the old index or the new one, never a half-built one; readers that
already hold a searcher keep their snapshot (open files survive the swap, and the previous
generation is kept until the next rebuild).

Whoosh allows one writer per index (LockError otherwise). ``writer()`` always returns a
writer on the generation that is current *after* its lock is taken: a writer opened on a
generation that a rebuild has just swapped out would write changes nobody reads.
``.lock`` (flock) serialises creating and swapping generations between processes.

Datetimes in the index are naive UTC (Whoosh's DATETIME cannot take aware values).
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import logging
import os
import shutil
import tempfile
import threading
import time
import uuid
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.fields import TEXT
from whoosh.index import LockError

from tavolo.search.analysis import italian_analyzer
from tavolo.search.schema import make_schema
from tavolo.search.scoring import TableBM25F

log = logging.getLogger(__name__)

POINTER = "CURRENT"
HASH_FILE = "workflow.hash"
SETTING = "tavolo.search_dir"

__all__ = ["LockError", "SearchIndex"]


# One analyser per process for every searcher and writer. Whoosh unpickles the schema from
# the index's table of contents each time, so each query would otherwise parse and
# highlight, and each batch of a rebuild index, with a fresh stemmer whose cache is empty.
_SHARED_ANALYZER = italian_analyzer()


# How hits are ranked: BM25F, Whoosh's default, computed faster (``search/scoring.py``).
RELEVANCE = TableBM25F()


def _with_shared_analyzers(writer):
    share_analyzers(writer.schema)
    return writer


def share_analyzers(schema) -> None:
    """Give the text fields of a searcher's ``schema`` the process's analyser (same chain,
    warm stem cache)."""
    for _name, field in schema.items():
        if isinstance(field, TEXT):
            field.analyzer = _SHARED_ANALYZER


class SearchIndex:
    def __init__(self, base_dir):
        self.base = Path(base_dir)
        self._opened: tuple[str, whoosh_index.Index] | None = None
        self._guard = threading.Lock()
        # The process's searcher, kept between searches (see ``searcher``).
        self._kept: tuple[whoosh_index.Index, object] | None = None
        self._depth = 0
        self._search_lock = threading.RLock()

    @classmethod
    def from_settings(cls, settings: dict) -> SearchIndex:
        """``tavolo.search_dir`` (relative paths are from ``here``); empty means a private
        temporary directory for this process (the test configuration: never ``var/``)."""
        value = (settings.get(SETTING) or "").strip()
        if not value:
            path = tempfile.mkdtemp(prefix="tavolo-search-")
            atexit.register(shutil.rmtree, path, True)
            return cls(path)
        path = Path(value)
        if not path.is_absolute():
            path = Path(settings.get("here", ".")) / path
        return cls(path)

    # generations ------------------------------------------------------------------------
    def _read_pointer(self) -> str | None:
        try:
            name = (self.base / POINTER).read_text(encoding="ascii").strip()
        except FileNotFoundError:
            return None
        return name or None

    @contextlib.contextmanager
    def _base_lock(self):
        self.base.mkdir(parents=True, exist_ok=True)
        with open(self.base / ".lock", "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _new_generation(self) -> Path:
        name = time.strftime("gen-%Y%m%dT%H%M%S-") + uuid.uuid4().hex[:8]
        path = self.base / name
        path.mkdir(parents=True)
        whoosh_index.create_in(str(path), make_schema())
        return path

    def _swap(self, path: Path) -> None:
        """Make ``path`` current (atomically), then drop generations older than the one
        it replaces. Called with the base lock held."""
        previous = self._read_pointer()
        tmp = self.base / f".{POINTER}.{uuid.uuid4().hex}"
        tmp.write_text(path.name + "\n", encoding="ascii")
        os.replace(tmp, self.base / POINTER)
        keep = {path.name, previous}
        for entry in self.base.iterdir():
            if entry.is_dir() and entry.name.startswith("gen-") and entry.name not in keep:
                shutil.rmtree(entry, ignore_errors=True)

    @property
    def exists(self) -> bool:
        name = self._read_pointer()
        return name is not None and whoosh_index.exists_in(str(self.base / name))

    @property
    def current_dir(self) -> Path:
        """The directory of the current generation (created, empty, if there is none)."""
        name = self._read_pointer()
        if name is None or not whoosh_index.exists_in(str(self.base / name)):
            with self._base_lock():
                name = self._read_pointer()
                if name is None or not whoosh_index.exists_in(str(self.base / name)):
                    self._swap(self._new_generation())
                    name = self._read_pointer()
        return self.base / name

    def index(self) -> whoosh_index.Index:
        """The Whoosh index of the current generation (one object per generation)."""
        path = self.current_dir
        with self._guard:
            if self._opened is None or self._opened[0] != path.name:
                self._opened = (path.name, whoosh_index.open_dir(str(path)))
            return self._opened[1]

    # reading and writing ----------------------------------------------------------------
    @contextlib.contextmanager
    def searcher(self):
        """A searcher on the last committed snapshot of the current index, for the
        calling thread alone while the ``with`` block lasts.

        The process keeps one searcher between searches and opens a new one when the
        index has changed: opening reads every segment's term table, which on a big
        index costs more than the query (~170 ms at 100,000 documents) - paid once per
        change rather than once per search. Whoosh's readers keep file positions, so the
        searcher serves one thread at a time: searches take turns. They lose little by
        it - a search is Python code holding the GIL - and a searcher per thread would
        hold a copy of the index per thread (Whoosh copies each memory-mapped segment
        file it opens). A search inside a search gets the same snapshot.
        """
        with self._search_lock:
            if self._depth == 0:
                self._refresh_kept()
            self._depth += 1
            try:
                yield self._kept[1]
            finally:
                self._depth -= 1

    def _refresh_kept(self) -> None:
        ix = self.index()
        if self._kept is not None:
            if self._kept[0] is ix and self._kept[1].up_to_date():
                return
            # Not Whoosh's ``refresh``: it reuses the reader of a segment that only had
            # documents deleted, deletions and all, so an updated document's old version
            # went on matching. A new searcher costs a query's time once per change.
            self._kept[1].close()
            self._kept = None
        searcher = ix.searcher(weighting=RELEVANCE)
        share_analyzers(searcher.schema)
        self._kept = (ix, searcher)

    def writer(self, timeout: float = 0.0, **kwargs):
        """A writer on the current generation; ``LockError`` if another one holds it for
        longer than ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            ix = self.index()
            writer = ix.writer(timeout=max(0.0, deadline - time.monotonic()), **kwargs)
            if self._read_pointer() == Path(ix.storage.folder).name:
                share_analyzers(writer.schema)
                return writer
            writer.cancel()  # swapped out while we waited: write to the new one

    def doc_count(self) -> int:
        with self.searcher() as searcher:
            return searcher.doc_count()

    # the workflow definitions the index was computed with -------------------------------
    def stored_hash(self) -> str | None:
        name = self._read_pointer()
        if name is None:
            return None
        try:
            return (self.base / name / HASH_FILE).read_text(encoding="ascii").strip() or None
        except FileNotFoundError:
            return None

    # rebuilding -------------------------------------------------------------------------
    def rebuild(self, fill, definitions_hash: str | None = None, lock_timeout: float = 60.0):
        """Build a new generation with ``fill(writer_factory)`` and swap it in.

        While ``fill`` runs, the current generation's write lock is held, so no queue row
        is applied (and deleted) to an index about to be replaced: rows committed during
        the rebuild stay queued and are applied to the new generation after the swap.
        ``writer_factory()`` gives writers on the new generation (``fill`` commits them).
        Returns what ``fill`` returns.
        """
        current = self.index()
        old_lock = current.lock("WRITELOCK")
        deadline = time.monotonic() + lock_timeout
        while not old_lock.acquire(blocking=False):
            if time.monotonic() > deadline:
                raise LockError("the index is being written by another process")
            time.sleep(0.1)
        try:
            with self._base_lock():
                path = self._new_generation()
            new_ix = whoosh_index.open_dir(str(path))
            try:
                result = fill(lambda **kw: _with_shared_analyzers(new_ix.writer(**kw)))
                if definitions_hash is not None:
                    (path / HASH_FILE).write_text(definitions_hash + "\n", encoding="ascii")
            except BaseException:
                shutil.rmtree(path, ignore_errors=True)
                raise
            with self._base_lock():
                self._swap(path)
            return result
        finally:
            old_lock.release()

    def write_hash(self, definitions_hash: str) -> None:
        """Record the workflow definitions hash in the current generation."""
        path = self.current_dir / HASH_FILE
        tmp = path.with_name(f".{HASH_FILE}.{uuid.uuid4().hex}")
        tmp.write_text(definitions_hash + "\n", encoding="ascii")
        os.replace(tmp, path)
