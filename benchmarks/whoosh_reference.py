"""The reference the search benchmark compares Tavolo with: a bare Whoosh index of the same
documents (Italian analysis, no permissions beyond a plain token filter, no database),
batch-indexed like STACK.md measured it - batches committed with ``merge=False`` - in
batches of Tavolo's rebuild segment size (``REBUILD_SEGMENT``), so that both indexes have
the same number of segments when their queries are timed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import pathlib
import time

from whoosh import fields, index
from whoosh.analysis import LanguageAnalyzer
from whoosh.collectors import TimeLimit, TimeLimitCollector
from whoosh.qparser import MultifieldParser
from whoosh.query import Or, Term
from whoosh.sorting import FieldFacet

from tavolo.search.indexer import REBUILD_MEMORY_MB, REBUILD_SEGMENT
from tavolo.search.schema import TITLE_WEIGHT


def schema() -> fields.Schema:
    italian = LanguageAnalyzer("it")
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        title=fields.TEXT(analyzer=italian, stored=True, field_boost=3.0),
        description=fields.TEXT(analyzer=italian, stored=True),
        text=fields.TEXT(analyzer=italian, stored=True),
        type=fields.ID(stored=True),
        year=fields.ID(stored=True),
        allowed=fields.KEYWORD,
    )


def minimal_fields(document, allowed: list[str]) -> dict:
    return {
        "id": str(document.number),
        "title": document.title,
        "description": document.description,
        "text": document.text,
        "type": document.type,
        "year": str(document.year),
        "allowed": " ".join(allowed),
    }


def tavolo_fields(document, allowed: list[str]) -> dict:
    """The fields Tavolo's schema has, filled from the document alone (no database)."""
    when = dt.datetime(document.year, document.month, 15, 10)
    plain = minimal_fields(document, allowed)
    text = plain.pop("text")
    return {
        **plain,
        "content": "\n".join([document.title] * TITLE_WEIGHT + [document.description, text]),
        "path": f"/d/{document.number}/",
        "ancestors": "1 2",
        "excerpt": document.text[:8000],
        "state": "published",
        "tags": ",".join(document.tags),
        "organisation": str(document.organisation),
        "month": f"{document.year:04d}-{document.month:02d}",
        "date": when,
        "modified": when,
        "effective": when,
        "expires": None,
        "language": "it",
    }


def build(
    directory, documents, allowed_for, the_schema=None, fields_of=minimal_fields
) -> tuple[index.Index, int, float]:
    """Index ``documents``; ``allowed_for(document)`` gives its allowed tokens. Returns
    the index, the number of documents and the seconds it took."""
    pathlib.Path(directory).mkdir(parents=True, exist_ok=True)
    ix = index.create_in(str(directory), the_schema or schema())
    start = time.perf_counter()
    writer = ix.writer(limitmb=REBUILD_MEMORY_MB)
    count = 0
    for document in documents:
        writer.add_document(**fields_of(document, allowed_for(document)))
        count += 1
        if count % REBUILD_SEGMENT == 0:
            writer.commit(merge=False)
            writer = ix.writer(limitmb=REBUILD_MEMORY_MB)
    writer.commit(merge=False)
    return ix, count, time.perf_counter() - start


class BareQueries:
    """Term, phrase and faceted queries on the bare index, filtered by ``tokens`` the way
    a permission-aware search must be (an Or of the caller's tokens on ``allowed``)."""

    def __init__(self, ix: index.Index, tokens: list[str], budget: float = 0.25):
        self.ix = ix
        self.searcher = ix.searcher()
        self.parser = MultifieldParser(["title", "description", "text"], ix.schema)
        self.filter = Or([Term("allowed", token) for token in tokens])
        self.budget = budget

    def term(self, words: str):
        return self.searcher.search(self.parser.parse(words), limit=10, filter=self.filter)

    def phrase(self, words: str):
        collector = TimeLimitCollector(
            self.searcher.collector(limit=10, filter=self.filter),
            timelimit=self.budget,
            use_alarm=False,
        )
        with contextlib.suppress(TimeLimit):  # what was found in time is the answer
            self.searcher.search_with_collector(self.parser.parse(f'"{words}"'), collector)
        return collector.results()

    def faceted(self, words: str):
        return self.searcher.search(
            self.parser.parse(words),
            limit=10,
            filter=self.filter,
            groupedby={"type": FieldFacet("type"), "year": FieldFacet("year")},
        )

    def close(self) -> None:
        self.searcher.close()
