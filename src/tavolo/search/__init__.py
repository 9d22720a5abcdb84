"""Search: a permission-aware full-text index (Whoosh) fed by a transactional outbox.

The only package that imports Whoosh (DESIGN.md). Index side:

- ``analysis``: Italian analysis with stemming and accent folding;
- ``schema``: the fields of a document (a contract with the query side);
- ``storage.SearchIndex``: generations of the index, atomic swap, the single writer;
- ``allowed``: who may view a node, as tokens intersected down the path;
- ``documents``: nodes to documents, in batches;
- ``models`` / ``outbox``: the ``index_queue`` rows written by the domain events;
- ``indexer``: ``apply_pending`` (the queue, after each commit and at start-up) and
  ``reindex_all`` (a full rebuild; also when the workflow definitions changed).

Settings: ``tavolo.search_dir`` (the index's base directory; empty: a temporary one for
this process, as the tests use) and ``tavolo.search_build_on_start`` (default true: build
the index at start-up when there is none or the workflow definitions changed).
"""

import logging

from pyramid.settings import asbool

log = logging.getLogger(__name__)


def extractor_for(registry):
    """The text extractor of attachments, on the application's blob store."""
    from tavolo.files.extract import TextExtractor

    store = registry.get("tavolo.blobs")
    return TextExtractor(store) if store is not None else None


def start_up(registry) -> str | None:
    """Bring the index up to date at start-up. Never fails the start: an unwritable
    directory or a database without the table is logged, and the index catches up later
    (after the next commit, or with ``tavolo-index``)."""
    from tavolo.search.indexer import bring_up_to_date

    settings = registry.settings or {}
    try:
        return bring_up_to_date(
            registry["dbsession_factory"],
            registry["tavolo.search_index"],
            extractor=registry.get("tavolo.search_extractor"),
            rebuild=asbool(settings.get("tavolo.search_build_on_start", True)),
        )
    except Exception:
        log.exception("the search index could not be brought up to date at start-up")
        return None


def includeme(config):
    from tavolo.search.storage import SearchIndex

    settings = config.get_settings()
    config.registry["tavolo.search_index"] = SearchIndex.from_settings(settings)
    config.registry["tavolo.search_extractor"] = extractor_for(config.registry)
    config.include("tavolo.search.outbox")
    start_up(config.registry)
    # views (query side)
    config.scan("tavolo.search.views")
    config.scan("tavolo.search.archive_views")
