"""Fixtures of the search tests.

``search_index``: a fresh index in the test's tmp dir, built from the test's database
(the demo network, inside the rolled-back ``connection``) and installed in the shared
application for the test, so that searches and the after-commit indexer of its requests
use it - never another test's index, never ``var/``.
"""

from __future__ import annotations

import pytest

from tavolo.search.indexer import apply_pending, reindex_all
from tavolo.search.storage import SearchIndex


@pytest.fixture
def search_index(tmp_path, wsgi_app, connection):
    registry = wsgi_app.registry
    index = SearchIndex(tmp_path / "search")
    reindex_all(connection, index, extractor=registry["tavolo.search_extractor"])
    saved = registry["tavolo.search_index"]
    registry["tavolo.search_index"] = index
    try:
        yield index
    finally:
        registry["tavolo.search_index"] = saved


@pytest.fixture
def apply_queue(connection, wsgi_app, search_index):
    """Apply what the test's own changes queued (changes made with ``dbsession``, not
    through a request, have no after-commit hook)."""

    def _apply() -> int:
        return apply_pending(
            connection, search_index, extractor=wsgi_app.registry["tavolo.search_extractor"]
        )

    return _apply


@pytest.fixture
def search_budget(wsgi_app):
    """A time budget no loaded test machine runs out of (the query side's tests; the
    budget itself is tested by forcing it to run out)."""
    settings = wsgi_app.registry.settings
    saved = settings.get("tavolo.search_time_budget_ms")
    settings["tavolo.search_time_budget_ms"] = "10000"
    yield
    if saved is None:
        settings.pop("tavolo.search_time_budget_ms", None)
    else:
        settings["tavolo.search_time_budget_ms"] = saved
