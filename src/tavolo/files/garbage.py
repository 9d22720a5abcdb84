"""Which blobs are still wanted, and collecting the others.

A blob is wanted while any row names it: the ``sha256`` of File and Image rows, trashed
ones included (a trashed item can be restored, and emptying the trash deletes its rows,
which is what frees its blobs), the logos of organisations, and the files of old revisions
(an old version stays downloadable after the file is replaced; deleting the item deletes
its revisions). Signed files will name blobs too: add them to ``referrers()``, the one
place that lists where hashes live.

Collection runs beside a live site, so it spares what is young: a blob is stored before
the row that names it is committed, and one that an upload re-used is touched by
``BlobStore.put``. Only blobs untouched for ``min_age`` (a day by default) and named by no
row are removed. The hashes in use are read before the store is walked, so a blob stored
after that reading is young by construction.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from tavolo.accounts.models import Organisation
from tavolo.content.models import File, Image
from tavolo.files.blobstore import DEFAULT_TEMPORARY_AGE, BlobStore
from tavolo.files.extract import TextExtractor
from tavolo.files.scales import Scales
from tavolo.versioning.models import Revision

DEFAULT_MIN_AGE = 24 * 3600.0


def _column(column) -> Callable[[object], Iterable[str]]:
    def hashes(connection) -> Iterable[str]:
        return connection.execute(select(column).distinct()).scalars()

    return hashes


def referrers() -> list[Callable[[object], Iterable[str]]]:
    """Every source of blob hashes in use: functions of a Connection or Session."""
    return [
        _column(File.sha256),
        _column(Image.sha256),
        _column(Organisation.logo_sha256),
        _column(Revision.blob_sha256),
    ]


def referenced_hashes(connection) -> set[str]:
    found: set[str] = set()
    for source in referrers():
        found.update(h for h in source(connection) if h)
    return found


def missing_blobs(store: BlobStore, connection, chunk: int = 500) -> dict[str, list[str]]:
    """Hashes that rows name and the store does not have, each with the paths of the
    items naming it (trashed ones included): what a lost disk or a partial restore left
    behind, reported by ``tavolo-blobs verify``."""
    missing = sorted(h for h in referenced_hashes(connection) if not store.exists(h))
    found: dict[str, list[str]] = {sha256: [] for sha256 in missing}
    for start in range(0, len(missing), chunk):
        wanted = missing[start : start + chunk]
        for model in (File, Image):
            # File and Image are nodes (joined inheritance): their path is theirs.
            rows = connection.execute(
                select(model.path, model.sha256)
                .where(model.sha256.in_(wanted))
                .order_by(model.path)
            )
            for path, sha256 in rows:
                found[sha256].append(path)
    return found


def derived_caches(store: BlobStore) -> tuple:
    """The caches made from blobs, emptied with their source."""
    return (Scales(store), TextExtractor(store))


@dataclass
class Collected:
    examined: int = 0
    referenced: int = 0
    removed: list[tuple[str, int]] = field(default_factory=list)  # (hash, size)
    recent: list[str] = field(default_factory=list)  # unreferenced, but young: kept
    derived: list[str] = field(default_factory=list)  # caches whose source is gone
    temporary: list[Path] = field(default_factory=list)

    @property
    def bytes_removed(self) -> int:
        return sum(size for _sha256, size in self.removed)


def collect_garbage(
    store: BlobStore,
    referenced: set[str],
    *,
    dry_run: bool = False,
    min_age: float = DEFAULT_MIN_AGE,
    derived: Iterable | None = None,
    temporary_age: float = DEFAULT_TEMPORARY_AGE,
    on_blob: Callable[[int], None] | None = None,
) -> Collected:
    """Remove (or with ``dry_run`` only list) the blobs that nobody references, their
    scales and text, orphaned cache entries and old temporary files."""
    derived = tuple(derived_caches(store) if derived is None else derived)
    report = Collected()
    limit = time.time() - min_age
    for sha256 in store.iter_hashes():
        report.examined += 1
        if on_blob is not None:
            on_blob(report.examined)
        if sha256 in referenced:
            report.referenced += 1
            continue
        try:
            stat = store.path(sha256).stat()
        except FileNotFoundError:
            continue
        if stat.st_mtime > limit:
            report.recent.append(sha256)
            continue
        if not dry_run:
            store.remove(sha256)
            for cache in derived:
                cache.discard(sha256)
        report.removed.append((sha256, stat.st_size))
    removed = {sha256 for sha256, _size in report.removed}
    for cache in derived:
        for sha256 in list(cache.hashes()):
            if sha256 in removed or store.exists(sha256):
                continue
            if not dry_run:
                cache.discard(sha256)
            report.derived.append(sha256)
    # A writer touches its temporary file with every chunk: one idle for a day is dead.
    report.temporary = store.clean_temporary(temporary_age, dry_run=dry_run)
    return report
