"""Applying the outbox to the index, and rebuilding it.

``apply_pending`` takes the index's single writer first, then reads the queue and the
nodes: what it writes is never older than what another applier wrote before it. It
deletes exactly the rows it applied, in a transaction of its own, after the index commit:
a crash in between leaves rows that are applied again (a row means "re-read this node",
so applying it twice is harmless). A row that commits late (PostgreSQL hands out ids
before commit) is simply there at the next run; nothing is skipped by id. When another
process holds the writer (``LockError``), the rows stay for it or for the next run.
"""

from __future__ import annotations

import logging

from sqlalchemy import delete, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import sessionmaker
from whoosh.index import LockError
from whoosh.query import Term

from tavolo.search.documents import DocumentBuilder, live_ids, subtree_ids
from tavolo.search.models import IndexQueueEntry
from tavolo.search.schema import SCHEMA_VERSION

log = logging.getLogger(__name__)

BATCH = 500
# A rebuild reads the database in batches of REBUILD_BATCH (the progress bar, bounded
# memory) and writes a segment per REBUILD_SEGMENT documents: Whoosh pools a segment's
# postings in memory and sorts them once at its commit, and nothing merges afterwards.
# A segment per batch left 50 segments at 100,000 documents (every query built 50 sets of
# matchers); merging them with an optimize, or writing everything through one writer
# (whose pool spills to disk and merges the runs back), cost the rebuild a third to half
# of its rate (docs/performance.md).
REBUILD_BATCH = 2000
REBUILD_SEGMENT = 20_000
REBUILD_MEMORY_MB = 512
QUEUE_BATCH = 2000


def session_factory(bind_or_factory) -> sessionmaker:
    """A sessionmaker from an engine, a connection (tests: savepoints inside its
    transaction) or a sessionmaker (the registry's ``dbsession_factory``)."""
    if isinstance(bind_or_factory, sessionmaker):
        return bind_or_factory
    if isinstance(bind_or_factory, Connection):
        return sessionmaker(
            bind=bind_or_factory, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
    if isinstance(bind_or_factory, Engine):
        return sessionmaker(bind=bind_or_factory, expire_on_commit=False)
    raise TypeError(f"not an engine, connection or sessionmaker: {bind_or_factory!r}")


def _write(writer, builder: DocumentBuilder, node_ids) -> int:
    """Update the documents of ``node_ids``; remove those of nodes no longer live."""
    count = 0
    ids = sorted(node_ids)
    for start in range(0, len(ids), BATCH):
        docs, gone = builder.documents(ids[start : start + BATCH])
        for doc in docs:
            writer.update_document(**doc)
        for node_id in gone:
            writer.delete_by_term("id", str(node_id))
        count += len(docs) + len(gone)
    return count


def _indexed_below(searcher, node_ids) -> set[int]:
    """Ids of documents indexed below ``node_ids`` (as the index last saw them)."""
    found: set[int] = set()
    for node_id in node_ids:
        for docnum in searcher.docs_for_query(Term("ancestors", str(node_id))):
            found.add(int(searcher.stored_fields(docnum)["id"]))
    return found


def apply_pending(
    bind_or_factory,
    index,
    *,
    extractor=None,
    timeout: float = 0.0,
    max_rounds: int | None = 20,
) -> int:
    """Apply the queued rows to ``index``; returns how many rows were applied (0 when
    another process holds the writer: the rows stay queued)."""
    factory = session_factory(bind_or_factory)
    applied = 0
    rounds = 0
    while max_rounds is None or rounds < max_rounds:
        rounds += 1
        try:
            writer = index.writer(timeout=timeout)
        except LockError:
            log.info("index writer busy: the queue is left to its holder or the next run")
            return applied
        try:
            with factory() as dbsession:
                rows = dbsession.execute(
                    select(IndexQueueEntry.id, IndexQueueEntry.node_id, IndexQueueEntry.subtree)
                    .order_by(IndexQueueEntry.id)
                    .limit(QUEUE_BATCH)
                ).all()
                if not rows:
                    writer.cancel()
                    return applied
                targets = {row.node_id for row in rows}
                roots = {row.node_id for row in rows if row.subtree}
                if roots:
                    targets |= subtree_ids(dbsession, roots)
                    with writer.searcher() as searcher:
                        targets |= _indexed_below(searcher, roots)
                _write(writer, DocumentBuilder(dbsession, extractor), targets)
                dbsession.rollback()  # only read: end the read transaction
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        ids = [row.id for row in rows]
        with factory() as dbsession, dbsession.begin():
            dbsession.execute(delete(IndexQueueEntry).where(IndexQueueEntry.id.in_(ids)))
        applied += len(ids)
        # Go round again: rows committed while this round ran (whose appliers found the
        # writer busy and left them to us) are applied now rather than at the next commit.
    return applied


def reindex_all(
    bind_or_factory,
    index,
    *,
    extractor=None,
    definitions_hash: str | None = None,
    batch_size: int = REBUILD_BATCH,
    segment_size: int = REBUILD_SEGMENT,
    progress=None,
    lock_timeout: float = 60.0,
) -> int:
    """Rebuild the whole index into a new generation and swap it in; returns the number
    of documents. ``progress(count)`` is called after each batch.

    The rows queued when the rebuild starts are deleted after the swap (the rebuild read
    the database after they committed); rows queued meanwhile stay for ``apply_pending``.
    """
    if definitions_hash is None:
        definitions_hash = index_version()
    factory = session_factory(bind_or_factory)
    seen: list[int] = []

    def fill(new_writer) -> int:
        count = 0
        writer, in_segment = None, 0
        try:
            with factory() as dbsession:
                seen.extend(dbsession.scalars(select(IndexQueueEntry.id)))
                builder = DocumentBuilder(dbsession, extractor)
                after = 0
                while True:
                    ids = live_ids(dbsession, after, batch_size)
                    if not ids:
                        break
                    after = ids[-1]
                    docs, _gone = builder.documents(ids)
                    if writer is None:
                        writer = new_writer(limitmb=REBUILD_MEMORY_MB)
                    for doc in docs:
                        writer.add_document(**doc)
                    count += len(docs)
                    in_segment += len(docs)
                    if in_segment >= segment_size:
                        writer.commit(merge=False)
                        writer, in_segment = None, 0
                    if progress is not None:
                        progress(count)
                dbsession.rollback()
            if writer is not None:
                writer.commit(merge=False)
        except BaseException:
            if writer is not None:
                writer.cancel()
            raise
        return count

    count = index.rebuild(fill, definitions_hash=definitions_hash, lock_timeout=lock_timeout)
    for start in range(0, len(seen), QUEUE_BATCH):
        with factory() as dbsession, dbsession.begin():
            dbsession.execute(
                delete(IndexQueueEntry).where(
                    IndexQueueEntry.id.in_(seen[start : start + QUEUE_BATCH])
                )
            )
    return count


def index_version() -> str:
    """What an index must have been built with to be used as it is: the workflow
    definitions (they decide ``allowed``) and the schema."""
    from tavolo.workflow import definitions

    return f"{definitions.definitions_hash()}+schema{SCHEMA_VERSION}"


def needs_rebuild(index) -> bool:
    """No index yet, or one built with other workflow definitions or another schema."""
    return index.stored_hash() != index_version()


def bring_up_to_date(bind_or_factory, index, *, extractor=None, rebuild: bool = True) -> str:
    """What start-up and ``tavolo-index`` do: rebuild when needed (and allowed), then
    apply the queue. Returns "rebuilt", "applied" or "busy"."""
    outcome = "applied"
    if rebuild and needs_rebuild(index):
        try:
            # Not waiting: another process holding the lock is rebuilding already.
            reindex_all(bind_or_factory, index, extractor=extractor, lock_timeout=0.0)
            outcome = "rebuilt"
        except LockError:
            return "busy"
    apply_pending(bind_or_factory, index, extractor=extractor, timeout=5.0)
    return outcome


__all__ = [
    "apply_pending",
    "bring_up_to_date",
    "needs_rebuild",
    "reindex_all",
    "session_factory",
]
