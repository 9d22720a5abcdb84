"""The daily digest: one mail per user listing what is still visible to them, then
nothing on a second run; and the ``tavolo-digest`` console script on a throw-away
database, against the SMTP server on loopback."""

from __future__ import annotations

import datetime as dt

from pyramid.paster import get_appsettings
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from tavolo.accounts.models import NotificationMode, User
from tavolo.content.models import Node
from tavolo.content.services import ContentService
from tavolo.db import utcnow
from tavolo.notify import digest
from tavolo.notify.digest import DigestReport, DigestService
from tavolo.notify.models import PendingNotice
from tavolo.scripts import initdb
from tavolo.settings import load
from tests.notify.conftest import BASE, body_of, make_item, recipients_of, user_named
from tests.scripts.test_initdb import restore_logging, write_ini  # noqa: F401 - fixture

FOLDER = "/area-riservata/avvisi/"


def queue(dbsession, login: str, node, kind: str, actor: str = "", comment: str = "", **kw):
    user = user_named(dbsession, login)
    user.notifications = kw.pop("mode", NotificationMode.DIGEST)
    notice = PendingNotice(
        user_id=user.id,
        node_id=node.id,
        kind=kind,
        actor_login=actor,
        comment=comment,
        created=kw.pop("created", utcnow() - dt.timedelta(hours=3)),
    )
    dbsession.add(notice)
    dbsession.flush()
    return notice


def unsent(dbsession) -> int:
    dbsession.expire_all()
    return len(dbsession.scalars(select(PendingNotice).where(PendingNotice.sent.is_(None))).all())


def run_digest(manager, session, context, now=None) -> DigestReport:
    with manager:
        return DigestService(session, context).send(now)


def test_one_mail_lists_the_notices_then_nothing_more_is_sent(
    dbsession, manager, script_session, script_context, mailbox
):
    first = make_item(dbsession, FOLDER, "relazione", "Relazione sul trimestre", owner="comune")
    second = make_item(dbsession, FOLDER, "verbale", "Verbale del tavolo", owner="comune")
    queue(dbsession, "prefettura", first, "submit", actor="comune", comment="Pronta")
    queue(dbsession, "prefettura", second, "submit", actor="comune")
    queue(dbsession, "comune", first, "reject", actor="prefettura", comment="Manca una firma")

    report = run_digest(manager, script_session, script_context)
    assert report == DigestReport(mails=2, notices=3, dropped=0)
    assert recipients_of(mailbox) == ["comune@example.it", "prefettura@example.it"]

    (message,) = mailbox.messages("prefettura@example.it")
    assert message["Subject"] == "[Tavolo] Riepilogo degli avvisi (2)"
    body = body_of(message)
    assert body.startswith("Gentile Laura Bianchi,")
    assert "* Da revisionare: «Relazione sul trimestre»\n   Marco Rossi, " in body
    assert "   Commento:\n   Pronta\n" in body
    assert f"   {BASE}{FOLDER}relazione/\n" in body
    assert "* Da revisionare: «Verbale del tavolo»" in body
    assert body.index("Relazione sul trimestre") < body.index("Verbale del tavolo")
    assert f"{BASE}/@@profilo" in body
    (rejected,) = mailbox.messages("comune@example.it")
    assert "* Respinto: «Relazione sul trimestre»" in body_of(rejected)
    assert "Motivazione:\n   Manca una firma" in body_of(rejected)
    assert unsent(dbsession) == 0

    mailbox.clear()
    assert run_digest(manager, script_session, script_context) == DigestReport()
    assert mailbox.messages() == []


def test_notices_about_what_is_no_longer_visible_are_dropped(
    dbsession, manager, script_session, script_context, mailbox
):
    hidden = make_item(dbsession, FOLDER, "relazione", "Relazione riservata", owner="comune")
    shown = make_item(dbsession, FOLDER, "verbale", "Verbale del tavolo", owner="comune")
    # A notice queued while mondoaperto could see the items; since then one went private.
    queue(dbsession, "mondoaperto", hidden, "publish_internally", actor="prefettura")
    queue(dbsession, "mondoaperto", shown, "publish_internally", actor="prefettura")
    shown.state = "internal"
    dbsession.flush()

    report = run_digest(manager, script_session, script_context)
    assert report == DigestReport(mails=1, notices=1, dropped=1)
    body = body_of(mailbox.messages("mondoaperto@example.it")[0])
    assert "Verbale del tavolo" in body
    assert "Relazione riservata" not in body
    assert unsent(dbsession) == 0


def test_users_who_turned_notices_off_or_were_disabled_get_nothing(
    dbsession, manager, script_session, script_context, mailbox
):
    item = make_item(dbsession, FOLDER, "relazione", "Relazione", owner="comune")
    item.state = "internal"  # every partner sees it
    queue(dbsession, "prefettura", item, "submit", actor="comune", mode=NotificationMode.NONE)
    queue(dbsession, "admin", item, "submit", actor="comune")
    user_named(dbsession, "admin").active = False
    # Switched back to immediate: what was queued still arrives, in a digest.
    queue(dbsession, "comune.firma", item, "submit", mode=NotificationMode.IMMEDIATE)
    dbsession.flush()

    report = run_digest(manager, script_session, script_context)
    assert report == DigestReport(mails=1, notices=1, dropped=2)
    assert recipients_of(mailbox) == ["comune.firma@example.it"]
    assert "Il sistema, " in body_of(mailbox.messages()[0])  # no actor: the system
    assert unsent(dbsession) == 0


def test_a_rolled_back_digest_sends_nothing_and_keeps_the_notices(
    dbsession, manager, script_session, script_context, mailbox
):
    item = make_item(dbsession, FOLDER, "relazione", "Relazione", owner="comune")
    queue(dbsession, "prefettura", item, "submit", actor="comune")
    manager.begin()
    assert DigestService(script_session, script_context).send().mails == 1
    manager.abort()
    assert mailbox.messages() == []
    assert unsent(dbsession) == 1

    assert run_digest(manager, script_session, script_context).mails == 1
    assert recipients_of(mailbox) == ["prefettura@example.it"]


def test_notices_queued_after_the_digest_began_wait_for_the_next(
    dbsession, manager, script_session, script_context, mailbox
):
    item = make_item(dbsession, FOLDER, "relazione", "Relazione", owner="comune")
    now = utcnow()
    queue(dbsession, "prefettura", item, "submit", created=now + dt.timedelta(seconds=5))
    assert run_digest(manager, script_session, script_context, now) == DigestReport()
    assert unsent(dbsession) == 1


def test_the_transition_queues_what_the_digest_sends(
    dbsession, site, manager, script_session, script_context, mailbox
):
    make_item(dbsession, FOLDER, "relazione", "Relazione", owner="comune")
    user_named(dbsession, "prefettura").notifications = NotificationMode.DIGEST
    dbsession.flush()
    site.transition(FOLDER + "relazione/", "submit", "comune", "Eccola")
    assert recipients_of(mailbox) == ["admin@example.it"]
    mailbox.clear()

    assert run_digest(manager, script_session, script_context).mails == 1
    body = body_of(mailbox.messages("prefettura@example.it")[0])
    assert "* Da revisionare: «Relazione»\n   Marco Rossi, " in body
    assert "Commento:\n   Eccola" in body


# the console script ---------------------------------------------------------------------
def _arrange(url: str) -> None:
    engine = create_engine(url, poolclass=NullPool)
    with Session(engine) as session, session.begin():
        service = ContentService(session)
        node = session.scalars(select(Node).where(Node.path == "/area-riservata/")).one()
        page = service.create(node, "page", "da-vedere", "Da vedere", state="internal")
        prefettura = session.scalars(select(User).where(User.login == "prefettura")).one()
        prefettura.notifications = NotificationMode.DIGEST
        session.add(
            PendingNotice(
                user_id=prefettura.id,
                node_id=page.id,
                kind="publish_internally",
                actor_login="admin",
                comment="",
                created=utcnow() - dt.timedelta(hours=1),
            )
        )
    engine.dispose()


def test_the_console_script_sends_once(databases, tmp_path, smtp_server, mailbox, capsys):
    ini = write_ini(
        tmp_path,
        "testing.ini",
        databases.url("sqlite", "digest"),
        **{"mail.port": str(smtp_server.port), "mail.host": smtp_server.host},
    )
    assert initdb.main(["tavolo-initdb", ini, "--demo"]) == 0
    _arrange(load(None, get_appsettings(ini))["sqlalchemy.url"])
    capsys.readouterr()

    assert digest.main(["tavolo-digest", ini]) == 0
    assert "sent 1 digest mails listing 1 notices" in capsys.readouterr().out
    (message,) = mailbox.messages()
    assert message["X-Envelope-To"] == "prefettura@example.it"
    assert f"{BASE}/area-riservata/da-vedere/" in body_of(message)
    assert "Amministratore del sito, " in body_of(message)

    assert digest.main(["tavolo-digest", ini]) == 0
    assert "sent 0 digest mails" in capsys.readouterr().out
    assert len(mailbox.messages()) == 1


def test_the_console_script_needs_the_site_address(databases, tmp_path, capsys):
    ini = write_ini(
        tmp_path, "testing.ini", databases.url("sqlite", "digest"), **{"tavolo.base_url": ""}
    )
    assert digest.main(["tavolo-digest", ini]) == 2
    assert "tavolo.base_url" in capsys.readouterr().err
