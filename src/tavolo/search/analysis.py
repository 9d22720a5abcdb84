"""Italian text analysis for the index: words, lower case, accents folded, Italian stop
words dropped, Snowball stems.

Folding comes before the stop list and the stemmer, so that a word typed without accents
(a keyboard without them, an old document) meets the accented one: "città"/"citta",
"verità"/"verita" (folding after stemming would keep the last two apart). The same
analyser runs on documents and on queries, so both sides always agree.
"""

from __future__ import annotations

from whoosh.analysis import (
    CharsetFilter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.lang import stemmer_for_language, stopwords_for_language
from whoosh.support.charset import accent_map

LANGUAGE = "it"
# Italian stop words, as written and with their accents folded (folding comes first).
STOP_WORDS = frozenset(
    {
        word
        for stop in stopwords_for_language(LANGUAGE)
        for word in (stop, stop.translate(accent_map))
    }
)


def italian_analyzer():
    """A fresh analyser. ``StemmingAnalyzer(lang="it")`` raises TypeError in Whoosh 2.7
    and ``LanguageAnalyzer("it")`` does not fold accents (STACK.md), hence the chain."""
    return (
        RegexTokenizer()
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | StopFilter(stoplist=STOP_WORDS, minsize=2)
        | StemFilter(stemfn=stemmer_for_language(LANGUAGE), cachesize=50_000)
    )


def terms(text: str) -> list[str]:
    """The indexed terms of ``text`` (for tests and for explaining a match)."""
    return [token.text for token in italian_analyzer()(text)]
