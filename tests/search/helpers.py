"""What the index holds, read back for assertions."""

from __future__ import annotations

from whoosh.query import Every, Term


def documents(index) -> dict[int, dict]:
    """``node id -> stored fields`` of every document."""
    with index.searcher() as searcher:
        return {int(fields["id"]): fields for fields in searcher.all_stored_fields()}


def ids_matching(index, field: str, value: str) -> set[int]:
    with index.searcher() as searcher:
        return {
            int(searcher.stored_fields(n)["id"])
            for n in searcher.docs_for_query(Term(field, value))
        }


def allowed_tokens(index, node_id: int) -> set[str]:
    """The ``allowed`` tokens of one document (the field is not stored: read the terms)."""
    tokens = set()
    with index.searcher() as searcher:
        [docnum] = list(searcher.docs_for_query(Term("id", str(node_id))))
        for token in searcher.lexicon("allowed"):
            token = token.decode() if isinstance(token, bytes) else token
            if docnum in set(searcher.docs_for_query(Term("allowed", token))):
                tokens.add(token)
    return tokens


def visible_ids(index, tokens) -> set[int]:
    """Ids of the documents whose ``allowed`` holds any of ``tokens``."""
    found: set[int] = set()
    with index.searcher() as searcher:
        for token in tokens:
            found |= {
                int(searcher.stored_fields(n)["id"])
                for n in searcher.docs_for_query(Term("allowed", token))
            }
    return found


def count(index) -> int:
    with index.searcher() as searcher:
        return len(list(searcher.docs_for_query(Every())))


def snapshot(index) -> dict[int, tuple]:
    """``id -> (path, state, title, allowed tokens)`` of every document."""
    with index.searcher() as searcher:
        fields = dict(searcher.reader().iter_docs())
        allowed: dict[int, set[str]] = {n: set() for n in fields}
        for token in searcher.lexicon("allowed"):
            token = token.decode() if isinstance(token, bytes) else token
            for n in searcher.docs_for_query(Term("allowed", token)):
                if n in allowed:
                    allowed[n].add(token)
    return {
        int(f["id"]): (f["path"], f["state"], f["title"], frozenset(allowed[n]))
        for n, f in fields.items()
    }


def expected_snapshot(bind) -> dict[int, tuple]:
    """What ``snapshot`` should be for the database at ``bind`` now."""
    from tavolo.search.documents import DocumentBuilder, live_ids
    from tavolo.search.indexer import session_factory

    result = {}
    with session_factory(bind)() as dbsession:
        builder = DocumentBuilder(dbsession)
        ids = live_ids(dbsession, 0, 1_000_000)
        docs, _gone = builder.documents(ids)
        for doc in docs:
            result[int(doc["id"])] = (
                doc["path"],
                doc["state"],
                doc["title"],
                frozenset(doc["allowed"].split()),
            )
    return result
