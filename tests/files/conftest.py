"""Fixtures of the files tests: an empty blob store, and hostile files made once."""

from __future__ import annotations

import pytest

from tavolo.files.blobstore import BlobStore
from tests.files.makers import zip_bomb_docx


@pytest.fixture
def store(tmp_path) -> BlobStore:
    return BlobStore(tmp_path / "blobs")


@pytest.fixture(scope="session")
def zip_bomb(tmp_path_factory):
    """A 1 GiB zip bomb disguised as a DOCX, about 1 MB on disk (made once per run)."""
    path = tmp_path_factory.mktemp("bomb") / "relazione.docx"
    path.write_bytes(zip_bomb_docx(1024))
    return path


def stored_files(store: BlobStore) -> list[str]:
    """Every file under the store's root (the empty ``tmp/`` directory aside)."""
    if not store.root.exists():
        return []
    return sorted(str(p.relative_to(store.root)) for p in store.root.rglob("*") if p.is_file())
