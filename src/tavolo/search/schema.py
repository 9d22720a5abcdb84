"""The index schema: one document per live node (the site root excluded).

The field names are a contract with the query side (``query``, ``facets``, ``archive``);
``allowed`` holds the tokens that may view the node (``tavolo.search.allowed``).
"""

from __future__ import annotations

from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema

from tavolo.search.analysis import italian_analyzer

# Part of the index's version (``indexer.index_version``): an index built with another
# schema is rebuilt at start-up.
SCHEMA_VERSION = 3
# The beginning of a document's text kept for snippets. The text itself is indexed, not
# stored: a query re-checks up to a thousand hits, and reading a hit's stored fields
# unpickles all of them - with whole PDFs in there, megabytes per query.
EXCERPT_CHARS = 8_000


def make_schema() -> Schema:
    analyzer = italian_analyzer()
    return Schema(
        # A column too: the re-check reads the ids of its hits without their stored fields.
        id=ID(stored=True, unique=True, sortable=True),
        path=ID(stored=True),
        ancestors=KEYWORD(scorable=False),
        title=TEXT(analyzer=analyzer, stored=True, field_boost=3.0),
        description=TEXT(analyzer=analyzer, stored=True),
        text=TEXT(analyzer=analyzer),
        excerpt=STORED,
        type=ID(stored=True),
        state=ID(stored=True),
        tags=KEYWORD(stored=True, commas=True, lowercase=True),
        organisation=ID(stored=True),
        year=ID(stored=True),
        month=ID(stored=True),
        date=DATETIME(stored=True, sortable=True),
        # Kept, not indexed: no query ranges over them (the re-check reads the database),
        # and each indexed DATETIME costs a dozen trie terms per document.
        modified=STORED,
        effective=STORED,
        expires=STORED,
        allowed=KEYWORD(),
        language=ID(stored=True),
    )


SCHEMA = make_schema()
