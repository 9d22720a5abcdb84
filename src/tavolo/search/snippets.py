"""Highlighted snippets of a hit: the passages of its text where the searched words are,
with ``<mark>`` around them and everything else HTML-escaped.

Whoosh's highlighter runs the whole analyser chain (a generator per filter, a Token object
per word) over every shown hit's text to find the matching words: for a page of twenty
hits that was a third of a query's time. Here the same chain - the tokenizer's pattern,
lower case, accent folding, the stop list, the Italian stemmer - is a plain loop over the
words with the stems cached, and a word matches when its stem is one of the query's terms,
exactly as it matched in the index (the query's terms went through the same analyser).

Even that loop stems every word of the excerpt. A stem is the beginning of its lower-cased,
accent-folded word, so a regular expression of the stems over the folded excerpt finds the
few words that can match, and only those are stemmed. (Should folding change the length of
the text - a rare letter that folds into two - offsets would not line up: the word loop
runs instead.)
"""

from __future__ import annotations

import functools
import html
import re

from whoosh.lang import stemmer_for_language
from whoosh.support.charset import accent_map

from tavolo.search.analysis import LANGUAGE, STOP_WORDS

# Whoosh's RegexTokenizer default: what the index calls a word.
_WORD = re.compile(r"\w+(\.?\w+)*", re.UNICODE)
_stem = functools.lru_cache(maxsize=50_000)(stemmer_for_language(LANGUAGE))
SEPARATOR = " … "


def _is_match(word: str, stems: frozenset[str]) -> bool:
    word = word.lower().translate(accent_map)
    return len(word) >= 2 and word not in STOP_WORDS and _stem(word) in stems


@functools.lru_cache(maxsize=256)
def _candidates(stems: frozenset[str]) -> re.Pattern:
    """Words (as the tokenizer sees them) that begin with one of ``stems``."""
    alternatives = "|".join(re.escape(stem) for stem in sorted(stems, key=len, reverse=True))
    return re.compile(rf"(?<![\w.])(?:{alternatives})\w*(?:\.?\w+)*")


def _matches(text: str, stems: frozenset[str]) -> list[tuple[int, int]]:
    folded = text.lower()
    if not folded.isascii():
        folded = folded.translate(accent_map)
    if len(folded) == len(text):
        return [
            match.span()
            for match in _candidates(stems).finditer(folded)
            if _is_match(match.group(), stems)
        ]
    return [match.span() for match in _WORD.finditer(text) if _is_match(match.group(), stems)]


def snippet(
    text: str, stems: frozenset[str], *, width: int = 200, surround: int = 40, top: int = 2
) -> str | None:
    """Up to ``top`` passages of ``text`` (about ``width`` characters each, the ones with
    the most matches, in text order) with the words whose stem is in ``stems`` marked;
    None when no word matches."""
    if not text or not stems:
        return None
    matches = _matches(text, stems)
    if not matches:
        return None
    passages: list[list] = []  # [start, end, matches]
    for start, end in matches:
        if passages and end - passages[-1][0] <= width:
            passages[-1][1] = end
            passages[-1][2].append((start, end))
        else:
            passages.append([max(0, start - surround), end, [(start, end)]])
    best = sorted(passages, key=lambda p: -len(p[2]))[:top]
    out = []
    for start, end, marked in sorted(best, key=lambda p: p[0]):
        end = min(len(text), end + surround)
        pieces, position = [], start
        for word_start, word_end in marked:
            pieces.append(html.escape(text[position:word_start], quote=False))
            pieces.append(f"<mark>{html.escape(text[word_start:word_end], quote=False)}</mark>")
            position = word_end
        pieces.append(html.escape(text[position:end], quote=False))
        out.append("".join(pieces).strip())
    return SEPARATOR.join(out)


def query_stems(query, fields=("content",)) -> frozenset[str]:
    """The analysed terms a parsed Whoosh query looks for in ``fields`` (phrases too)."""
    stems = set()
    for fieldname, term in query.iter_all_terms(phrases=True):
        if fieldname in fields:
            stems.add(term.decode("utf-8") if isinstance(term, bytes) else term)
    return frozenset(stems)
