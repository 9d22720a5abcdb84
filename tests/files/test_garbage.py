"""Garbage collection: only unreferenced, old blobs go, with their scales and text."""

from __future__ import annotations

import os
import time

from sqlalchemy import select

from tavolo.content.models import File
from tavolo.db import utcnow
from tavolo.files.extract import TextExtractor
from tavolo.files.garbage import collect_garbage, referenced_hashes
from tavolo.files.scales import Scales
from tests.content.helpers import make_file
from tests.files.makers import docx_bytes, png_bytes

DAY = 24 * 3600


def age(store, sha256: str, seconds: float = 2 * DAY) -> None:
    then = time.time() - seconds
    os.utime(store.path(sha256), (then, then))


def test_collects_only_unreferenced_old_blobs_and_their_caches(store):
    kept = store.put(png_bytes(300, 300)).sha256
    orphan = store.put(png_bytes(400, 400)).sha256
    young = store.put(b"appena caricato").sha256
    for sha256 in (kept, orphan):
        age(store, sha256)
        Scales(store).get(sha256, "thumbnail")
    document = store.put(docx_bytes(["testo"])).sha256
    age(store, document)
    TextExtractor(store).text(document, "docx")

    dry = collect_garbage(store, {kept}, dry_run=True)
    assert sorted(sha for sha, _size in dry.removed) == sorted([orphan, document])
    assert dry.recent == [young]
    assert dry.referenced == 1 and dry.examined == 4
    assert store.exists(orphan) and store.exists(document)  # a dry run removes nothing

    done = collect_garbage(store, {kept})
    assert done.removed == dry.removed
    assert done.bytes_removed == sum(size for _sha, size in dry.removed)
    assert sorted(store.iter_hashes()) == sorted([kept, young])
    assert list(Scales(store).hashes()) == [kept]
    assert list(TextExtractor(store).hashes()) == []


def test_orphaned_caches_and_old_temporary_files(store):
    source = store.put(png_bytes(300, 300)).sha256
    Scales(store).get(source, "thumbnail")
    store.path(source).unlink()  # lost by other means: its scales are orphans
    store.tmp_dir.mkdir(parents=True, exist_ok=True)
    leftover = store.tmp_dir / "blob-dead.part"
    leftover.write_bytes(b"partial")
    os.utime(leftover, (time.time() - 2 * DAY,) * 2)
    fresh = store.tmp_dir / "blob-alive.part"
    fresh.write_bytes(b"being written")

    report = collect_garbage(store, set())
    assert report.derived == [source]
    assert list(Scales(store).hashes()) == []
    assert report.temporary == [leftover]
    assert not leftover.exists() and fresh.exists()


def test_referenced_hashes_include_trashed_items(dbsession):
    demo = set(dbsession.scalars(select(File.sha256)))
    assert demo  # the demo site has PDFs
    trashed = make_file(
        dbsession,
        "/notizie/",
        "nel-cestino.pdf",
        "Nel cestino",
        b"%PDF-1.4 x",
        "nel-cestino.pdf",
        "application/pdf",
    )
    trashed.trashed_at = utcnow()
    dbsession.flush()
    found = referenced_hashes(dbsession)
    assert demo | {trashed.sha256} <= found
    assert all(len(sha256) == 64 for sha256 in found)
