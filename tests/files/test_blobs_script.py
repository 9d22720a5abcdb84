"""``tavolo-blobs``: verify finds a blob corrupted on purpose; gc removes what no row
references, and with ``--dry-run`` only says so."""

from __future__ import annotations

import hashlib
import io
import os
import time

from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from tavolo.content.services import ContentService
from tavolo.content.trash import TrashService
from tavolo.files.blobstore import BlobStore
from tavolo.files.uploads import Uploads
from tavolo.scripts import blobs, initdb
from tests.conftest import ROOT
from tests.files.makers import tiny_pdf
from tests.scripts.test_initdb import restore_logging  # noqa: F401 - fixture

DAY = 24 * 3600


def write_ini(tmp_path, blobs_dir, url: str | None = None) -> str:
    """testing.ini with the blob store (and database) of this test."""
    lines = []
    for line in (ROOT / "testing.ini").read_text(encoding="utf-8").splitlines():
        key = line.split("=", 1)[0].strip()
        if url and key == "sqlalchemy.url":
            line = f"sqlalchemy.url = {url}"
        elif key == "tavolo.blobs_dir":
            line = f"tavolo.blobs_dir = {blobs_dir}"
        lines.append(line.replace("%(here)s", str(ROOT)))
    path = tmp_path / "tavolo.ini"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def run(ini: str, *args: str) -> int:
    return blobs.main(["tavolo-blobs", ini, *args])


def test_verify_finds_a_blob_corrupted_on_purpose(tmp_path, capsys):
    store = BlobStore(tmp_path / "blobs")
    ini = write_ini(tmp_path, store.root)
    intact = store.put(b"documento integro").sha256
    damaged = store.put(b"documento che si guastera'").sha256
    assert run(ini, "verify") == 0
    assert "verified 2 blobs" in capsys.readouterr().out

    path = store.path(damaged)
    path.chmod(0o640)
    with open(path, "r+b") as stream:  # one flipped bit, as a failing disk would
        first = stream.read(1)
        stream.seek(0)
        stream.write(bytes([first[0] ^ 1]))
    assert run(ini, "verify") == 1
    out = capsys.readouterr().out
    assert f"mismatch: {path}" in out
    assert intact not in out
    assert "2 blobs" in out and "1 damaged" in out


def test_verify_reports_progress_on_a_terminal(tmp_path):
    store = BlobStore(tmp_path / "blobs")
    for n in range(5):
        store.put(f"blob {n}".encode())

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal, out = Terminal(), io.StringIO()
    progress = blobs.Progress("verified", stream=terminal, every=2)
    assert blobs.verify(store, out=out, progress=progress) == 0
    assert "\rverified: 2" in terminal.getvalue() and "\rverified: 4" in terminal.getvalue()
    assert "verified 5 blobs" in out.getvalue()


def test_gc_removes_only_unreferenced_blobs(tmp_path, databases, capsys):
    store = BlobStore(tmp_path / "blobs")
    url = databases.url("sqlite", "blobs")
    ini = write_ini(tmp_path, store.root, url)
    assert initdb.main(["tavolo-initdb", ini]) == 0

    pdf = tiny_pdf("Verbale", ["riga"])
    referenced = hashlib.sha256(pdf).hexdigest()
    orphan = store.put(b"un allegato cancellato").sha256
    young = store.put(b"caricato adesso, riga non ancora salvata").sha256
    engine = create_engine(url, poolclass=NullPool)
    with Session(engine) as session, session.begin():
        service = ContentService(session, files=Uploads(store))
        service.create(
            service.root(),
            "file",
            "verbale.pdf",
            "Verbale",
            upload={"filename": "verbale.pdf", "data": pdf},
        )
    engine.dispose()
    for sha256 in (referenced, orphan):
        os.utime(store.path(sha256), (time.time() - 2 * DAY,) * 2)
    capsys.readouterr()

    assert run(ini, "gc", "--dry-run") == 0
    out = capsys.readouterr().out
    assert f"would remove blob {orphan}" in out
    assert referenced not in out and young not in out
    assert "3 blobs, 1 referenced, 1 unreferenced but younger than 24 h (kept)" in out
    assert sorted(store.iter_hashes()) == sorted([referenced, orphan, young])

    assert run(ini, "gc") == 0
    assert f"removed blob {orphan}" in capsys.readouterr().out
    assert sorted(store.iter_hashes()) == sorted([referenced, young])

    assert run(ini, "gc", "--min-age", "0") == 0
    assert f"removed blob {young}" in capsys.readouterr().out
    assert list(store.iter_hashes()) == [referenced]


def _site(tmp_path, databases, label):
    store = BlobStore(tmp_path / "blobs")
    url = databases.url("sqlite", label)
    ini = write_ini(tmp_path, store.root, url)
    assert initdb.main(["tavolo-initdb", ini]) == 0
    return store, url, ini


def _age(store, sha256):
    os.utime(store.path(sha256), (time.time() - 2 * DAY,) * 2)


def test_gc_keeps_trashed_files_and_collects_an_emptied_trash(tmp_path, databases, capsys):
    store, url, ini = _site(tmp_path, databases, "trash")
    pdf = tiny_pdf("Nel cestino", ["riga"])
    engine = create_engine(url, poolclass=NullPool)
    with Session(engine) as session, session.begin():
        service = ContentService(session, files=Uploads(store))
        node = service.create(
            service.root(),
            "file",
            "cestino.pdf",
            "Cestino",
            upload={"filename": "c.pdf", "data": pdf},
        )
        TrashService(session).trash(node)
        sha256 = node.sha256
    _age(store, sha256)
    assert run(ini, "gc") == 0
    assert sha256 not in capsys.readouterr().out
    assert store.exists(sha256)  # a trashed item can be restored: its bytes stay

    with Session(engine) as session, session.begin():
        assert TrashService(session).empty() == 1
    engine.dispose()
    assert run(ini, "gc") == 0
    assert f"removed blob {sha256}" in capsys.readouterr().out
    assert not store.exists(sha256)


def test_verify_reports_items_whose_blob_is_missing(tmp_path, databases, capsys):
    store, url, ini = _site(tmp_path, databases, "missing")
    engine = create_engine(url, poolclass=NullPool)
    with Session(engine) as session, session.begin():
        service = ContentService(session, files=Uploads(store))
        node = service.create(
            service.root(),
            "file",
            "perso.pdf",
            "Perso",
            upload={"filename": "perso.pdf", "data": tiny_pdf("Perso", [])},
        )
        sha256 = node.sha256
    engine.dispose()
    assert run(ini, "verify") == 0
    store.path(sha256).unlink()  # a lost disk, a partial restore
    capsys.readouterr()
    assert run(ini, "verify") == 1
    out = capsys.readouterr().out
    assert f"missing: blob {sha256} named by /perso.pdf/" in out
    assert "1 missing" in out
