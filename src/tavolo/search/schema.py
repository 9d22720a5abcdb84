"""The index schema: one document per live node (the site root excluded).

The field names are a contract with the query side (``query``, ``facets``, ``archive``);
``allowed`` holds the tokens that may view the node (``tavolo.search.allowed``).
"""

from __future__ import annotations

from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema

from tavolo.search.analysis import italian_analyzer

# Part of the index's version (``indexer.index_version``): an index built with another
# schema is rebuilt at start-up.
SCHEMA_VERSION = 4
# The beginning of a document's text kept for snippets. The text itself is indexed, not
# stored: a query re-checks up to a thousand hits, and reading a hit's stored fields
# unpickles all of them - with whole PDFs in there, megabytes per query.
EXCERPT_CHARS = 8_000
# How many times a document's title is written into ``content``: a word of the title
# counts as that many occurrences (BM25's term frequency), so a title match ranks above
# a passing mention in the text - the weight the title had as a field of its own.
TITLE_WEIGHT = 3


def make_schema() -> Schema:
    return Schema(
        # A column too: the re-check reads the ids of its hits without their stored fields.
        id=ID(stored=True, unique=True, sortable=True),
        path=ID(stored=True),
        ancestors=KEYWORD(scorable=False),
        # The words searched: title, description and text in one field, as Plone's
        # SearchableText. One posting list per word instead of three: Whoosh scores a
        # common word in tens of thousands of documents at 100,000, and walking three
        # lists of them was most of a query's time (docs/performance.md).
        content=TEXT(analyzer=italian_analyzer()),
        title=STORED,
        description=STORED,
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
