"""The transactional outbox on committed databases: what commits reaches the index after
the request, what rolls back never does, rows left by a crash are applied at the next
start, a row that commits late is not skipped, applied rows are deleted, and concurrent
appliers (threads, or index objects standing for other processes) never corrupt the index.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from tavolo import events
from tavolo.content.models import Node
from tavolo.db import get_engine
from tavolo.search import outbox, start_up
from tavolo.search.indexer import apply_pending, index_version, needs_rebuild, reindex_all
from tavolo.search.models import IndexQueueEntry
from tavolo.search.schema import SCHEMA_VERSION
from tavolo.search.storage import SearchIndex
from tests.conftest import build_app, client_for, load_demo, login, migrate
from tests.content.test_organising import rename_form
from tests.search.helpers import documents, expected_snapshot, snapshot

NEWS = "/notizie/al-via-il-vademecum/"


@pytest.fixture(scope="module")
def site(backend, databases, app_settings, tmp_path_factory):
    """A committed demo database and an app whose index lives in a directory of its own
    (built at start-up, as a fresh install does)."""
    url = databases.url(backend, "outbox")
    migrate(url)
    engine = get_engine({"sqlalchemy.url": url})
    load_demo(engine, app_settings)
    search_dir = tmp_path_factory.mktemp("outbox-index")
    overrides = {"tavolo.search_dir": str(search_dir), "tavolo.search_build_on_start": "true"}
    app = build_app(app_settings, url, **overrides)
    yield app, engine, url, overrides
    app.registry["tavolo.engine"].dispose()
    engine.dispose()


def queued(engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count(IndexQueueEntry.id)))


def title_of(engine, path) -> str:
    with engine.connect() as connection:
        return connection.scalar(select(Node.title).where(Node.path == path))


def admin(app):
    client = client_for(app)
    login(client, "admin")
    return client


def rename_title(client, path, title):
    form = rename_form(client, path)
    form["title"] = title
    return form.submit("save", status=303)


def converged(app, engine) -> None:
    assert queued(engine) == 0
    assert snapshot(app.registry["tavolo.search_index"]) == expected_snapshot(engine)


def test_start_up_builds_the_index(site):
    app, engine, _url, _overrides = site
    index = app.registry["tavolo.search_index"]
    assert index.stored_hash() == index_version()
    converged(app, engine)


def test_a_change_is_in_the_index_after_the_request(site):
    app, engine, _url, _overrides = site
    rename_title(admin(app), NEWS, "Il Vademecum è in rete")
    doc = [d for d in documents(app.registry["tavolo.search_index"]).values()]
    assert "Il Vademecum è in rete" in {d["title"] for d in doc}
    converged(app, engine)  # applied rows are deleted


def test_a_rolled_back_change_leaves_no_row_and_no_document(site):
    app, engine, _url, _overrides = site
    client = admin(app)
    before = title_of(engine, NEWS)

    def fail(event):
        raise RuntimeError("the request fails after the change was queued")

    app.registry.registerHandler(fail, (events.ObjectModified,))
    try:
        form = rename_form(client, NEWS)
        form["title"] = "Mai salvato"
        assert form.submit("save", expect_errors=True).status_int == 500
    finally:
        app.registry.unregisterHandler(fail, (events.ObjectModified,))
    assert title_of(engine, NEWS) == before
    assert queued(engine) == 0
    titles = {d["title"] for d in documents(app.registry["tavolo.search_index"]).values()}
    assert "Mai salvato" not in titles
    converged(app, engine)


def test_rows_of_a_crash_are_applied_at_the_next_start(site, app_settings, monkeypatch):
    app, engine, url, overrides = site
    # The process "dies" between the commit and the indexing: the hook never runs.
    monkeypatch.setattr(outbox, "_apply_after_commit", lambda committed, registry: None)
    client = admin(app)
    rename_title(client, NEWS, "Titolo cambiato prima del crollo")
    form = client.get("/area-riservata/archivio/@@transizione", {"nome": "make_internal"})
    form.forms["deform"].submit("save", status=303)
    assert queued(engine) >= 2
    index = app.registry["tavolo.search_index"]
    assert snapshot(index) != expected_snapshot(engine)  # stale until someone applies
    monkeypatch.undo()

    restarted = build_app(app_settings, url, **overrides)
    try:
        converged(restarted, engine)
        converged(app, engine)  # the same directory: the first process sees it too
    finally:
        restarted.registry["tavolo.engine"].dispose()


def _touch(dbsession, path, title) -> int:
    node = dbsession.scalars(select(Node).where(Node.path == path)).one()
    node.title = title
    dbsession.add(IndexQueueEntry(node_id=node.id, subtree=False, reason="test"))
    dbsession.flush()
    return node.id


def test_a_row_that_commits_late_is_not_skipped(site, backend):
    app, engine, _url, _overrides = site
    index = app.registry["tavolo.search_index"]
    early = "/il-consiglio/"
    late_title, early_title = "Titolo arrivato tardi", "Titolo arrivato presto"
    if backend == "postgresql":
        # Two real transactions: the first takes the lower id but commits last.
        with Session(engine) as slow, Session(engine) as fast:
            _touch(slow, early, late_title)
            _touch(fast, NEWS, early_title)
            fast.commit()
            apply_pending(engine, index)
            slow.commit()
            assert queued(engine) == 1  # it was not visible to the indexer: still there
    else:
        # SQLite serialises writers; a row with a lower id inserted after the indexer
        # ran stands for it.
        with Session(engine) as fast:
            _touch(fast, NEWS, early_title)
            fast.commit()
        top = apply_pending(engine, index)
        assert top >= 1
        with Session(engine) as slow:
            node = slow.scalars(select(Node).where(Node.path == early)).one()
            node.title = late_title
            low = slow.scalar(select(func.min(IndexQueueEntry.id))) or 1
            slow.add(IndexQueueEntry(id=max(1, low - 1), node_id=node.id, reason="late"))
            slow.commit()
    titles = {d["title"] for d in documents(index).values()}
    assert early_title in titles and late_title not in titles
    apply_pending(engine, index)
    titles = {d["title"] for d in documents(index).values()}
    assert late_title in titles
    converged(app, engine)


def test_concurrent_appliers_never_corrupt_the_index(site):
    app, engine, _url, overrides = site
    # Index objects of their own stand for other processes on the same directory.
    indexes = [app.registry["tavolo.search_index"]] + [
        SearchIndex(overrides["tavolo.search_dir"]) for _ in range(3)
    ]
    errors: list[BaseException] = []
    stop = threading.Event()

    def writer_thread():
        try:
            for round_ in range(15):
                with Session(engine) as dbsession:
                    _touch(dbsession, NEWS, f"Giro {round_}")
                    dbsession.commit()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            stop.set()

    def applier(index, rebuild: bool):
        try:
            while not stop.is_set():
                if rebuild:
                    reindex_all(engine, index)
                else:
                    apply_pending(engine, index, timeout=0.05)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=writer_thread)]
    threads += [threading.Thread(target=applier, args=(ix, i == 3)) for i, ix in enumerate(indexes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    apply_pending(engine, indexes[0], timeout=10)
    converged(app, engine)
    for index in indexes[1:]:
        assert snapshot(index) == snapshot(indexes[0])


def test_other_workflow_definitions_trigger_a_rebuild(site, monkeypatch):
    app, engine, _url, _overrides = site
    index = app.registry["tavolo.search_index"]
    generation = index.current_dir
    assert not needs_rebuild(index)
    monkeypatch.setattr(
        "tavolo.workflow.definitions.definitions_hash", lambda: "definizioni-cambiate"
    )
    assert needs_rebuild(index)
    assert start_up(app.registry) == "rebuilt"
    assert index.current_dir != generation
    assert index.stored_hash() == f"definizioni-cambiate+schema{SCHEMA_VERSION}"
    monkeypatch.undo()
    assert start_up(app.registry) == "rebuilt"  # and back
    converged(app, engine)


def test_an_unusable_index_directory_does_not_stop_the_site(site, app_settings, tmp_path):
    app, engine, url, overrides = site
    blocker = tmp_path / "un-file"
    blocker.write_text("not a directory")
    broken = build_app(
        app_settings, url, **{**overrides, "tavolo.search_dir": str(blocker / "search")}
    )
    try:
        client = admin(broken)
        rename_title(client, NEWS, "Salvato anche senza indice")  # the change is kept
        assert title_of(engine, NEWS) == "Salvato anche senza indice"
        assert queued(engine) >= 1  # and waits for an index that works
    finally:
        broken.registry["tavolo.engine"].dispose()
    apply_pending(engine, app.registry["tavolo.search_index"], timeout=10)
    converged(app, engine)


def test_nothing_queued_by_a_safe_request(site):
    app, engine, _url, _overrides = site
    admin(app).get(NEWS, status=200)
    assert queued(engine) == 0
    with engine.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar() == 1
