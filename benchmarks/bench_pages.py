"""Request latency of the pages every visit touches, through the real app.

Builds a throw-away SQLite database with the demo network (real migrations), then times
requests through WebTest (WSGI in-process: no network, so this measures the application,
the database and the templates). Prints p50/p95/max per case.

    make bench            # or: .venv/bin/python benchmarks/bench_pages.py --requests 200
"""

from __future__ import annotations

import argparse
import pathlib
import statistics
import sys
import tempfile
import time

import transaction
import webtest
from alembic import command
from alembic.config import Config
from pyramid.paster import get_appsettings
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

import tavolo
from tavolo.db import get_engine, get_session_factory, get_tm_session
from tavolo.files.blobstore import BlobStore
from tavolo.files.uploads import Uploads
from tavolo.scripts import demo

ROOT = pathlib.Path(__file__).resolve().parent.parent


def build_database(url: str, blobs_dir) -> None:
    """Migrate ``url`` and load the demo site and network (its attachments go into a blob
    store at ``blobs_dir``)."""
    config = Config(str(ROOT / "testing.ini"))
    config.set_main_option("script_location", str(ROOT / "alembic"))
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    engine.dispose()
    engine = get_engine({"sqlalchemy.url": url})
    manager = transaction.TransactionManager(explicit=True)
    with manager:
        dbsession = get_tm_session(get_session_factory(engine), manager)
        demo.load_site(dbsession)
        demo.load_demo_network(dbsession, Uploads(BlobStore(blobs_dir)))
    engine.dispose()


def timed(label: str, count: int, call) -> None:
    call()  # warm-up: template compilation, first queries
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    p95 = samples[max(0, int(len(samples) * 0.95) - 1)]
    print(
        f"{label:<46} n={count:<5} p50={statistics.median(samples):7.2f} ms "
        f"p95={p95:7.2f} ms max={samples[-1]:7.2f} ms"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite"
        build_database(url, f"{tmp}/blobs")
        settings = dict(get_appsettings(str(ROOT / "testing.ini")))
        settings.update(
            {"sqlalchemy.url": url, "here": str(ROOT), "tavolo.blobs_dir": f"{tmp}/blobs"}
        )
        app = webtest.TestApp(
            tavolo.main({"here": str(ROOT)}, **settings),
            extra_environ={"REMOTE_ADDR": "127.0.0.1"},
        )
        n = args.requests
        timed("GET / (visitor)", n, lambda: app.get("/", status=200))
        timed(
            "GET /notizie/riunione-15-febbraio-2023/",
            n,
            lambda: app.get("/notizie/riunione-15-febbraio-2023/", status=200),
        )
        timed("GET /static/css/tavolo.css", n, lambda: app.get("/static/css/tavolo.css"))

        def log_in():
            form = app.get("/login").forms["login-form"]
            form["login"], form["password"] = "comune", demo.DEMO_PASSWORD
            form.submit(status=303)

        timed("login (form GET + POST, argon2id)", max(10, n // 10), log_in)
        timed(
            "GET /area-riservata/vademecum/ (logged in)",
            n,
            lambda: app.get("/area-riservata/vademecum/", status=200),
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
