"""Search benchmark: indexing throughput and query latency of Tavolo's catalogue, next to a
bare Whoosh index of the same documents (the reference of issue 8 and STACK.md).

Builds a throw-away SQLite site (real migrations, the demo network) with ``--nodes`` pages
of generated Italian text spread over folders of the public and the reserved area in
several workflow states, with local roles for the caller; rebuilds the index with
``tavolo.search.indexer.reindex_all`` (what ``tavolo-reindex`` runs); then times, as a
partner with local roles, a term query, a phrase query on common words (under the time
budget) and a faceted query (words plus a year filter, facets counted after the
permission re-check) through ``SearchService`` - the code the search page uses. The same
documents then go into a bare Whoosh index and the same queries run there, filtered by the
caller's tokens.

    make bench                                   # 10,000 nodes
    make bench BENCH_ARGS="--nodes 100000"       # the issue's target size
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import itertools
import pathlib
import shutil
import statistics
import sys
import tempfile
import time

import transaction
from bench_pages import build_database
from search_corpus import documents
from sqlalchemy import select
from whoosh_reference import BareQueries, tavolo_fields
from whoosh_reference import build as build_bare

from tavolo.accounts.models import Organisation, User
from tavolo.content.models import Node
from tavolo.content.services import ContentService
from tavolo.db import get_engine, get_session_factory, get_tm_session
from tavolo.search.collectors import BLOCK_CACHE
from tavolo.search.indexer import apply_pending, reindex_all
from tavolo.search.models import IndexQueueEntry
from tavolo.search.query import SearchQuery, SearchService, caller_tokens
from tavolo.search.schema import make_schema
from tavolo.search.storage import SearchIndex
from tavolo.security.models import LocalRole
from tavolo.security.policy import RoleCalculator
from tavolo.security.principals import principals_for

TERMS = ("ricongiungimento", "pediatra", "vaccinazioni", "proroga", "alloggio", "consultorio")
PHRASES = ("permesso di soggiorno", "il documento della prefettura")
FOLDERS = 40
CALLER = "comune"  # a partner: sees the public area, the reserved area and its grants
STATES = ("published", "internal", "private")


def percentiles(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def timed(label: str, repeats: int, calls) -> tuple[float, float]:
    """Run each of ``calls`` ``repeats`` times (after one warm-up round); p50/p95 in ms."""
    for call in calls:
        call()
    samples = []
    for _ in range(repeats):
        for call in calls:
            start = time.perf_counter()
            call()
            samples.append((time.perf_counter() - start) * 1000)
    p50, p95 = percentiles(samples)
    print(f"  {label:<34} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms   ({len(samples)} queries)")
    return p50, p95


def progress(done: int, total: int, started: float) -> None:
    rate = done / max(time.perf_counter() - started, 1e-9)
    print(f"\r  {done:>7}/{total} ({rate:,.0f}/s)", end="", file=sys.stderr, flush=True)


def fill_site(engine, count: int) -> tuple[int, list[int]]:
    """``count`` pages in FOLDERS folders (half public, half reserved), a third of each in
    each state; the caller gets Reader on every fourth folder. Returns the caller's id and
    the ids of the organisations documents name."""
    manager = transaction.TransactionManager(explicit=True)
    started = time.perf_counter()
    with manager:
        dbsession = get_tm_session(get_session_factory(engine), manager)
        service = ContentService(dbsession)
        caller = dbsession.scalars(select(User).where(User.login == CALLER)).one()
        organisations = list(dbsession.scalars(select(Organisation.id).order_by(Organisation.id)))
        roots = [service.by_path("/"), service.by_path("/area-riservata/")]
        folders = []
        for number in range(FOLDERS):
            parent = roots[number % 2]
            folder = service.create(
                parent, "folder", f"bench-{number}", f"Cartella {number}", state="published"
            )
            folders.append(folder)
            if number % 4 == 0:
                dbsession.add(LocalRole(node_id=folder.id, user_id=caller.id, role="Reader"))
        caller_id = caller.id
        folder_ids = [f.id for f in folders]
    made = 0
    corpus = documents(count, organisations=len(organisations))
    while batch := list(itertools.islice(corpus, 500)):
        with manager:
            dbsession = get_tm_session(get_session_factory(engine), manager)
            service = ContentService(dbsession)
            parents = {
                n.id: n for n in dbsession.scalars(select(Node).where(Node.id.in_(folder_ids)))
            }
            for document in batch:
                parent = parents[folder_ids[document.number % FOLDERS]]
                when = dt.datetime(document.year, document.month, 15, 10, tzinfo=dt.UTC)
                service.create(
                    parent,
                    "page",
                    f"pagina-{document.number}",
                    document.title,
                    state=STATES[document.number % len(STATES)],
                    description=document.description,
                    body=f"<p>{document.text}</p>",
                    responsible_organisation_id=organisations[document.organisation],
                    effective=when,
                )
                made += 1
        progress(made, count, started)
    print(file=sys.stderr)
    return caller_id, organisations


def _caller_id(engine) -> int:
    with get_session_factory(engine)() as dbsession:
        return dbsession.scalars(select(User.id).where(User.login == CALLER)).one()


def reuse_or_generate(directory: pathlib.Path, url: str, nodes: int):
    """The engine of the site in ``directory``: the one a finished earlier run left there
    (same ``nodes``), or a new one."""
    marker = directory / f"generated-{nodes}"
    if not marker.exists():
        for leftover in ("bench.sqlite", "blobs", "index", "bare", "bare-schema"):
            path = directory / leftover
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
        build_database(url, directory / "blobs")
        engine = get_engine({"sqlalchemy.url": url})
        print("Generating the site…")
        fill_site(engine, nodes)
        marker.touch()
        return engine
    print("Reusing the site generated earlier")
    return get_engine({"sqlalchemy.url": url})


def tavolo_queries(engine, index, caller_id: int, repeats: int) -> dict:
    dbsession = get_session_factory(engine)()
    caller = dbsession.get(User, caller_id)
    calculator = RoleCalculator(dbsession, principals_for(dbsession, caller))
    service = SearchService(dbsession, index, calculator)
    figures = {
        "term": timed(
            "term (permission-filtered)",
            repeats,
            [lambda w=w: service.search(SearchQuery(words=w)) for w in TERMS],
        ),
        "phrase": timed(
            "phrase (common words, 250 ms budget)",
            repeats,
            [lambda w=w: service.search(SearchQuery(words=f'"{w}"')) for w in PHRASES],
        ),
        "faceted": timed(
            "faceted (words + year, facets)",
            repeats,
            [lambda w=w: service.search(SearchQuery(words=w, year="2024")) for w in TERMS],
        ),
    }
    figures["cold"] = cold_words(service)
    figures["after_change"] = after_a_change(engine, index, service, repeats=5)
    tokens = sorted(caller_tokens(calculator.principals))
    dbsession.close()
    return figures, tokens


def cold_words(service) -> tuple[float, float]:
    """Term and faceted queries whose words' postings were never read before: the
    process's cache of decoded postings (``collectors.BLOCK_CACHE``) emptied before
    each."""
    samples = []
    for words in TERMS:
        for year in (None, "2024"):
            BLOCK_CACHE.clear()
            start = time.perf_counter()
            service.search(SearchQuery(words=words, year=year))
            samples.append((time.perf_counter() - start) * 1000)
    p50, _p95 = percentiles(samples)
    label = "term/faceted, postings not cached"
    print(
        f"  {label:<34} p50 {p50:8.1f} ms   max {max(samples):8.1f} ms   ({len(samples)} queries)"
    )
    return p50, max(samples)


def after_a_change(engine, index, service, repeats: int) -> tuple[float, float]:
    """The first search after the index changed (an edit applied from the queue): a new
    searcher, the caller's allowed set again, the new segment's length tables."""
    samples = []
    with get_session_factory(engine)() as dbsession:
        node_ids = list(dbsession.scalars(select(Node.id).order_by(Node.id.desc()).limit(repeats)))
    for number, node_id in enumerate(node_ids):
        with get_session_factory(engine)() as dbsession, dbsession.begin():
            dbsession.add(IndexQueueEntry(node_id=node_id, reason="bench"))
        apply_pending(engine, index)
        start = time.perf_counter()
        service.search(SearchQuery(words=TERMS[number % len(TERMS)]))
        samples.append((time.perf_counter() - start) * 1000)
    p50, _p95 = percentiles(samples)
    print(f"  {'first search after a change':<34} p50 {p50:8.1f} ms   max {max(samples):8.1f} ms")
    return p50, max(samples)


def bare_figures(directory, count: int, tokens: list[str], repeats: int) -> dict:
    # The bare documents get allowed tokens like the site's: a third public, a third for
    # logged-in users, a third private to somebody else - and the caller's own grants.
    def allowed_for(document):
        kind = document.number % 3
        if kind == 0:
            return ["role:Anonymous"]
        if kind == 1:
            return ["role:Authenticated"]
        return ["user:999999", "role:Manager"]

    ix, indexed, seconds = build_bare(directory, documents(count), allowed_for)
    print(f"  indexing: {indexed} documents in {seconds:.1f} s = {indexed / seconds:,.0f} docs/s")
    # The same documents with Tavolo's own schema and analyser, still without a database:
    # what the richer schema costs, apart from what the rebuild's pipeline adds.
    _ix, _n, rich_seconds = build_bare(
        pathlib.Path(f"{directory}-schema"),
        documents(count),
        allowed_for,
        make_schema(),
        tavolo_fields,
    )
    print(f"  indexing with Tavolo's schema: {count / rich_seconds:,.0f} docs/s")
    queries = BareQueries(ix, tokens)
    figures = {
        "term": timed(
            "term (token-filtered)", repeats, [lambda w=w: queries.term(w) for w in TERMS]
        ),
        "phrase": timed(
            "phrase (common words, 250 ms budget)",
            repeats,
            [lambda w=w: queries.phrase(w) for w in PHRASES],
        ),
        "faceted": timed(
            "faceted (words, facets)", repeats, [lambda w=w: queries.faceted(w) for w in TERMS]
        ),
        "rate": indexed / seconds,
        "schema_rate": count / rich_seconds,
    }
    queries.close()
    return figures


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument(
        "--keep",
        metavar="DIR",
        help="generate the site in DIR and keep it; a later run with the same DIR and "
        "--nodes reuses it (generating 100,000 nodes takes a while)",
    )
    parser.add_argument(
        "--queries-only",
        action="store_true",
        help="with --keep: time Tavolo's queries on the index kept there (no rebuild, no bare "
        "reference)",
    )
    parser.add_argument(
        "--reference-only",
        action="store_true",
        help="with --keep: build and time only the bare Whoosh reference of the site kept "
        "there (its indexing rate and queries, with the caller's tokens)",
    )
    args = parser.parse_args(argv)
    if args.keep:
        pathlib.Path(args.keep).mkdir(parents=True, exist_ok=True)
        place = contextlib.nullcontext(args.keep)
    else:
        place = tempfile.TemporaryDirectory(prefix="tavolo-bench-search-")
    with place as tmp:
        tmp = pathlib.Path(tmp)
        url = f"sqlite:///{tmp / 'bench.sqlite'}"
        print(f"Tavolo search benchmark: {args.nodes:,} nodes (SQLite, {tmp})")
        engine = reuse_or_generate(tmp, url, args.nodes)
        caller_id = _caller_id(engine)
        if args.reference_only:
            with get_session_factory(engine)() as dbsession:
                caller = dbsession.get(User, caller_id)
                principals = RoleCalculator(dbsession, principals_for(dbsession, caller)).principals
                tokens = sorted(caller_tokens(principals))
            print("Bare Whoosh, same documents:")
            bare_figures(tmp / "bare", args.nodes, tokens, args.repeats)
            engine.dispose()
            return 0
        if not args.queries_only:
            shutil.rmtree(tmp / "index", ignore_errors=True)
        index = SearchIndex(tmp / "index")
        rate = None
        if not (args.queries_only and index.exists):
            start = time.perf_counter()
            indexed = reindex_all(engine, index)
            seconds = time.perf_counter() - start
            rate = indexed / seconds
            print("Tavolo (reindex_all, as tavolo-reindex):")
            print(f"  indexing: {indexed} documents in {seconds:.1f} s = {rate:,.0f} docs/s")
        print(f"Tavolo queries as '{CALLER}' (local roles on {FOLDERS // 4} folders):")
        ours, tokens = tavolo_queries(engine, index, caller_id, args.repeats)
        if args.queries_only:
            engine.dispose()
            return 0
        print("Bare Whoosh, same documents:")
        bare = bare_figures(tmp / "bare", args.nodes, tokens, args.repeats)
        print("Ratios (Tavolo / bare, p95):")
        for name in ("term", "faceted", "phrase"):
            print(f"  {name:<8} {ours[name][1] / max(bare[name][1], 1e-9):5.2f}×")
        print(f"  indexing rate: {rate / bare['rate']:.2f} of bare")
        print(f"  indexing rate: {rate / bare['schema_rate']:.2f} of bare with the same schema")
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
