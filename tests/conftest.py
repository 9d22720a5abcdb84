"""Fixtures: the real application on real databases.

Every database test runs twice, on SQLite and on PostgreSQL. Each backend gets a
throw-away database built by the real alembic migrations and loaded with the demo network
once per run; each test then runs inside one outer transaction that is rolled back, with
every request's own transaction (pyramid_tm) and the session tween's side transaction as
savepoints inside it. PostgreSQL cases are skipped, with the reason printed, when no server
answers on 127.0.0.1:5432 - unless TAVOLO_REQUIRE_POSTGRESQL is set (CI), where that fails.
"""

from __future__ import annotations

import os
import pathlib
from contextlib import contextmanager

import psycopg
import pytest
import transaction
import webtest
from alembic import command
from alembic.config import Config
from pyramid.paster import get_appsettings
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

import tavolo
from tavolo.db import get_engine, get_session_factory, get_tm_session
from tavolo.files.blobstore import BlobStore
from tavolo.files.uploads import Uploads
from tavolo.scripts import demo
from tests.smtp import SMTPServer

ROOT = pathlib.Path(__file__).resolve().parent.parent
TESTING_INI = str(ROOT / "testing.ini")
PG_HOST = os.environ.get("TAVOLO_TEST_PGHOST", "127.0.0.1")
PG_PORT = int(os.environ.get("TAVOLO_TEST_PGPORT", "5432"))
PG_USER = os.environ.get("TAVOLO_TEST_PGUSER", "postgres")
CLIENT_ADDRESS = "192.0.2.10"  # TEST-NET-1: never a real client
DEMO_PASSWORD = demo.DEMO_PASSWORD
BACKENDS = ("sqlite", "postgresql")
TEST_BLOBS_DIR = None  # set for the run by the _test_blobs_dir fixture


def postgres_unavailable_reason() -> str | None:
    try:
        with psycopg.connect(
            host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", connect_timeout=3
        ):
            return None
    except psycopg.Error as exc:
        return f"no PostgreSQL server answers on {PG_HOST}:{PG_PORT} ({exc.__class__.__name__})"


def _skip_or_fail_postgres(reason: str):
    if os.environ.get("TAVOLO_REQUIRE_POSTGRESQL"):
        pytest.fail(f"PostgreSQL is required here (TAVOLO_REQUIRE_POSTGRESQL): {reason}")
    pytest.skip(f"PostgreSQL cases skipped: {reason}")


class ThrowAwayDatabases:
    """Creates and drops databases for one test run; PostgreSQL names carry the pid so
    that parallel runs never collide."""

    def __init__(self, tmp_path_factory):
        self.tmp_path_factory = tmp_path_factory
        self.created: list[str] = []
        self.counter = 0

    def url(self, backend: str, label: str) -> str:
        self.counter += 1
        if backend == "sqlite":
            path = self.tmp_path_factory.mktemp(f"db-{label}") / "tavolo.sqlite"
            return f"sqlite:///{path}"
        reason = postgres_unavailable_reason()
        if reason:
            _skip_or_fail_postgres(reason)
        name = f"tavolo_test_{os.getpid()}_{label}_{self.counter}"
        with psycopg.connect(
            host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return f"postgresql+psycopg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"

    def drop_all(self):
        if not self.created:
            return
        with psycopg.connect(
            host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True
        ) as conn:
            for name in self.created:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    factory = ThrowAwayDatabases(tmp_path_factory)
    yield factory
    factory.drop_all()


def alembic_config() -> Config:
    config = Config(TESTING_INI)
    config.set_main_option("script_location", str(ROOT / "alembic"))
    return config


def migrate(url: str, revision: str = "head", direction: str = "upgrade", blobs_dir=None) -> None:
    """Run the migrations on ``url``; file bytes they move go to ``blobs_dir`` (by default
    the run's own directory, never the repository's ``var/``)."""
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        config.attributes["tavolo.blobs_dir"] = str(blobs_dir or TEST_BLOBS_DIR)
        getattr(command, direction)(config, revision)
    engine.dispose()


def load_demo(engine, settings: dict) -> None:
    """The demo site and network; its attachments go into the blob store of ``settings``."""
    files = Uploads(BlobStore.from_settings(settings))
    manager = transaction.TransactionManager(explicit=True)
    with manager:
        dbsession = get_tm_session(get_session_factory(engine), manager)
        demo.load_site(dbsession)
        demo.load_demo_network(dbsession, files)


@contextmanager
def committed_demo_app(databases, app_settings, backend: str, label: str, prepare=None):
    """The real app over a committed database of its own, with the demo network and
    whatever ``prepare(dbsession)`` adds (its result is yielded too): for tests whose
    transactions must really commit or race, which the per-test rolled-back ``connection``
    cannot give. Yields (app, engine, prepared)."""
    url = databases.url(backend, label)
    migrate(url)
    engine = get_engine({"sqlalchemy.url": url})
    load_demo(engine, app_settings)
    prepared = None
    if prepare is not None:
        manager = transaction.TransactionManager(explicit=True)
        with manager:
            prepared = prepare(get_tm_session(get_session_factory(engine), manager))
    app = build_app(app_settings, url)
    try:
        yield app, engine, prepared
    finally:
        app.registry["tavolo.engine"].dispose()
        engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture(scope="session", autouse=True)
def _test_blobs_dir(tmp_path_factory):
    """One blob store for the run, under pytest's tmp dir. Blobs are not rolled back with
    the tests' transactions; being content-addressed, what one test stores cannot change
    what another reads."""
    global TEST_BLOBS_DIR
    TEST_BLOBS_DIR = tmp_path_factory.mktemp("blobs")
    return TEST_BLOBS_DIR


@pytest.fixture(scope="session")
def smtp_server():
    """A real SMTP server on loopback for the run; tests read what it received."""
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def app_settings(_test_blobs_dir, smtp_server):
    settings = dict(get_appsettings(TESTING_INI))
    settings["here"] = str(ROOT)
    settings["tavolo.blobs_dir"] = str(_test_blobs_dir)
    settings["mail.host"] = smtp_server.host
    settings["mail.port"] = str(smtp_server.port)
    return settings


@pytest.fixture(scope="session")
def demo_database(backend, databases, app_settings):
    """URL of a migrated database holding the demo network, one per backend."""
    url = databases.url(backend, "demo")
    migrate(url)
    engine = get_engine({"sqlalchemy.url": url})
    load_demo(engine, app_settings)
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def engine(demo_database):
    engine = get_engine({"sqlalchemy.url": demo_database})
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def wsgi_app(app_settings, demo_database):
    return build_app(app_settings, demo_database)


def build_app(app_settings, database_url: str, **overrides):
    """The real WSGI application on ``database_url``, with settings overridden. Its blob
    store is ``app_settings``' (the run's directory under pytest's tmp dir) unless
    ``tavolo.blobs_dir`` is overridden: never the repository's ``var/``."""
    settings = dict(app_settings, **{"sqlalchemy.url": database_url}, **overrides)
    assert not str(settings["tavolo.blobs_dir"]).startswith(str(ROOT / "var"))
    return tavolo.main({"here": str(ROOT)}, **settings)


@contextmanager
def joined_to(app, connection):
    """Run every request of ``app`` in savepoints of the test's outer transaction: the
    request's own transaction and the session tween's side transaction alike."""
    registry = app.registry
    saved = registry["dbsession_factory"], registry["tavolo.independent_bind"]
    registry["dbsession_factory"] = sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )
    registry["tavolo.independent_bind"] = connection
    try:
        yield app
    finally:
        registry["dbsession_factory"], registry["tavolo.independent_bind"] = saved


def client_for(app, **environ) -> webtest.TestApp:
    """A WebTest client that comes from the test client address, on host ``localhost``."""
    return webtest.TestApp(
        app, extra_environ={"REMOTE_ADDR": CLIENT_ADDRESS, "HTTP_HOST": "localhost", **environ}
    )


@pytest.fixture
def connection(engine, wsgi_app):
    """One outer transaction per test, rolled back at the end: nothing a test does stays."""
    connection = engine.connect()
    outer = connection.begin()
    with joined_to(wsgi_app, connection):
        yield connection
    outer.rollback()
    connection.close()


@pytest.fixture
def dbsession(connection, wsgi_app):
    """A session for arranging and checking data, inside the test's outer transaction.

    ``info["tavolo.blobs"]`` is the application's blob store, for helpers that store
    files (``tests.content.helpers.make_file``)."""
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    session.info["tavolo.blobs"] = wsgi_app.registry["tavolo.blobs"]
    yield session
    session.close()


@pytest.fixture
def blobs(wsgi_app):
    """The test application's blob store."""
    return wsgi_app.registry["tavolo.blobs"]


@pytest.fixture
def testapp(wsgi_app, connection):
    return client_for(wsgi_app)


def login(app: webtest.TestApp, username: str, password: str = DEMO_PASSWORD, status=303):
    """Log in through the real form, as a browser would."""
    form = app.get("/login").forms["login-form"]
    form["login"] = username
    form["password"] = password
    return form.submit(status=status)


@pytest.fixture
def login_as(testapp):
    def _login(username: str, password: str = DEMO_PASSWORD, status=303):
        return login(testapp, username, password, status)

    return _login
