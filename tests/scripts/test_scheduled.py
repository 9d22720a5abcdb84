"""``tavolo-scheduled``: the console script end to end, on a throw-away SQLite database
with the site loaded and a page published for a future date."""

from __future__ import annotations

import datetime as dt

import pytest
import transaction
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from tavolo import events
from tavolo.accounts.models import User
from tavolo.content.services import ContentService
from tavolo.db import get_engine, get_session_factory, get_tm_session, utcnow
from tavolo.scripts import demo, scheduled
from tavolo.workflow.models import BECAME_VISIBLE, EXPIRED, WorkflowHistory
from tests.conftest import migrate
from tests.scripts.test_initdb import restore_logging, write_ini  # noqa: F401 - a fixture

DAY = dt.timedelta(days=1)


@pytest.fixture
def site(databases, tmp_path, smtp_server):
    """The migrated site with /programmata/ published for tomorrow, expiring in three
    days (its owner, autrice@example.it, wants mail at once), and /bozza/ private with the
    same dates; the ini file that points at it and at the test SMTP server."""
    url = databases.url("sqlite", "scheduled")
    migrate(url)
    engine = get_engine({"sqlalchemy.url": url})
    start = utcnow()
    manager = transaction.TransactionManager(explicit=True)
    with manager:
        dbsession = get_tm_session(get_session_factory(engine), manager)
        demo.load_site(dbsession)
        owner = User(login="autrice", fullname="Anna Autrice", email="autrice@example.it")
        dbsession.add(owner)
        dbsession.flush()
        content = ContentService(dbsession)
        for name, state in (("programmata", "published"), ("bozza", "private")):
            content.create(
                content.root(),
                "page",
                name,
                name.capitalize(),
                state=state,
                owner_id=owner.id,
                effective=start + DAY,
                expires=start + 3 * DAY,
            )
    engine.dispose()
    smtp_server.clear()
    mail = {"mail.host": smtp_server.host, "mail.port": str(smtp_server.port)}
    return url, write_ini(tmp_path, "testing.ini", url, **mail), start


def system_rows(url: str) -> list[tuple[str, str]]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with Session(engine) as dbsession:
            rows = dbsession.execute(
                select(WorkflowHistory.transition, WorkflowHistory.node_id)
                .where(WorkflowHistory.transition.in_([BECAME_VISIBLE, EXPIRED]))
                .order_by(WorkflowHistory.id)
            )
            return [transition for transition, _node in rows]
    finally:
        engine.dispose()


def run(ini: str, *options: str) -> int:
    return scheduled.main(["tavolo-scheduled", ini, *options])


def test_the_script_records_each_date_once(site, capsys):
    url, ini, start = site
    assert run(ini) == 0  # nothing is due yet
    out = capsys.readouterr().out
    assert "recorded 0 became_visible and 0 expired" in out
    assert system_rows(url) == []

    tomorrow = (start + 2 * DAY).isoformat()
    assert run(ini, "--now", tomorrow, "--dry-run") == 0
    out = capsys.readouterr().out
    assert "would record became_visible /programmata/" in out
    assert "/bozza/" not in out  # never what no reviewer approved
    assert "would record 1 became_visible and 0 expired" in out
    assert system_rows(url) == []

    assert run(ini, "--now", tomorrow) == 0
    out = capsys.readouterr().out
    assert "recorded became_visible /programmata/" in out
    assert system_rows(url) == [BECAME_VISIBLE]

    assert run(ini, "--now", tomorrow) == 0
    assert "recorded 0 became_visible and 0 expired" in capsys.readouterr().out
    assert system_rows(url) == [BECAME_VISIBLE]

    later = (start + 4 * DAY).isoformat()
    assert run(ini, "--now", later) == 0
    assert "recorded 0 became_visible and 1 expired" in capsys.readouterr().out
    assert run(ini, "--now", later) == 0
    assert system_rows(url) == [BECAME_VISIBLE, EXPIRED]


def test_the_owner_is_told_by_mail_once(site, smtp_server, capsys):
    _url, ini, start = site
    tomorrow = (start + 2 * DAY).isoformat()
    assert run(ini, "--now", tomorrow, "--dry-run") == 0
    assert smtp_server.messages() == []
    assert run(ini, "--now", tomorrow) == 0
    [message] = smtp_server.wait_for("autrice@example.it")
    assert "Programmata" in message["Subject"]
    assert run(ini, "--now", tomorrow) == 0
    assert len(smtp_server.messages()) == 1


def test_without_the_sites_address_nothing_is_recorded(site, databases, tmp_path, capsys):
    url, _ini, start = site
    ini = write_ini(tmp_path, "testing.ini", url, **{"tavolo.base_url": ""})
    assert run(ini, "--now", (start + 2 * DAY).isoformat()) == 2
    assert "tavolo.base_url" in capsys.readouterr().err
    assert system_rows(url) == []


def test_events_reach_the_applications_subscribers(site, monkeypatch, capsys):
    _url, ini, start = site
    seen = []
    real_bootstrap = scheduled.bootstrap

    def bootstrap(config_uri):
        env = real_bootstrap(config_uri)
        env["registry"].registerHandler(seen.append, (events.AfterTransition,))
        return env

    monkeypatch.setattr(scheduled, "bootstrap", bootstrap)
    assert run(ini, "--now", (start + 4 * DAY).isoformat()) == 0
    assert [(e.transition, e.request, e.actor) for e in seen] == [
        (BECAME_VISIBLE, None, None),
        (EXPIRED, None, None),
    ]


def test_the_window_bounds_what_is_considered(site, capsys):
    url, ini, start = site
    far = (start + 30 * DAY).isoformat()
    assert run(ini, "--now", far) == 0
    assert system_rows(url) == []
    assert run(ini, "--now", far, "--since", start.date().isoformat()) == 0
    assert system_rows(url) == [BECAME_VISIBLE, EXPIRED]


@pytest.mark.parametrize(
    "options",
    [("--now", "domani"), ("--now", "2026-01-01", "--since", "2026-02-01")],
)
def test_bad_options_are_refused(site, capsys, options):
    _url, ini, _start = site
    with pytest.raises(SystemExit) as exit_info:
        run(ini, *options)
    assert exit_info.value.code == 2


def test_times_without_offset_are_the_sites():
    assert scheduled.parse_when("2026-03-01T10:00") == dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
    assert scheduled.parse_when("2026-07-01") == dt.datetime(2026, 6, 30, 22, 0, tzinfo=dt.UTC)
    assert scheduled.parse_when("2026-03-01T10:00+00:00").hour == 10
