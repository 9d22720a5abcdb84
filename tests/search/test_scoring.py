"""The relevance model: Whoosh's BM25F scores, only computed from length tables."""

from __future__ import annotations

import random

import pytest
from whoosh import fields, index
from whoosh.qparser import MultifieldParser
from whoosh.scoring import BM25F

from tavolo.search.scoring import TableBM25F

WORDS = [
    "permesso",
    "soggiorno",
    "pediatra",
    "alloggio",
    "scuola",
    "lavoro",
    "prefettura",
    "comune",
]


@pytest.fixture
def ix(tmp_path):
    schema = fields.Schema(
        id=fields.ID(stored=True, unique=True),
        title=fields.TEXT(field_boost=3.0),
        text=fields.TEXT,
    )
    ix = index.create_in(str(tmp_path), schema)
    rng = random.Random(7)
    # Three segments, and documents deleted and replaced in between: the tables are per
    # segment and docnums count the deleted ones.
    for _segment in range(3):
        writer = ix.writer()
        for _number in range(150):
            doc_id = str(rng.randrange(300))
            writer.update_document(
                id=doc_id,
                title=" ".join(rng.choices(WORDS, k=rng.randint(1, 4))),
                text=" ".join(rng.choices(WORDS, k=rng.randint(1, 300))),
            )
        writer.commit(merge=False)
    return ix


@pytest.mark.parametrize("words", ["pediatra", "permesso soggiorno", "scuola OR lavoro"])
def test_the_same_hits_in_the_same_order_with_the_same_scores(ix, words):
    parser = MultifieldParser(["title", "text"], ix.schema)
    query = parser.parse(words)
    with ix.searcher(weighting=BM25F()) as plain, ix.searcher(weighting=TableBM25F()) as fast:
        assert len(plain.reader().leaf_readers()) == 3
        for limit in (5, 40, None):
            expected = plain.search(query, limit=limit)
            found = fast.search(query, limit=limit)
            assert [h.docnum for h in found] == [h.docnum for h in expected]
            assert [h.score for h in found] == pytest.approx([h.score for h in expected])
            assert len(found) > 0
