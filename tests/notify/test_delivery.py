"""Mails about transitions, read from a real SMTP server on loopback: who gets them, their
subject, text and link; digest users get a queued notice instead; a rolled-back
transition tells nobody."""

from __future__ import annotations

import logging

from sqlalchemy import select

from tavolo import events
from tavolo.accounts.models import Group as UserGroup
from tavolo.accounts.models import NotificationMode, User
from tavolo.content.services import ContentService
from tavolo.notify import attach, notify_transition
from tavolo.notify.messages import KIND_LABELS, KIND_SENTENCES
from tavolo.notify.models import PendingNotice
from tavolo.notify.recipients import FOR_OWNER, FOR_REVIEWERS
from tavolo.security.models import LocalRole
from tavolo.security.roles import REVIEWER
from tests.conftest import login
from tests.content.helpers import at
from tests.notify.conftest import BASE, body_of, make_item, recipients_of, user_named

FOLDER = "/area-riservata/avvisi/"
ITEM = FOLDER + "relazione/"
TITLE = "Relazione sul primo trimestre"


def choose(dbsession, login: str, mode: NotificationMode) -> None:
    user_named(dbsession, login).notifications = mode
    dbsession.flush()


def notices(dbsession) -> list[tuple[str, str]]:
    dbsession.expire_all()
    rows = dbsession.execute(
        select(User.login, PendingNotice.kind)
        .join(User, User.id == PendingNotice.user_id)
        .order_by(PendingNotice.id)
    )
    return [tuple(row) for row in rows]


# submitting -----------------------------------------------------------------------------
def test_submitting_mails_the_reviewers_who_can_review_the_item(dbsession, site, mailbox):
    make_item(dbsession, FOLDER, "relazione", TITLE, owner="comune")
    site.transition(ITEM, "submit", "comune", "Pronta per la revisione")

    # The global Reviewer and the Manager; not the author, not a Reader (archivio), not
    # partners without a role on it.
    assert recipients_of(mailbox) == ["admin@example.it", "prefettura@example.it"]
    (message,) = mailbox.messages("prefettura@example.it")
    assert message["Subject"] == f"[Tavolo] Da revisionare: {TITLE}"
    assert message["Auto-Submitted"] == "auto-generated"
    body = body_of(message)
    assert body.startswith("Gentile Laura Bianchi,")
    assert f"Marco Rossi ha inviato in revisione «{TITLE}»." in body
    assert "Commento:\nPronta per la revisione" in body
    assert f"{BASE}{ITEM}\n" in body
    assert f"{BASE}/@@profilo" in body


def test_local_reviewers_are_told_through_any_principal(dbsession, site, mailbox):
    page = make_item(dbsession, FOLDER, "relazione", TITLE, owner="comune")
    folder = page.lineage[-2]
    # In person, through a group made of whole organisations (Mondo Aperto is in the
    # Tavolo tecnico), and an organisation whose only other member is the author.
    tavolo_tecnico = dbsession.scalars(
        select(UserGroup).where(UserGroup.name == "tavolo-tecnico")
    ).one()
    comune_firma = user_named(dbsession, "comune.firma")
    dbsession.add_all(
        [
            LocalRole(node_id=folder.id, user_id=comune_firma.id, role=REVIEWER),
            LocalRole(node_id=folder.id, group_id=tavolo_tecnico.id, role=REVIEWER),
        ]
    )
    dbsession.flush()
    site.transition(ITEM, "submit", "comune")

    told = recipients_of(mailbox)
    assert "comune.firma@example.it" in told
    assert "mondoaperto@example.it" in told
    assert "comune@example.it" not in told  # the actor
    # The Prefettura is in the Tavolo tecnico too: its Reader of the archive reviews here.
    assert "archivio@example.it" in told
    assert "Commento" not in body_of(mailbox.messages("mondoaperto@example.it")[0])


def test_a_reviewer_who_cannot_see_the_item_is_not_told(dbsession, site, mailbox):
    # A private folder hides what is in it: a Reviewer granted only below it sees nothing.
    service = ContentService(dbsession)
    closed = service.create(service.root(), "folder", "chiusa", "Chiusa", state="private")
    inner = service.create(closed, "folder", "interna", "Interna", state="internal")
    make_item(dbsession, "/chiusa/interna/", "relazione", TITLE, owner="admin")
    mondoaperto = user_named(dbsession, "mondoaperto")
    dbsession.add(LocalRole(node_id=inner.id, user_id=mondoaperto.id, role=REVIEWER))
    # A disabled account is never told, whatever its roles.
    user_named(dbsession, "prefettura").active = False
    dbsession.flush()
    site.transition("/chiusa/interna/relazione/", "submit", "admin")

    # admin, the only one left who may review and see it, is the actor.
    assert mailbox.messages() == []


# the owner hears about the outcome ------------------------------------------------------
def test_publishing_and_rejecting_mail_the_owner_with_the_comment(dbsession, site, mailbox):
    make_item(dbsession, "/notizie-prova/", "relazione", TITLE, owner="comune")
    item = "/notizie-prova/relazione/"
    site.transition(item, "submit", "comune")
    mailbox.clear()

    site.transition(item, "reject", "prefettura", "Manca la tabella dei dati.\nGrazie.")
    (rejected,) = mailbox.messages()
    assert rejected["X-Envelope-To"] == "comune@example.it"
    assert rejected["Subject"] == f"[Tavolo] Respinto: {TITLE}"
    body = body_of(rejected)
    assert f"Laura Bianchi ha respinto «{TITLE}»" in body
    assert "Motivazione:\nManca la tabella dei dati.\nGrazie." in body
    assert f"{BASE}{item}" in body

    site.transition(item, "submit", "comune")
    mailbox.clear()
    site.transition(item, "publish", "prefettura", "Ottimo lavoro")
    (published,) = mailbox.messages()
    assert published["X-Envelope-To"] == "comune@example.it"
    assert published["Subject"] == f"[Tavolo] Pubblicato: {TITLE}"
    assert "Commento:\nOttimo lavoro" in body_of(published)


def test_a_long_reason_arrives_whole(dbsession, site, mailbox):
    # Past 998 bytes a message must go with CRLF line endings, or strict servers (this one,
    # Exchange Online) refuse it - after the transition committed.
    make_item(dbsession, FOLDER, "relazione", TITLE, owner="comune")
    site.transition(ITEM, "submit", "comune")
    mailbox.clear()
    reason = "\n".join(
        f"{n}. La sezione {n} va riscritta con i dati aggiornati." for n in range(30)
    )
    assert len(reason.encode()) > 1000
    site.transition(ITEM, "reject", "prefettura", reason)
    (message,) = mailbox.messages()
    assert reason in body_of(message)


def test_publishing_in_the_reserved_area_names_it(dbsession, site, mailbox):
    make_item(dbsession, FOLDER, "relazione", TITLE, owner="comune")
    site.transition(ITEM, "submit", "comune")
    mailbox.clear()
    site.transition(ITEM, "publish_internally", "prefettura")
    (message,) = mailbox.messages()
    assert message["Subject"] == f"[Tavolo] Pubblicato nell'area riservata: {TITLE}"
    assert "Commento" not in body_of(message)


def test_a_scheduled_publication_says_from_when(dbsession, site, mailbox):
    make_item(dbsession, FOLDER, "relazione", TITLE, owner="comune")
    site.transition(ITEM, "submit", "comune")
    mailbox.clear()
    site.transition(ITEM, "publish_internally", "prefettura", effective=at(2099, 3, 21, 11, 17))
    (message,) = mailbox.messages()
    assert "Sarà visibile a partire da sabato 21 marzo 2099, ore 11:17." in body_of(message)


def test_every_kind_that_is_told_has_its_texts():
    for kind in FOR_REVIEWERS | FOR_OWNER:
        assert kind in KIND_LABELS
        assert kind in KIND_SENTENCES


def test_nobody_hears_about_their_own_move(dbsession, site, mailbox):
    make_item(dbsession, FOLDER, "relazione", TITLE, owner="prefettura")
    site.transition(ITEM, "submit", "prefettura")
    assert recipients_of(mailbox) == ["admin@example.it"]
    mailbox.clear()
    site.transition(ITEM, "publish_internally", "prefettura")
    site.transition(ITEM, "retract", "prefettura")
    assert mailbox.messages() == []


# choices ---------------------------------------------------------------------------------
def test_digest_users_get_a_queued_notice_and_none_gets_nothing(dbsession, site, mailbox):
    make_item(dbsession, FOLDER, "relazione", TITLE, owner="comune")
    choose(dbsession, "prefettura", NotificationMode.DIGEST)
    choose(dbsession, "comune", NotificationMode.NONE)
    site.transition(ITEM, "submit", "comune")
    assert recipients_of(mailbox) == ["admin@example.it"]
    assert notices(dbsession) == [("prefettura", "submit")]

    site.transition(ITEM, "reject", "prefettura", "Da rivedere")
    assert recipients_of(mailbox) == ["admin@example.it"]  # comune chose none
    assert notices(dbsession) == [("prefettura", "submit")]


def test_a_rolled_back_transition_sends_and_queues_nothing(dbsession, site, mailbox):
    make_item(dbsession, FOLDER, "relazione", TITLE, owner="comune")
    choose(dbsession, "prefettura", NotificationMode.DIGEST)
    site.transition(ITEM, "submit", "comune", abort=True)
    assert mailbox.messages() == []
    assert notices(dbsession) == []
    assert ContentService(dbsession).by_path(ITEM).state == "private"

    site.transition(ITEM, "submit", "comune")
    assert recipients_of(mailbox) == ["admin@example.it"]


# events fired by scripts ----------------------------------------------------------------
def scheduled_event(node, transition: str):
    return events.AfterTransition(
        node,
        None,
        old_state="internal",
        new_state="internal",
        transition=transition,
        actor=None,
        workflow="reserved_publication",
    )


def test_a_script_attaches_its_context_and_fires_through_the_registry(
    dbsession, wsgi_app, manager, script_session, script_context, mailbox
):
    make_item(dbsession, FOLDER, "relazione", TITLE, owner="comune")
    with manager:
        node = ContentService(script_session).by_path(ITEM)
        attach(script_session, script_context)
        wsgi_app.registry.notify(scheduled_event(node, "became_visible"))
    (message,) = mailbox.messages()
    assert message["X-Envelope-To"] == "comune@example.it"
    assert message["Subject"] == f"[Tavolo] Ora visibile: {TITLE}"
    body = body_of(message)
    assert f"«{TITLE}» ha raggiunto la data di pubblicazione" in body
    assert f"{BASE}{ITEM}" in body

    # Aborted: nothing leaves.
    mailbox.clear()
    manager.begin()
    node = ContentService(script_session).by_path(ITEM)
    notify_transition(script_session, scheduled_event(node, "expired"), script_context)
    manager.abort()
    assert mailbox.messages() == []


def test_an_event_without_request_or_context_tells_nobody_and_says_so(
    dbsession, wsgi_app, manager, script_session, mailbox, caplog
):
    make_item(dbsession, FOLDER, "relazione", TITLE, owner="comune")
    with manager, caplog.at_level(logging.WARNING, logger="tavolo.notify"):
        node = ContentService(script_session).by_path(ITEM)
        wsgi_app.registry.notify(scheduled_event(node, "expired"))
    assert mailbox.messages() == []
    assert "nobody told" in caplog.text


def test_the_footer_links_to_the_profile_page(testapp, script_context):
    assert script_context.profile_url == f"{BASE}/@@profilo"
    login(testapp, "comune")
    page = testapp.get("/@@profilo", status=200)
    assert page.html.find(id="item-profile-notifications") is not None
