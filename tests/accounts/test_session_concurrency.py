"""The session's last-seen refresh under a concurrent writer, on a committed database.

The refresh runs beside the request's transaction. On SQLite, a transaction that has read
and then wants to write fails at once ("database is locked") if another connection commits
meanwhile - a user saving a page made the other users' requests fail. The refresh must wait
its turn instead, and never fail the request.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import select, update

from tavolo.accounts.models import AuthSession
from tavolo.accounts.sessions import COOKIE_NAME, hash_token
from tests.conftest import client_for, committed_demo_app, login

HOLD_SECONDS = 1.0


@pytest.fixture(scope="module")
def committed(backend, databases, app_settings):
    with committed_demo_app(databases, app_settings, backend, "sessionrace") as prepared:
        yield prepared


def _session_id(client) -> str:
    return hash_token(client.cookies[COOKIE_NAME])


def _last_seen(engine, session_id) -> dt.datetime:
    with engine.connect() as connection:
        return connection.scalar(select(AuthSession.last_seen).where(AuthSession.id == session_id))


def _write_and_hold(engine, session_id, value, holding: threading.Event) -> None:
    """Take the write lock, write, keep it for a while, then commit."""
    bind = engine
    if engine.dialect.name == "sqlite":
        bind = engine.execution_options(tavolo_sqlite_begin="IMMEDIATE")
    with bind.begin() as connection:
        connection.execute(
            update(AuthSession).where(AuthSession.id == session_id).values(last_seen=value)
        )
        holding.set()
        threading.Event().wait(HOLD_SECONDS)


def test_a_due_refresh_waits_for_a_concurrent_writer_and_the_page_is_served(committed):
    app, engine, _ = committed
    client = client_for(app)
    login(client, "comune")
    session_id = _session_id(client)
    two_minutes_ago = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2)
    with engine.begin() as connection:
        connection.execute(
            update(AuthSession)
            .where(AuthSession.id == session_id)
            .values(last_seen=two_minutes_ago)
        )

    holding = threading.Event()
    writer = threading.Thread(
        target=_write_and_hold, args=(engine, session_id, two_minutes_ago, holding)
    )
    writer.start()
    try:
        assert holding.wait(timeout=30)
        # The request reads the session while the writer holds the lock, then must wait for
        # the writer's commit before it refreshes last-seen.
        page = client.get("/area-riservata/", status=200)
    finally:
        writer.join(timeout=60)

    assert "Marco Rossi" in page.text
    assert _last_seen(engine, session_id) > two_minutes_ago + dt.timedelta(minutes=1)
