"""The blob store: content addressing, atomic writes, a writer killed mid-way, verify."""

from __future__ import annotations

import hashlib
import io
import os
import signal
import stat
import subprocess
import sys
import time

import pytest

from tavolo.files.blobstore import BlobNotFound, BlobStore, InvalidHash

MiB = 1024 * 1024


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_put_bytes_and_streams(store):
    info = store.put(b"verbale della riunione")
    assert info.sha256 == sha(b"verbale della riunione")
    assert (info.size, info.created) == (22, True)
    path = store.path(info.sha256)
    assert path == store.root / info.sha256[:2] / info.sha256[2:4] / info.sha256
    assert path.read_bytes() == b"verbale della riunione"
    assert stat.S_IMODE(path.stat().st_mode) == 0o440  # nobody writes a blob
    with store.open(info.sha256) as stream:
        assert stream.read() == b"verbale della riunione"
    big = os.urandom(3 * MiB + 17)
    streamed = store.put(io.BytesIO(big))
    assert (streamed.sha256, streamed.size) == (sha(big), len(big))
    assert store.size(streamed.sha256) == len(big)
    assert sorted(store.iter_hashes()) == sorted([info.sha256, streamed.sha256])
    assert list(store.tmp_dir.iterdir()) == []  # no temporary file left behind


def test_an_existing_blob_is_never_overwritten_but_touched(store):
    first = store.put(b"stessi byte")
    path = store.path(first.sha256)
    inode = path.stat().st_ino
    os.utime(path, (1_000_000_000, 1_000_000_000))
    again = store.put(io.BytesIO(b"stessi byte"))
    assert (again.sha256, again.created) == (first.sha256, False)
    assert path.stat().st_ino == inode  # the same file, not a replacement
    assert path.stat().st_mtime > time.time() - 60  # wanted again: gc spares it


@pytest.mark.parametrize(
    "bad",
    ["../../etc/passwd", "A" * 64, "a" * 63, "a" * 65, "a" * 64 + "\n", "", None, "g" * 64],
)
def test_hashes_are_validated_before_any_path_is_built(store, bad):
    for method in (store.path, store.exists, store.open, store.remove, store.size):
        with pytest.raises(InvalidHash):
            method(bad)


def test_missing_blob(store):
    with pytest.raises(BlobNotFound):
        store.open("0" * 64)
    assert not store.exists("0" * 64)
    assert store.remove("0" * 64) is False


def test_remove(store):
    info = store.put(b"da buttare")
    assert store.remove(info.sha256) is True
    assert not store.exists(info.sha256)
    assert list(store.iter_hashes()) == []


def test_verify_finds_a_corrupted_blob_and_strays(store):
    good = store.put(b"integro")
    bad = store.put(b"sara' corrotto")
    path = store.path(bad.sha256)
    path.chmod(0o640)
    path.write_bytes(b"sara' c0rrotto")
    (store.root / good.sha256[:2] / good.sha256[2:4] / "intruso.txt").write_bytes(b"?")
    counted = []
    problems = list(store.verify(on_blob=counted.append))
    assert counted == [1, 2]
    damaged = [p for p in problems if p.serious]
    assert [(p.kind, p.sha256, p.path) for p in damaged] == [("mismatch", bad.sha256, path)]
    assert sha(b"sara' c0rrotto") in str(damaged[0])  # what the bytes hash to now
    assert [p.kind for p in problems if not p.serious] == ["stray"]


# The child writes what it reads from its stdin through BlobStore.put, as an upload does.
WRITER = """
import sys
from tavolo.files.blobstore import BlobStore
BlobStore(sys.argv[1]).put(sys.stdin.buffer)
print("finished", flush=True)
"""


def test_a_writer_killed_mid_write_leaves_no_blob(store):
    data = os.urandom(2 * MiB + MiB // 2)
    more = os.urandom(MiB)
    child = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(store.root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        child.stdin.write(data)  # the child reads 1 MiB chunks: it now waits for the third
        child.stdin.flush()
        deadline = time.monotonic() + 20
        written = 0
        while written < 2 * MiB:
            assert time.monotonic() < deadline, "the child never wrote"
            parts = list(store.tmp_dir.glob("*")) if store.tmp_dir.exists() else []
            written = parts[0].stat().st_size if parts else 0
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        child.kill()
        child.wait()
    assert child.returncode == -signal.SIGKILL
    assert child.stdout.read() == b""  # it did not finish

    # Neither the whole upload nor the part that reached the disk is a blob.
    for candidate in (data + more, data, data[: 2 * MiB]):
        assert not store.path(sha(candidate)).exists()
    assert list(store.iter_hashes()) == []
    problems = list(store.verify())
    assert [p.kind for p in problems] == ["temporary"]  # reported, not damage
    assert not any(p.serious for p in problems)

    assert store.clean_temporary(older_than=3600) == []  # a recent writer may be alive
    removed = store.clean_temporary(older_than=0)
    assert len(removed) == 1
    assert list(store.tmp_dir.iterdir()) == []
    assert list(store.verify()) == []

    # The store works on: the same upload, written completely this time.
    assert store.put(data + more).sha256 == sha(data + more)


def test_blobs_dir_setting(tmp_path):
    assert BlobStore.from_settings({"tavolo.blobs_dir": str(tmp_path)}).root == tmp_path
    assert BlobStore.from_settings({}, here="/srv/tavolo").root == (
        BlobStore("/srv/tavolo/var/blobs").root
    )


def test_includeme_registers_the_store(tmp_path):
    from pyramid.config import Configurator

    config = Configurator(
        settings={"tavolo.blobs_dir": str(tmp_path), "tavolo.upload.max_bytes": "10"}
    )
    config.include("tavolo.files")
    assert config.registry["tavolo.blobs"].root == tmp_path
    assert config.registry["tavolo.upload_limits"].max_bytes == 10
