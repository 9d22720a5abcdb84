"""Relevance: Whoosh's BM25F, with the field lengths read from a table.

BM25F scores a document by a term's frequency in a field and the field's length in that
document. Whoosh looks the length up for every scored document through four layers of
method calls down to a column file; on a big index that is a third of a query's time
(a common word is scored in thousands of documents). Here each segment's lengths are read
once into an array - kept per segment, which a commit does not change - and the formula
is Whoosh's own, with its constants worked out once per term. Same scores, same block
quality bounds (so Whoosh still skips the blocks that cannot make the top list).
"""

from __future__ import annotations

import threading
from array import array
from collections import OrderedDict

from whoosh.scoring import BM25F, BaseScorer, WeightScorer

# Length tables kept: (segment id, field) -> array. A segment's lengths never change.
_TABLES_KEPT = 64


class _LengthTables:
    def __init__(self, size: int = _TABLES_KEPT):
        self.size = size
        self._lock = threading.Lock()
        self._tables: OrderedDict = OrderedDict()

    def lengths(self, reader, fieldname: str):
        """The lengths of ``fieldname`` in every document of the segment ``reader``
        reads; None when the reader is not one segment's (then Whoosh looks them up)."""
        segment = reader.segment() if hasattr(reader, "segment") else None
        if segment is None:
            return None
        key = (segment.segment_id(), fieldname)
        with self._lock:
            table = self._tables.get(key)
            if table is not None:
                self._tables.move_to_end(key)
                return table
        length = reader.doc_field_length
        table = array("I", (length(n, fieldname, 0) or 0 for n in range(reader.doc_count_all())))
        with self._lock:
            self._tables[key] = table
            while len(self._tables) > self.size:
                self._tables.popitem(last=False)
        return table


LENGTH_TABLES = _LengthTables()


class TableScorer(BaseScorer):
    """BM25F for one term in one segment: ``idf * tf * (K1 + 1) / (tf + K1 * (1 - B +
    B * length / average length))``, the lengths from the segment's table."""

    def __init__(self, searcher, fieldname, text, B, K1, lengths):
        parent = searcher.get_parent()  # idf and average length are index-wide
        idf = parent.idf(fieldname, text)
        average = parent.avg_field_length(fieldname) or 1
        self._numerator = idf * (K1 + 1)
        self._constant = K1 * (1 - B)
        self._per_length = K1 * B / average
        self._lengths = lengths
        info = searcher.term_info(fieldname, text)
        self._max_quality = self._score(info.max_weight(), info.min_length())

    def constants(self) -> tuple[float, float, float, array]:
        """``(numerator, constant, per_length, lengths)`` of ``score``'s expression, for a
        loop that scores many postings without a call each (``collectors``)."""
        return self._numerator, self._constant, self._per_length, self._lengths

    def _score(self, weight, length):
        return self._numerator * weight / (weight + self._constant + self._per_length * length)

    def supports_block_quality(self):
        return True

    def score(self, matcher):
        weight = matcher.weight()
        length = self._lengths[matcher.id()]
        return self._numerator * weight / (weight + self._constant + self._per_length * length)

    def max_quality(self):
        return self._max_quality

    def block_quality(self, matcher):
        return self._score(matcher.block_max_weight(), matcher.block_min_length())


class TableBM25F(BM25F):
    """``BM25F`` whose scorers read field lengths from per-segment tables."""

    def scorer(self, searcher, fieldname, text, qf=1):
        if not searcher.schema[fieldname].scorable:
            return WeightScorer.for_(searcher, fieldname, text)
        lengths = LENGTH_TABLES.lengths(searcher.reader(), fieldname)
        if lengths is None:
            return super().scorer(searcher, fieldname, text, qf)
        B = self._field_B.get(fieldname, self.B)
        return TableScorer(searcher, fieldname, text, B, self.K1, lengths)
