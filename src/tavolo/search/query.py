"""Searching the index as one caller: words, filters, order, and only what they may see.

Three layers keep a search from showing what the caller may not see:

1. every query is filtered by the documents whose ``allowed`` tokens meet the caller's
   (principals, ``role:<global role>``, the pseudo-roles), a set computed once per index
   snapshot and token set and cached;
2. every hit the index returns is re-checked against the database with the real security
   policy (the node's lineage, grants, state and dates, the trash): an index entry that
   lags behind the database never shows a document the caller may no longer see;
3. facet counts are made from the re-checked hits only.

The index may be slow on phrase queries of common words: every search runs under a time
budget and says when it stopped early instead of holding a worker.

No Pyramid here: the caller passes a ``RoleCalculator`` (the request's, or any user's).
"""

from __future__ import annotations

import datetime as dt
import math
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field, replace

from sqlalchemy import select
from sqlalchemy.orm import selectinload
from whoosh import qparser
from whoosh import query as wq
from whoosh.collectors import FilterCollector, TimeLimit

from tavolo.content.models import Node
from tavolo.content.tree import attach_lineages
from tavolo.search.collectors import Budget, BudgetCollector, RankedCollector
from tavolo.search.facets import FacetCounts, count_facets, document_month, document_year
from tavolo.search.snippets import query_stems, snippet
from tavolo.security.roles import EDIT, REVIEW, VIEW
from tavolo.web.pagination import Page
from tavolo.workflow import permission_roles

SORTS = ("relevance", "date")
MAX_QUERY_LENGTH = 500
DEFAULT_TIME_BUDGET = 0.25  # seconds (setting ``tavolo.search_time_budget_ms``)
# Hits re-checked per search (the most relevant, or the latest): results and facets are
# counted over these many at most - more when someone pages beyond them. Whoosh stops
# scoring early only once its top list is full, so the cap sets the cost of a query on a
# big index more than anything else (docs/performance.md).
DEFAULT_CHECK_CAP = 50
_IN_CHUNK = 500
# Highlighting analyses the excerpt again (~20 hits a page): its first 4,000 characters.
_HIGHLIGHT_CHARS = 4_000

# Parser syntax a visitor has no use for, or that would let a query name index fields
# (``allowed:...``) or expand into thousands of terms (wildcards, ranges). Italian text is
# full of apostrophes: single quotes are not phrase marks.
_REMOVED_PLUGINS = (
    qparser.FieldsPlugin,
    qparser.WildcardPlugin,
    qparser.RangePlugin,
    qparser.SingleQuotePlugin,
    qparser.EveryPlugin,
    qparser.BoostPlugin,
)


@dataclass(frozen=True)
class SearchQuery:
    """What the caller asked for. ``None`` means "no filter"."""

    words: str = ""
    type: str | None = None
    year: str | None = None
    month: str | None = None  # "YYYY-MM" (the archive's months)
    organisation: str | None = None
    tag: str | None = None
    state: str | None = None
    below: int | None = None  # a folder's id: only what lies under it
    sort: str = "relevance"

    @property
    def filters(self) -> dict[str, str]:
        """The facet filters that are set, by facet name."""
        values = {
            "type": self.type,
            "year": self.year,
            "month": self.month,
            "organisation": self.organisation,
            "tag": self.tag,
            "state": self.state,
        }
        return {k: v for k, v in values.items() if v}

    @property
    def is_empty(self) -> bool:
        """No words and no filter: nothing to search for (``below`` alone is not a
        search)."""
        return not self.words.strip() and not self.filters

    def without(self, facet: str) -> SearchQuery:
        return replace(self, **{facet: None})


@dataclass(frozen=True)
class SearchHit:
    node: Node
    # Highlighted text, HTML-escaped with ``<mark>`` around the matched words; None when
    # nothing matched in the text (the description is shown instead).
    snippet: str | None
    date: dt.datetime


@dataclass
class SearchResults:
    hits: list[SearchHit] = field(default_factory=list)
    page: Page = field(default_factory=lambda: Page(number=1, size=20, total=0))
    total: int = 0  # hits the caller may see (of those checked)
    facets: FacetCounts = field(default_factory=FacetCounts)
    # More documents matched than were checked: totals and facets cover the first ones.
    capped: bool = False
    # The time budget ran out: what was found in time is shown.
    incomplete: bool = False
    # The words gave no query (only stop words, or nothing the parser understood).
    no_terms: bool = False


def document_date(node: Node) -> dt.datetime:
    """The document date the index's ``date`` and ``year`` hold: publication, else
    creation."""
    return node.effective or node.created


def caller_tokens(principals) -> frozenset[str]:
    """The ``allowed`` tokens of a caller: their principals and every role they hold
    everywhere (``role:Anonymous`` for all, ``role:Authenticated`` when logged in)."""
    roles = principals.pseudo_roles | principals.global_roles
    return frozenset(principals.as_strings()) | {f"role:{role}" for role in roles}


class AllowedCache:
    """The documents a token set may see, per index snapshot: computing the set is the
    costly part of a filtered query; the set is then passed as ``filter=``.

    The key is the snapshot (index directory, generation and segment ids: a rebuilt index
    in a new directory, or a commit, never reuses an entry) and the frozen token set."""

    def __init__(self, size: int = 96):
        self.size = size
        self._lock = threading.Lock()
        self._entries: OrderedDict = OrderedDict()

    @staticmethod
    def snapshot_key(searcher) -> tuple:
        reader = searcher.reader()
        storage = getattr(getattr(searcher, "_ix", None), "storage", None)
        folder = getattr(storage, "folder", None) or id(storage)
        segments = []
        for leaf, _offset in reader.leaf_readers():
            segment = leaf.segment() if hasattr(leaf, "segment") else None
            # An empty index has a reader without segments: its set is empty anyway.
            segments.append(segment.segment_id() if segment is not None else type(leaf).__name__)
        return (folder, reader.generation(), tuple(segments))

    def allowed(self, searcher, tokens: frozenset[str]) -> set[int]:
        """The docnums ``tokens`` may see in ``searcher``'s snapshot. A ``set`` (what
        Whoosh's filters take without copying it: 75,000 docnums cost ~3 ms to copy) that
        callers must not change."""
        query = wq.Or([wq.Term("allowed", token) for token in sorted(tokens)])
        return self._docs(searcher, tokens, query)

    def matching(self, searcher, term: wq.Term) -> set[int]:
        """The docnums ``term`` (a facet filter: a year, a type...) matches, kept like the
        allowed sets: a filtered search checks its hits against these sets instead of
        intersecting the term's postings with the words' (``RankedCollector``)."""
        return self._docs(searcher, ("term", term.fieldname, term.text), term)

    def _docs(self, searcher, what, query) -> set[int]:
        key = (self.snapshot_key(searcher), what)
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return found
        docs = set(searcher.docs_for_query(query))
        with self._lock:
            self._entries[key] = docs
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return docs

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


# One cache per process: searchers of the same snapshot share it across requests.
ALLOWED_CACHE = AllowedCache()


# The ``id`` column's reader of each kept searcher: opening one reads the offsets of every
# document (~8 ms a query at 100,000 documents); a searcher's snapshot never changes.
_ID_COLUMNS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_ID_COLUMNS_LOCK = threading.Lock()


def id_column(searcher):
    """The node ids of ``searcher``'s documents, by docnum (bytes or str)."""
    with _ID_COLUMNS_LOCK:
        column = _ID_COLUMNS.get(searcher)
        if column is None:
            column = _ID_COLUMNS[searcher] = searcher.reader().column_reader("id")
        return column


def _parser(schema) -> qparser.QueryParser:
    parser = qparser.QueryParser("content", schema, group=qparser.AndGroup)
    for plugin in _REMOVED_PLUGINS:
        parser.remove_plugin_class(plugin)
    return parser


def _filter_terms(search: SearchQuery) -> list[wq.Query]:
    terms: list[wq.Query] = []
    if search.type:
        terms.append(wq.Term("type", search.type))
    if search.year:
        terms.append(wq.Term("year", search.year))
    if search.month:
        terms.append(wq.Term("month", search.month))
    if search.organisation:
        terms.append(wq.Term("organisation", search.organisation))
    if search.tag:
        terms.append(wq.Term("tags", search.tag.strip().lower()))
    if search.state:
        terms.append(wq.Term("state", search.state))
    if search.below is not None:
        terms.append(wq.Term("ancestors", str(search.below)))
    return terms


def _matches_database(node: Node, search: SearchQuery, below_path: str | None) -> bool:
    """The filters again, on the database's values: an index entry that lags behind (a
    state changed, a tag removed, a move) does not put a node under the wrong facet."""
    if search.type and node.type != search.type:
        return False
    if search.state and node.state != search.state:
        return False
    if search.year and document_year(node) != search.year:
        return False
    if search.month and document_month(node) != search.month:
        return False
    if search.organisation and str(node.responsible_organisation_id or "") != search.organisation:
        return False
    if search.tag and search.tag.strip().lower() not in {t.lower() for t in node.tags}:
        return False
    if below_path is None:
        return True
    return node.path != below_path and node.path.startswith(below_path)


class SearchService:
    def __init__(
        self,
        dbsession,
        index,
        calculator,
        *,
        time_budget: float = DEFAULT_TIME_BUDGET,
        check_cap: int = DEFAULT_CHECK_CAP,
        cache: AllowedCache = ALLOWED_CACHE,
    ):
        self.dbsession = dbsession
        self.index = index
        self.calculator = calculator
        self.time_budget = time_budget
        self.check_cap = check_cap
        self.cache = cache

    @property
    def tokens(self) -> frozenset[str]:
        return caller_tokens(self.calculator.principals)

    # the query --------------------------------------------------------------------
    def parse(self, schema, words: str) -> wq.Query | None:
        """The user's words as a query over title, description and text (``content``): all
        words must match, "quoted words" are a phrase; None when they give no term."""
        words = (words or "").strip()[:MAX_QUERY_LENGTH]
        if not words:
            return wq.Every()
        try:
            parsed = _parser(schema).parse(words)
        except Exception:  # noqa: BLE001 - a query the parser chokes on finds nothing
            return None
        if parsed is wq.NullQuery or isinstance(parsed, type(wq.NullQuery)):
            return None
        return parsed

    def search(
        self,
        search: SearchQuery,
        page: int = 1,
        page_size: int = 20,
        exclude_types: frozenset[str] | set[str] = frozenset(),
    ) -> SearchResults:
        """The ``page``-th page of what the caller may see (clamped to the pages that
        exist), with the facet counts of every visible hit checked."""
        below_path = None
        if search.below is not None:
            folder = self.dbsession.get(Node, search.below)
            if folder is None:
                return SearchResults()
            below_path = folder.path
        with self.index.searcher() as searcher:
            parsed = self.parse(searcher.schema, search.words)
            if parsed is None:
                return SearchResults(no_terms=True)
            filters = _filter_terms(search)
            allowed = self.cache.allowed(searcher, self.tokens)
            if not allowed:
                return SearchResults()
            # The hits re-checked: the check cap, or enough to know that the page after
            # the asked one exists (whoever pages on wants more than the cap).
            checked = max(self.check_cap, (max(page, 1) + 1) * page_size)
            restrict = (
                wq.Or([wq.Term("type", name) for name in sorted(exclude_types)])
                if exclude_types
                else None
            )
            budget = Budget(self.time_budget)
            if search.words.strip() and search.sort != "date":
                # By relevance: the filters as document sets, the words alone scored.
                collector = RankedCollector(
                    checked + 1,
                    allow=allowed,
                    require=[self.cache.matching(searcher, term) for term in filters],
                    restrict=restrict,
                    budget=budget,
                )
                timed = collector
                whole = parsed
            else:
                collector = searcher.collector(limit=checked + 1, sortedby="date", reverse=True)
                timed = FilterCollector(
                    BudgetCollector(collector, budget), allow=allowed, restrict=restrict
                )
                whole = wq.And([parsed, *filters]) if filters else parsed
            incomplete = False
            try:
                searcher.search_with_collector(whole, timed)
            except TimeLimit:
                incomplete = True
            found = collector.results()
            hits = list(found[:checked])
            capped = found.scored_length() > checked
            # The ids from the column: a hit's stored fields are read only if it is shown.
            ids = id_column(searcher)
            visible = [
                (hit, node)
                for hit, node in self._recheck(hits, ids, search, below_path)
                if node.type not in exclude_types
            ]
            pages = max(1, math.ceil(len(visible) / page_size))
            listing = Page(number=min(max(page, 1), pages), size=page_size, total=len(visible))
            shown = visible[listing.offset : listing.offset + listing.size]
            stems = query_stems(parsed)
            results = [
                SearchHit(node, self._snippet(hit, search, stems), document_date(node))
                for hit, node in shown
            ]
        facets = count_facets(
            self.dbsession,
            [node for _hit, node in visible],
            editable=[node for _hit, node in visible if self._may_edit(node)],
        )
        return SearchResults(
            hits=results,
            page=listing,
            total=len(visible),
            facets=facets,
            capped=capped,
            incomplete=incomplete,
        )

    # the re-check -----------------------------------------------------------------
    def _load(self, ids: list[int]) -> dict[int, Node]:
        # The common columns are all the re-check, the facets and the results need: no
        # join of every type's table.
        nodes: dict[int, Node] = {}
        for start in range(0, len(ids), _IN_CHUNK):
            chunk = ids[start : start + _IN_CHUNK]
            query = (
                select(Node)
                .where(Node.id.in_(chunk), Node.trashed_at.is_(None))
                .options(selectinload(Node.tag_rows))
            )
            nodes.update((node.id, node) for node in self.dbsession.scalars(query))
        attach_lineages(self.dbsession, nodes.values())
        self.calculator.preload(nodes.values())
        return nodes

    def _may_view(self, node: Node) -> bool:
        if node._lineage is None:  # a broken chain: an ancestor is gone
            return False
        if any(ancestor.trashed_at is not None for ancestor in node.lineage):
            return False
        return self.calculator.permits(node, VIEW)

    def _may_edit(self, node: Node) -> bool:
        """Whether the caller may edit or review ``node`` - a visible node, so its
        ancestors are already known to be visible: one look at its roles is enough (the
        state facet is asked about every visible hit)."""
        wanted = permission_roles(node.state, EDIT) | permission_roles(node.state, REVIEW)
        return bool(wanted & self.calculator.roles_on(node))

    def _recheck(self, hits, id_column, search: SearchQuery, below_path: str | None):
        pairs = []
        for hit in hits:
            value = id_column[hit.docnum]
            if isinstance(value, bytes):
                value = value.decode("ascii", "replace")
            if value.isdigit():
                pairs.append((hit, int(value)))
        nodes = self._load([node_id for _hit, node_id in pairs])
        visible = []
        for hit, node_id in pairs:
            node = nodes.get(node_id)
            if node is None or node.path == "/":
                continue
            if not self._may_view(node) or not _matches_database(node, search, below_path):
                continue
            visible.append((hit, node))
        return visible

    # snippets ---------------------------------------------------------------------
    @staticmethod
    def _snippet(hit, search: SearchQuery, stems: frozenset[str]) -> str | None:
        if not search.words.strip():
            return None
        # The text is indexed, not stored: its beginning is (``excerpt``).
        for stored in ("excerpt", "description"):
            found = snippet((hit.get(stored) or "")[:_HIGHLIGHT_CHARS], stems)
            if found:
                return found
        return None
