"""The query layer on a bare index (no database): the allowed-set cache, the parser's
limits, the time budget that must not bypass the permission filter, escaped snippets."""

from __future__ import annotations

import datetime as dt

import pytest
from whoosh import query as wq
from whoosh.collectors import FilterCollector, TimeLimit

from tavolo.search.collectors import Budget, BudgetCollector, RankedCollector
from tavolo.search.query import (
    AllowedCache,
    SearchQuery,
    SearchService,
    _parser,
    caller_tokens,
)
from tavolo.search.schema import SCHEMA
from tavolo.search.snippets import query_stems
from tavolo.search.snippets import snippet as make_snippet
from tavolo.search.storage import SearchIndex
from tavolo.security.principals import Principals


def add(index, doc_id, allowed, text, title="Documento"):
    writer = index.writer(timeout=5)
    writer.update_document(
        id=str(doc_id),
        path=f"/d{doc_id}/",
        title=title,
        content=f"{title}\n{text}",
        excerpt=text,
        type="page",
        state="published",
        allowed=allowed,
        date=dt.datetime(2024, 1, doc_id),
        year="2024",
    )
    writer.commit()


@pytest.fixture
def index(tmp_path):
    index = SearchIndex(tmp_path / "indice")
    add(index, 1, "role:Anonymous", "Il documento pubblico")
    add(index, 2, "user:5", "Il documento riservato")
    return index


def test_caller_tokens():
    assert caller_tokens(Principals()) == {"role:Anonymous"}
    partner = Principals(5, frozenset({7}), frozenset({3}), frozenset({"Reader"}))
    assert caller_tokens(partner) == {
        "user:5",
        "group:7",
        "org:3",
        "role:Anonymous",
        "role:Authenticated",
        "role:Reader",
    }


def test_the_allowed_set_is_cached_per_snapshot_and_tokens(index):
    cache = AllowedCache(size=2)
    anonymous = frozenset({"role:Anonymous"})
    with index.searcher() as searcher:
        first = cache.allowed(searcher, anonymous)
        assert cache.allowed(searcher, anonymous) is first
        assert cache.allowed(searcher, frozenset({"user:5"})) != first
    # A commit is a new snapshot: the next search sees the change at once.
    add(index, 2, "role:Anonymous", "Il documento ora pubblico")
    with index.searcher() as searcher:
        again = cache.allowed(searcher, anonymous)
        assert again is not first
        ids = {searcher.stored_fields(n)["id"] for n in again}
    assert ids == {"1", "2"}


def test_the_parser_cannot_name_other_fields_nor_expand_wildcards(index):
    with index.searcher() as searcher:
        parser = _parser(searcher.schema)
        for words in ("allowed:role:Anonymous", "state:private", "docu*", "[a TO z]"):
            fields = {name for name, _text in parser.parse(words).iter_all_terms()}
            assert fields <= {"content"}, words
        phrase = SearchService(None, None, None).parse(searcher.schema, '"documento pubblico"')
        assert [(q.fieldname, q.words) for q in phrase.leaves() if isinstance(q, wq.Phrase)] == [
            ("content", ["document", "pubblic"])
        ]


def test_the_time_budget_never_bypasses_the_permission_filter(index):
    """A ``TimeLimitCollector`` around the ``FilterCollector`` would collect every match:
    the filter must wrap the budget."""
    cache = AllowedCache()
    with index.searcher() as searcher:
        allowed = cache.allowed(searcher, frozenset({"role:Anonymous"}))
        query = _parser(searcher.schema).parse("documento")
        inner = searcher.collector(limit=10)
        timed = FilterCollector(BudgetCollector(inner, Budget(5.0)), allow=set(allowed))
        searcher.search_with_collector(query, timed)
        assert [hit["id"] for hit in inner.results()] == ["1"]
        ranked = RankedCollector(10, allow=allowed, budget=Budget(5.0))
        searcher.search_with_collector(query, ranked)
        assert [hit["id"] for hit in ranked.results()] == ["1"]

        # Out of time at once: nothing is collected, and the search says so.
        spent = Budget(5.0)
        spent.start = lambda: setattr(spent, "deadline", 0.0)
        inner = searcher.collector(limit=10)
        budget = BudgetCollector(inner, spent)
        with pytest.raises(TimeLimit):
            searcher.search_with_collector(wq.Every(), FilterCollector(budget, allow=set(allowed)))
        assert budget.timedout and budget.timer is None  # no timer thread was started
        assert inner.results().scored_length() == 0
        ranked = RankedCollector(10, allow=allowed, budget=spent)
        with pytest.raises(TimeLimit):
            searcher.search_with_collector(query, ranked)
        assert ranked.timedout and ranked.results().scored_length() == 0


def test_snippets_escape_everything_but_the_marks(index):
    text = "Un <b>documento</b> & <script>x()</script> altro"
    stems = query_stems(_parser(SCHEMA).parse("documenti"))
    snippet = make_snippet(text, stems)
    assert "<mark>documento</mark>" in snippet
    assert "<b>" not in snippet and "<script>" not in snippet
    assert "&lt;script&gt;" in snippet and "&amp;" in snippet


def test_a_query_without_words_or_filters_is_empty():
    assert SearchQuery().is_empty
    assert SearchQuery(below=3).is_empty
    assert not SearchQuery(year="2024").is_empty
    assert SearchQuery(year="2024", tag="x").without("tag").filters == {"year": "2024"}


def test_snippets_mark_what_the_index_matched_and_nothing_else():
    text = (
        "Premessa lunga. " * 20
        + "Le città della provincia e i documenti del Tavolo. "
        + "Altro testo. " * 30
        + "Della documentazione si occupa la Prefettura."
    )
    # Stemmed and accent-folded like the index: "citta" finds "città", "documento" finds
    # "documenti" and "documentazione"; stop words ("della") are never marked.
    stems = query_stems(_parser(SCHEMA).parse("citta documento della"))
    snippet = make_snippet(text, stems)
    assert "<mark>città</mark>" in snippet and "<mark>documenti</mark>" in snippet
    assert "<mark>documentazione</mark>" in snippet and "<mark>della</mark>" not in snippet
    assert " … " in snippet  # two passages, far apart
    assert make_snippet(text, query_stems(_parser(SCHEMA).parse("assente"))) is None
