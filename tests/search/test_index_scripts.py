"""``tavolo-reindex`` rebuilds into a new generation with a progress bar and swaps it in
while searches keep answering; ``tavolo-index`` applies the queue, and rebuilds first when
the workflow definitions changed."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tavolo.content.models import Node
from tavolo.db import get_engine
from tavolo.scripts import reindex
from tavolo.search.indexer import index_version
from tavolo.search.models import IndexQueueEntry
from tavolo.search.storage import SearchIndex
from tests.conftest import ROOT, load_demo, migrate
from tests.scripts.test_initdb import restore_logging  # noqa: F401 - fixture
from tests.search.helpers import count, documents


@pytest.fixture
def site(tmp_path, databases, app_settings):
    url = databases.url("sqlite", "scripts")
    migrate(url)
    engine = get_engine({"sqlalchemy.url": url})
    load_demo(engine, app_settings)
    search_dir = tmp_path / "search"
    lines = []
    for line in (ROOT / "testing.ini").read_text(encoding="utf-8").splitlines():
        key = line.split("=", 1)[0].strip()
        if key == "sqlalchemy.url":
            line = f"sqlalchemy.url = {url}"
        elif key == "tavolo.blobs_dir":
            line = f"tavolo.blobs_dir = {app_settings['tavolo.blobs_dir']}"
        elif key == "tavolo.search_dir":
            line = f"tavolo.search_dir = {search_dir}"
        lines.append(line.replace("%(here)s", str(ROOT)))
    ini = tmp_path / "tavolo.ini"
    ini.write_text("\n".join(lines) + "\n", encoding="utf-8")
    yield str(ini), engine, SearchIndex(search_dir)
    engine.dispose()


def live_count(engine) -> int:
    with Session(engine) as dbsession:
        return len(
            dbsession.scalars(
                select(Node.id).where(Node.parent_id.is_not(None), Node.trashed_at.is_(None))
            ).all()
        )


def test_reindex_builds_a_new_generation_with_a_progress_bar(site, capsys):
    ini, engine, index = site
    assert reindex.reindex_main(["tavolo-reindex", ini, "--batch-size", "5"]) == 0
    out, err = capsys.readouterr()
    total = live_count(engine)
    assert f"{total}/{total}" in err and "[#" in err
    assert f"Index rebuilt: {total} documents" in out
    first = index.current_dir
    assert count(index) == total and index.stored_hash() == index_version()

    # A second rebuild swaps in another generation while a searcher keeps its snapshot.
    with index.searcher() as searcher:
        before = searcher.doc_count()
        done = threading.Event()
        thread = threading.Thread(
            target=lambda: (reindex.reindex_main(["tavolo-reindex", ini]), done.set())
        )
        thread.start()
        thread.join(timeout=120)
        assert done.is_set()
        assert searcher.doc_count() == before  # the old snapshot still answers
    assert index.current_dir != first and count(index) == total


def test_index_applies_the_queue_and_rebuilds_on_other_definitions(site, capsys):
    ini, engine, index = site
    assert reindex.index_main(["tavolo-index", ini]) == 0  # no index yet: built
    assert "Index rebuilt" in capsys.readouterr().out
    with Session(engine) as dbsession:
        node = dbsession.scalars(select(Node).where(Node.path == "/il-consiglio/")).one()
        node.title = "Il Consiglio rinnovato"
        dbsession.add(IndexQueueEntry(node_id=node.id, reason="script"))
        dbsession.commit()
    assert reindex.index_main(["tavolo-index", ini]) == 0
    assert "Queue applied" in capsys.readouterr().out
    assert "Il Consiglio rinnovato" in {d["title"] for d in documents(index).values()}
    with Session(engine) as dbsession:
        assert dbsession.scalars(select(IndexQueueEntry)).all() == []

    index.write_hash("definizioni-di-prima")
    generation = index.current_dir
    assert reindex.index_main(["tavolo-index", ini]) == 0
    assert "Index rebuilt" in capsys.readouterr().out
    assert index.current_dir != generation and index.stored_hash() == index_version()
