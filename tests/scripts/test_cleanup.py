"""``tavolo-cleanup``: expired sessions and stale login failures go, live ones stay."""

from __future__ import annotations

import datetime as dt

from pyramid.paster import get_appsettings
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from tavolo.accounts.models import AuthSession, LoginFailure, User
from tavolo.db import utcnow
from tavolo.scripts import cleanup, initdb
from tavolo.settings import load
from tests.scripts.test_initdb import restore_logging, write_ini  # noqa: F401 - fixture

HOUR = dt.timedelta(hours=1)


def _user_id(dbsession, login: str) -> int:
    return dbsession.scalars(select(User.id).where(User.login == login)).one()


def _arrange(dbsession):
    now = utcnow()
    comune = _user_id(dbsession, "comune")
    dbsession.add_all(
        [
            AuthSession(id="a" * 64, user_id=comune, created=now - HOUR, last_seen=now),
            AuthSession(id="b" * 64, user_id=comune, created=now - HOUR, last_seen=now - HOUR),
            AuthSession(id="c" * 64, user_id=comune, created=now - 13 * HOUR, last_seen=now),
            LoginFailure(login="comune", address="192.0.2.1", at=now),
            LoginFailure(login="comune", address="192.0.2.1", at=now - HOUR),
        ]
    )
    dbsession.flush()


def test_cleanup_removes_only_what_has_expired(dbsession, app_settings):
    _arrange(dbsession)
    removed = cleanup.cleanup(dbsession, app_settings)
    assert removed == {"expired sessions": 2, "stale login failures": 1}
    assert dbsession.scalars(select(AuthSession.id)).all() == ["a" * 64]
    assert len(dbsession.scalars(select(LoginFailure.id)).all()) == 1
    # Running it again finds nothing more to do.
    assert cleanup.cleanup(dbsession, app_settings) == {
        "expired sessions": 0,
        "stale login failures": 0,
    }


def test_console_script_commits_its_work(databases, tmp_path, capsys):
    ini = write_ini(tmp_path, "testing.ini", databases.url("sqlite", "cleanup"))
    assert initdb.main(["tavolo-initdb", ini, "--demo"]) == 0

    url = load(None, get_appsettings(ini))["sqlalchemy.url"]
    engine = create_engine(url, poolclass=NullPool)
    with Session(engine) as session, session.begin():
        _arrange(session)
    capsys.readouterr()
    assert cleanup.main(["tavolo-cleanup", ini]) == 0
    assert "removed 2 expired sessions" in capsys.readouterr().out
    with Session(engine) as session:
        assert session.scalars(select(AuthSession.id)).all() == ["a" * 64]
    engine.dispose()
