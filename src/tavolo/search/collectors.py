"""Collecting hits under a time budget, and only among the documents a caller may see.

Two collectors:

- ``BudgetCollector`` wraps any Whoosh collector (the date order, the archive) and stops it
  when the budget runs out; a ``FilterCollector`` around it applies the allowed set.
- ``RankedCollector`` collects the most relevant documents itself: the allowed set, the
  facet filters as document sets, the budget and the top list together. For a query of
  one word - most searches, and the costly ones: a common word matches a third of a big
  archive - it reads the word's postings block by block, the blocks that may hold the
  best scores first, and stops when no block left can reach the top list; each block's
  wanted postings are picked in C and scored in a tight loop with the formula and the
  length tables of ``scoring``. Whoosh's own loop goes in docnum order, decodes most
  blocks of a common word before its top list is good enough to skip any, and makes some
  ten method calls per matching document; at 100,000 documents that was most of a
  query's time (docs/performance.md). Any other query (several words, a phrase) goes
  through Whoosh's loop with the same filters. Both give the same hits with the same
  scores (tested).

The block reading uses Whoosh's postings reader (``W3LeafMatcher``) below its public
interface - its block positions, headers and decoded data; whoosh-reloaded is pinned, and
``tests/search/test_collectors.py`` compares the results with Whoosh's own collectors.
"""

from __future__ import annotations

import math
import threading
import time
from array import array
from collections import OrderedDict
from heapq import heappush, heapreplace
from itertools import accumulate, compress

from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.collectors import TimeLimit, TimeLimitCollector, TopCollector
from whoosh.matching import ListMatcher
from whoosh.matching.wrappers import FilterMatcher

from tavolo.search.scoring import TableScorer


class Budget:
    """A deadline read from the clock.

    Whoosh's ``TimeLimitCollector`` starts a timer thread per search (more than a
    millisecond on a busy machine) or uses ``signal`` (main thread only; waitress serves
    requests from worker threads): reading the clock every few matches does the same."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.deadline = 0.0
        self.spent = False

    def start(self) -> None:
        self.spent = False
        self.deadline = time.monotonic() + self.seconds

    def check(self) -> None:
        """Raise ``TimeLimit`` once the deadline has passed."""
        if self.spent or time.monotonic() > self.deadline:
            self.spent = True
            raise TimeLimit


# Matches between two looks at the clock in Whoosh's loop.
_CLOCK_EVERY = 32


class BudgetCollector(TimeLimitCollector):
    """A ``TimeLimitCollector`` that looks at ``budget`` every few matches, including
    those the ``FilterCollector`` around it drops (most of them, for a visitor on an
    intranet).

    ``TimeLimitCollector`` placed outside a ``FilterCollector`` would bypass the filter
    (it calls the child's ``collect`` directly), so the filter wraps this collector."""

    def __init__(self, child, budget: Budget):
        super().__init__(child, timelimit=budget.seconds, use_alarm=False)
        self.budget = budget

    def prepare(self, top_searcher, q, context):
        self.child.prepare(top_searcher, q, context)
        self.timedout = False
        self.budget.start()

    def matches(self):
        check = self.budget.check
        for count, sub_docnum in enumerate(self.child.matches()):
            if not count % _CLOCK_EVERY:
                try:
                    check()
                except TimeLimit:
                    self.timedout = True
                    raise
            yield sub_docnum

    def collect_matches(self):
        child = self.child
        for sub_docnum in self.matches():
            child.collect(sub_docnum)

    def finish(self):
        self.child.finish()


def plain_postings(matcher):
    """``(postings, deleted)`` when ``matcher`` reads one word's postings, scored from
    length tables - possibly behind the filter of the segment's deleted documents (a set
    of segment docnums, else None); ``(None, None)`` for any other matcher (several
    words, a phrase, another scorer)."""
    deleted = None
    if isinstance(matcher, FilterMatcher) and matcher._exclude:
        matcher, deleted = matcher.child, matcher._ids
    if isinstance(matcher, W3LeafMatcher) and isinstance(matcher.scorer, TableScorer):
        return matcher, deleted
    # A word in one document of a segment: its posting is kept in the term table.
    if isinstance(matcher, ListMatcher) and isinstance(matcher._scorer, TableScorer):
        return matcher, deleted
    return None, None


class BlockCache:
    """Postings decoded once and kept across searches, up to ``max_postings``.

    Reading a block back is mostly unpickling (its positions too, which a one-word query
    does not need): ~0.1 ms a block, and a common word at 100,000 documents has some 270
    of them. A segment never changes once written (deletions are kept beside it), so a
    block is known by its segment and its place in the segment's postings file, and a
    word's block headers by its segment and the word; a new segment after a change or a
    rebuild has a new id, and the old entries age out. Kept as arrays: 12 bytes a
    posting."""

    def __init__(self, max_postings: int = 2_000_000):
        self.max_postings = max_postings
        self._lock = threading.Lock()
        self._entries: OrderedDict = OrderedDict()
        self._size = 0

    def get(self, key):
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key, value, size: int) -> None:
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = (value, size)
            self._size += size
            while self._size > self.max_postings and self._entries:
                _key, (_value, dropped) = self._entries.popitem(last=False)
                self._size -= dropped

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._size = 0


# One per process: searchers of the same segments share it across requests.
BLOCK_CACHE = BlockCache()


def _headers(postings, segment, cache: BlockCache):
    """``(position, best weight, least length)`` of each block of one segment's postings
    of a word, from the block headers."""
    key = (segment, "headers", postings._term)
    found = cache.get(key)
    if found is not None:
        return found[0]
    headers = []
    position = postings._baseoffset
    while True:
        postings._goto(position)
        headers.append((position, postings._maxweight, postings._minlength))
        if postings._lastblock:
            break
        position = postings._nextoffset
    cache.put(key, headers, len(headers))
    return headers


def _blocks(postings, segment, offset: int, deleted, cache: BlockCache):
    """The blocks of one segment's postings as ``(best possible score, order, offset,
    deleted, postings, key)``."""
    if isinstance(postings, ListMatcher):
        # One block, always read (its score bound is the word's).
        return [(math.inf, 0, offset, deleted, postings, None)]
    best = postings.scorer._score  # the block bound Whoosh's ``block_quality`` computes
    return [
        (best(weight, length), position, offset, deleted, postings, (segment, position))
        for position, weight, length in _headers(postings, segment, cache)
    ]


def _read_block(postings, key, cache: BlockCache):
    """The segment docnums and the weights of the block ``key``."""
    if key is None:  # the postings of the term table
        ids = postings._ids
        weights = postings._weights or [postings._all_weights or 1.0] * len(ids)
        return ids, weights
    found = cache.get(key)
    if found is not None:
        return found[0]
    postings._goto(key[1])
    postings._read_data()
    ids = postings._data[0]
    # Whoosh stores the gaps between docnums and adds them up in a Python generator
    # (``delta_decode``): ``accumulate`` does the same sums in C.
    ids = array("I", ids if postings._byteids else accumulate(ids))
    postings._read_weights()
    weights = array("d", postings._weights)
    cache.put(key, (ids, weights), len(ids))
    return ids, weights


class RankedCollector(TopCollector):
    """The ``limit`` best-scored documents that are in ``allow`` and in every set of
    ``require``, and not in ``restrict`` (a query), found within ``budget``.

    Ties go to the lower docnum, as in Whoosh's loop: the top list is the first ``limit``
    documents by (score descending, docnum ascending), whatever order they are read in."""

    def __init__(
        self,
        limit: int,
        *,
        allow,
        budget: Budget,
        require=(),
        restrict=None,
        cache: BlockCache = BLOCK_CACHE,
    ):
        super().__init__(limit=limit)
        self.cache = cache
        self.allow = allow
        self.require = tuple(require)
        self.restrict = restrict
        self.budget = budget
        self.timedout = False
        self.blocks_read = 0

    def prepare(self, top_searcher, q, context):
        super().prepare(top_searcher, q, context)
        self._restrict = top_searcher._filter_to_comb(self.restrict) if self.restrict else None
        self.timedout = False
        self.blocks_read = 0
        self.budget.start()

    def run(self):
        try:
            segments = []
            for subsearcher, offset in self.top_searcher.leaf_searchers():
                self.set_subsearcher(subsearcher, offset)
                segments.append((subsearcher, offset, self.matcher))
            plain = [
                (_segment_id(subsearcher), offset, *plain_postings(matcher))
                for subsearcher, offset, matcher in segments
                if matcher.is_active()
            ]
            if all(
                segment is not None and postings is not None
                for segment, _offset, postings, _deleted in plain
            ):
                self._collect_best_blocks(plain)
            else:
                for subsearcher, offset, matcher in segments:
                    self.subsearcher, self.offset, self.matcher = subsearcher, offset, matcher
                    self._collect_each()
        except TimeLimit:
            self.timedout = True
            raise
        finally:
            self.finish()

    def _wanted(self, docnum: int) -> bool:
        if docnum not in self.allow:
            return False
        if self._restrict is not None and docnum in self._restrict:
            return False
        return all(docnum in docs for docs in self.require)

    def _collect_each(self):
        """Whoosh's loop (block skipping included), with the filters and the budget."""
        offset, wanted, collect, check = self.offset, self._wanted, self.collect, self.budget.check
        for count, sub_docnum in enumerate(self.matches()):
            if not count % _CLOCK_EVERY:
                check()
            if wanted(offset + sub_docnum):
                collect(sub_docnum)

    def _collect_best_blocks(self, plain):
        """One word: every segment's blocks (Whoosh writes up to 128 postings per block),
        the most promising first, until no block left can beat the top list.

        Each block's header says the best score any of its postings can have. Read in
        that order, the top list fills with high scores at once and the search stops
        after a few dozen blocks of a common word, where reading in docnum order decodes
        most of them. The score is ``TableScorer.score``'s expression term for term: the
        same scores as Whoosh's."""
        blocks = [
            block
            for segment, offset, postings, deleted in plain
            for block in _blocks(postings, segment, offset, deleted, self.cache)
        ]
        blocks.sort(key=lambda block: block[0], reverse=True)
        # One set to look each posting up in: the allowed documents that every filter
        # keeps (the filters' sets are smaller, so the intersection is quick).
        wanted = self.allow.intersection(*self.require) if self.require else self.allow
        if self._restrict is not None:
            wanted = wanted - set(self._restrict)
        contains = wanted.__contains__
        items, limit = self.items, self.limit
        check = self.budget.check
        for quality, _order, offset, deleted, postings, key in blocks:
            check()
            # Sorted: no block after this one can beat the top list either. (Equal to
            # its worst score, a posting could still win on a lower docnum.)
            if len(items) >= limit and quality < items[0][0]:
                break
            self.blocks_read += 1
            numerator, constant, per_length, lengths = _scorer(postings).constants()
            ids, weights = _read_block(postings, key, self.cache)
            docnums = list(map(offset.__add__, ids)) if offset else ids
            # The wanted postings picked in C; only those are scored in Python.
            for sub_docnum, docnum, weight in compress(
                zip(ids, docnums, weights, strict=True), map(contains, docnums)
            ):
                if deleted is not None and sub_docnum in deleted:
                    continue
                entry = (
                    numerator * weight / (weight + constant + per_length * lengths[sub_docnum]),
                    0 - docnum,
                )
                if len(items) < limit:
                    heappush(items, entry)
                elif entry > items[0]:
                    heapreplace(items, entry)
                    self.minscore = items[0][0]


def _segment_id(subsearcher):
    """The id of the segment a leaf searcher reads (None: not one segment)."""
    reader = subsearcher.reader()
    segment = reader.segment() if hasattr(reader, "segment") else None
    return segment.segment_id() if segment is not None else None


def _scorer(postings) -> TableScorer:
    return postings._scorer if isinstance(postings, ListMatcher) else postings.scorer
