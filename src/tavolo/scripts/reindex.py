"""``tavolo-reindex CONFIG`` rebuilds the search index; ``tavolo-index CONFIG`` applies
its queue.

``tavolo-reindex`` reads every live node from the database into a new index generation
(batches of ``--batch-size`` documents, a running count on stderr) and swaps it in
atomically: searches keep answering from the old index until the new one is complete.
Changes committed meanwhile stay queued and are applied right after the swap.

``tavolo-index`` does what an application process does at start-up: a full rebuild when
there is no index yet or the workflow definitions changed (their hash differs from the
one stored with the index), then the queue - the rows a crash, a busy writer or a script
left behind. Run it from cron to bound how long such rows can wait.

The index is ``tavolo.search_dir`` of the ini file (default ``var/search`` beside it).
"""

from __future__ import annotations

import argparse
import sys
import time

from pyramid.paster import get_appsettings, setup_logging
from sqlalchemy import func, select
from whoosh.index import LockError

from tavolo import settings as tavolo_settings
from tavolo.content.models import Node
from tavolo.db import get_engine
from tavolo.files.blobstore import BlobStore
from tavolo.files.extract import TextExtractor
from tavolo.search.indexer import (
    REBUILD_BATCH,
    apply_pending,
    bring_up_to_date,
    reindex_all,
)
from tavolo.search.storage import SearchIndex


class ProgressBar:
    """``[#####.....] 1500/10000`` on stderr: redrawn in place on a terminal, a line per
    update otherwise (logs of cron jobs)."""

    WIDTH = 30

    def __init__(self, total: int, stream=None):
        self.total = max(total, 1)
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()

    def __call__(self, count: int) -> None:
        filled = min(self.WIDTH, self.WIDTH * count // self.total)
        bar = "#" * filled + "." * (self.WIDTH - filled)
        line = f"[{bar}] {count}/{self.total}"
        self.stream.write(f"\r{line}" if self.tty else f"{line}\n")
        self.stream.flush()

    def done(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


def _live_count(engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(
            select(func.count(Node.id)).where(
                Node.parent_id.is_not(None), Node.trashed_at.is_(None)
            )
        )


def _load(config_uri: str):
    setup_logging(config_uri)
    appsettings = get_appsettings(config_uri)
    settings = tavolo_settings.load(getattr(appsettings, "global_conf", None), dict(appsettings))
    index = SearchIndex.from_settings(settings)
    extractor = TextExtractor(BlobStore.from_settings(settings))
    return settings, index, extractor


def reindex_main(argv=sys.argv) -> int:
    parser = argparse.ArgumentParser(description="Rebuild the search index.")
    parser.add_argument("config_uri", help="the ini file, e.g. production.ini")
    parser.add_argument(
        "--batch-size", type=int, default=REBUILD_BATCH, help="default: %(default)s"
    )
    args = parser.parse_args(argv[1:])
    settings, index, extractor = _load(args.config_uri)
    engine = get_engine(settings)
    progress = ProgressBar(_live_count(engine))
    started = time.monotonic()
    try:
        count = reindex_all(
            engine, index, extractor=extractor, batch_size=args.batch_size, progress=progress
        )
        applied = apply_pending(engine, index, extractor=extractor, timeout=30.0)
    except LockError:
        progress.done()
        print("Another process is writing the index: try again later.", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    progress.done()
    elapsed = time.monotonic() - started
    rate = count / elapsed if elapsed else 0.0
    print(
        f"Index rebuilt: {count} documents in {elapsed:.1f} s ({rate:.0f}/s), "
        f"{applied} queued changes applied after the swap; now in {index.current_dir}"
    )
    return 0


def index_main(argv=sys.argv) -> int:
    parser = argparse.ArgumentParser(description="Apply the search index queue.")
    parser.add_argument("config_uri", help="the ini file, e.g. production.ini")
    args = parser.parse_args(argv[1:])
    settings, index, extractor = _load(args.config_uri)
    engine = get_engine(settings)
    try:
        outcome = bring_up_to_date(engine, index, extractor=extractor)
    finally:
        engine.dispose()
    if outcome == "busy":
        print("Another process is rebuilding the index: its queue waits for it.", file=sys.stderr)
        return 1
    print("Index rebuilt and queue applied." if outcome == "rebuilt" else "Queue applied.")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(reindex_main())
