"""The database layer: declarative base, engine, sessions bound to the request's transaction.

pyramid_tm owns the transaction of every request: views and services never commit. Two
details matter on SQLite, the embedded default:

* pysqlite's own transaction handling is switched off and we emit ``BEGIN`` ourselves, so
  that SAVEPOINTs work (test isolation) and unsafe requests can start with
  ``BEGIN IMMEDIATE``: a read transaction that later tries to write would otherwise fail at
  once with "database is locked", and nothing retries that.
* Datetimes come back naive on SQLite and aware on PostgreSQL; ``UTCDateTime`` makes both
  aware and in UTC.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

import zope.sqlalchemy
from sqlalchemy import DateTime, MetaData, engine_from_config, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime on every backend; naive values are refused, not guessed."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(dt.UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def get_engine(settings: dict, prefix: str = "sqlalchemy.") -> Engine:
    engine = engine_from_config(settings, prefix)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    elif engine.dialect.name == "postgresql":
        _configure_postgresql(engine)
    return engine


def _configure_postgresql(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # The polymorphic node queries join every type's table; without fresh statistics
        # their estimated cost crosses jit_above_cost and PostgreSQL spends ~0.5 s
        # JIT-compiling a query that runs in a millisecond. An intranet's queries are
        # short: JIT never pays for itself here.
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET jit = off")
        dbapi_connection.commit()


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Hand transaction control to SQLAlchemy's "begin" event below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        mode = connection.get_execution_options().get("tavolo_sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def get_session_factory(bind) -> sessionmaker:
    return sessionmaker(bind=bind, expire_on_commit=False)


def get_tm_session(session_factory: sessionmaker, transaction_manager, **kwargs) -> Session:
    """A session joined to ``transaction_manager``: committed or aborted with it."""
    dbsession = session_factory(**kwargs)
    zope.sqlalchemy.register(dbsession, transaction_manager=transaction_manager)
    return dbsession


@contextmanager
def independent_transaction(registry, *, write: bool = False):
    """A short transaction beside the request's one, committed at once.

    Used for the few writes that must not wait for (or be undone with) the request: the
    session's last-seen time. ``tavolo.independent_bind`` is the engine; the test fixture
    that joins every request to one outer transaction sets it to that connection, and a
    savepoint stands in for the separate transaction there.

    ``write=True`` takes SQLite's write lock when the transaction begins. A deferred
    transaction that reads first and writes afterwards fails at once with "database is
    locked" (SQLITE_BUSY_SNAPSHOT, which the busy timeout does not retry) when another
    connection commits in between; one that begins IMMEDIATE waits its turn instead.
    """
    bind = registry["tavolo.independent_bind"]
    if isinstance(bind, Connection):
        with bind.begin_nested():
            yield bind
        return
    if write and bind.dialect.name == "sqlite":
        bind = bind.execution_options(tavolo_sqlite_begin="IMMEDIATE")
    with bind.begin() as connection:
        yield connection


class WriteDuringSafeRequest(RuntimeError):
    """Raised when a GET or HEAD request tries to change the database."""


def _guard_safe_request(dbsession: Session, method: str) -> None:
    """Make any write during GET/HEAD fail loudly instead of silently committing."""
    dbsession.info["safe_method"] = method

    @event.listens_for(dbsession, "before_flush")
    def _before_flush(session, _flush_context, _instances):
        if session.new or session.dirty or session.deleted:
            raise WriteDuringSafeRequest(
                f"{method} request tried to write: "
                f"{len(session.new)} new, {len(session.dirty)} changed, "
                f"{len(session.deleted)} deleted objects"
            )

    @event.listens_for(dbsession, "do_orm_execute")
    def _do_orm_execute(state):
        if state.is_insert or state.is_update or state.is_delete:
            raise WriteDuringSafeRequest(f"{method} request tried to execute {state.statement}")

    @event.listens_for(dbsession, "before_commit")
    def _before_commit(session):
        # A safe request's session is never committed, only closed - unless raw SQL marked
        # it changed (zope.sqlalchemy.mark_changed), which the two checks above cannot see.
        raise WriteDuringSafeRequest(f"{method} request tried to commit a write")


def request_dbsession(request) -> Session:
    factory = request.registry["dbsession_factory"]
    kwargs = {}
    bind = factory.kw.get("bind")
    if (
        request.method in UNSAFE_METHODS
        and isinstance(bind, Engine)
        and bind.dialect.name == "sqlite"
    ):
        # Take the write lock up front; see the module docstring.
        kwargs["bind"] = bind.execution_options(tavolo_sqlite_begin="IMMEDIATE")
    dbsession = get_tm_session(factory, request.tm, **kwargs)
    if request.method not in UNSAFE_METHODS:
        _guard_safe_request(dbsession, request.method)
    return dbsession


def includeme(config):
    settings = config.get_settings()
    settings["tm.manager_hook"] = "pyramid_tm.explicit_manager"
    config.include("pyramid_tm")
    config.include("pyramid_retry")

    engine = get_engine(settings)
    config.registry["tavolo.engine"] = engine
    config.registry["tavolo.independent_bind"] = engine
    config.registry["dbsession_factory"] = get_session_factory(engine)
    config.add_request_method(request_dbsession, "dbsession", reify=True)
