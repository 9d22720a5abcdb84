"""``RankedCollector`` finds what Whoosh's own collectors find - the same documents, in
the same order, with the same scores - whether it reads a word's postings by blocks or
goes through Whoosh's loop, on segments with deleted and replaced documents."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh import fields, index
from whoosh import query as wq
from whoosh.collectors import FilterCollector, TopCollector

from tavolo.search.collectors import (
    BLOCK_CACHE,
    BlockCache,
    Budget,
    RankedCollector,
    _headers,
    plain_postings,
)
from tavolo.search.scoring import TableBM25F

# Frequent words (in most documents: long posting lists, many blocks) and rare ones
# (a few documents: one short block).
COMMON = ["permesso", "soggiorno", "scuola", "lavoro"]
RARE = ["pediatra", "alloggio"]
TOKENS = ["role:Anonymous", "role:Authenticated", "user:7", "org:3"]
YEARS = ["2023", "2024", "2025"]
TYPES = ["page", "news", "file"]


@pytest.fixture(scope="module")
def ix(tmp_path_factory):
    schema = fields.Schema(
        id=fields.ID(stored=True, unique=True),
        content=fields.TEXT,
        allowed=fields.KEYWORD,
        year=fields.ID,
        type=fields.ID,
    )
    ix = index.create_in(str(tmp_path_factory.mktemp("collectors")), schema)
    rng = random.Random(11)
    # Three segments; documents replaced across them, so every segment but the last has
    # deletions (the postings then come behind Whoosh's filter of deleted documents).
    for _segment in range(3):
        writer = ix.writer()
        for _number in range(700):
            words = rng.choices(COMMON, k=rng.randint(1, 60))
            if rng.random() < 0.01:
                words.append(rng.choice(RARE))
            writer.update_document(
                id=str(rng.randrange(1500)),
                content=" ".join(words),
                allowed=" ".join(rng.sample(TOKENS, rng.randint(1, 2))),
                year=rng.choice(YEARS),
                type=rng.choice(TYPES),
            )
        writer.commit(merge=False)
    return ix


def whoosh_hits(searcher, word, limit, allowed, filters, restrict):
    query = wq.And([wq.Term("content", word), *filters]) if filters else wq.Term("content", word)
    top = TopCollector(limit=limit)
    searcher.search_with_collector(query, FilterCollector(top, allow=allowed, restrict=restrict))
    # An And adds the filters' constant scores: only the order and the words' own scores
    # (below) are compared.
    return [hit.docnum for hit in top.results()]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    word=st.sampled_from(COMMON + RARE),
    limit=st.integers(min_value=1, max_value=400),
    tokens=st.sets(st.sampled_from(TOKENS), min_size=1),
    year=st.sampled_from([None, *YEARS]),
    excluded=st.sampled_from([None, "file"]),
    every_docnum=st.booleans(),
    small_cache=st.booleans(),
)
def test_the_same_hits_as_whoosh(
    ix, word, limit, tokens, year, excluded, every_docnum, small_cache
):
    with ix.searcher(weighting=TableBM25F()) as searcher:
        if every_docnum:  # deleted documents included: the segments' deletions must count
            allowed = set(range(searcher.doc_count_all()))
        else:
            query = wq.Or([wq.Term("allowed", token) for token in tokens])
            allowed = set(searcher.docs_for_query(query))
        filters = [wq.Term("year", year)] if year else []
        restrict = wq.Term("type", excluded) if excluded else None
        ranked = RankedCollector(
            limit,
            allow=allowed,
            require=[set(searcher.docs_for_query(term)) for term in filters],
            restrict=restrict,
            budget=Budget(60.0),
            # Decoded blocks kept across searches (the module's cache), or a cache too
            # small for one word's blocks: read again, dropped, read again.
            cache=BlockCache(max_postings=300) if small_cache else BLOCK_CACHE,
        )
        searcher.search_with_collector(wq.Term("content", word), ranked)
        found = ranked.results()
        assert [hit.docnum for hit in found] == whoosh_hits(
            searcher, word, limit, allowed, filters, restrict
        )
        # The scores are the word's BM25F scores, as Whoosh computes them.
        plain = TopCollector(limit=searcher.doc_count_all())
        searcher.search_with_collector(wq.Term("content", word), plain)
        expected = {hit.docnum: hit.score for hit in plain.results()}
        assert [hit.score for hit in found] == [expected[hit.docnum] for hit in found]
        deleted = {n for n in range(searcher.doc_count_all()) if searcher.reader().is_deleted(n)}
        assert deleted
        for hit in found:
            assert hit.docnum in allowed and hit.docnum not in deleted
            assert not excluded or hit.docnum not in set(searcher.docs_for_query(restrict))


def test_common_words_are_read_by_blocks_and_skip_blocks(ix):
    """The case the collector is for: long posting lists, in segments with deletions."""
    with ix.searcher(weighting=TableBM25F()) as searcher:
        leaves = searcher.leaf_searchers()
        kinds = []
        for leaf, _offset in leaves:
            postings, deleted = plain_postings(wq.Term("content", "permesso").matcher(leaf))
            kinds.append((postings is not None, deleted is not None))
        assert kinds == [(True, True), (True, True), (True, False)]
        phrase = wq.Phrase("content", ["permesso", "soggiorno"]).matcher(leaves[-1][0])
        assert plain_postings(phrase) == (None, None)  # not one word: Whoosh's loop

        everyone = set(range(searcher.doc_count_all()))
        ranked = RankedCollector(5, allow=everyone, budget=Budget(60.0))
        searcher.search_with_collector(wq.Term("content", "permesso"), ranked)
        assert ranked.results().scored_length() == 5
        # A small cache stays small.
        small = BlockCache(max_postings=300)
        for word in COMMON:
            ranked = RankedCollector(50, allow=everyone, budget=Budget(60.0), cache=small)
            searcher.search_with_collector(wq.Term("content", word), ranked)
        assert 0 < small._size <= 300


def test_blocks_that_cannot_reach_the_top_list_are_not_read(tmp_path):
    """A word said many times in a few documents and once in thousands of others: read
    best first, the blocks of the few fill the top list and the others stay unread."""
    schema = fields.Schema(id=fields.ID(stored=True), content=fields.TEXT)
    ix = index.create_in(str(tmp_path), schema)
    writer = ix.writer()
    filler = " ".join(["lavoro", "scuola", "comune"] * 20)
    for number in range(3000):
        times = 20 if number % 600 == 0 else 1
        writer.add_document(id=str(number), content=" ".join(["permesso"] * times) + " " + filler)
    writer.commit()
    with ix.searcher(weighting=TableBM25F()) as searcher:
        [(leaf, _offset)] = searcher.leaf_searchers()
        postings, _deleted = plain_postings(wq.Term("content", "permesso").matcher(leaf))
        total = len(_headers(postings, "segment", BlockCache()))
        ranked = RankedCollector(5, allow=set(range(3000)), budget=Budget(60.0))
        searcher.search_with_collector(wq.Term("content", "permesso"), ranked)
        assert sorted(int(hit["id"]) for hit in ranked.results()) == [0, 600, 1200, 1800, 2400]
        assert total > 20 and ranked.blocks_read <= 5
