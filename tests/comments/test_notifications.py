"""Who hears about a new comment, read from the real SMTP server on loopback: the item's
owner and earlier participants, each as they chose; never the author, never someone who
can no longer see the item."""

from __future__ import annotations

from sqlalchemy import select

from tavolo.accounts.models import NotificationMode, User
from tavolo.content.services import ContentService
from tavolo.notify.models import PendingNotice
from tests.comments.conftest import ITEM, comments_of, post_comment, token_of
from tests.notify.conftest import BASE, body_of, recipients_of, user_named


def logout(testapp):
    testapp.post("/logout", {"csrf_token": token_of(testapp.get("/"))})


def test_the_owner_and_the_participants_are_told_not_the_author(
    item, testapp, login_as, dbsession, mailbox
):
    login_as("comune")
    post_comment(testapp, text="Proponiamo una modifica.")
    (comment,) = comments_of(dbsession)
    # The owner (the prefecture) hears about it; the author does not.
    assert recipients_of(mailbox) == ["prefettura@example.it"]
    (message,) = mailbox.messages()
    assert message["Subject"] == "[Tavolo] Nuovo commento: Proposta di protocollo"
    body = body_of(message)
    assert "ha scritto un commento su «Proposta di protocollo»." in body
    assert "Commento:\nProponiamo una modifica." in body
    assert f"{BASE}{ITEM}@@commento?id={comment.id}\n" in body
    # The link leads to the comment.
    response = testapp.get(f"{ITEM}@@commento?id={comment.id}", status=303)
    assert response.location.endswith(f"#commento-{comment.id}")
    logout(testapp)
    mailbox.clear()

    login_as("mondoaperto")
    post_comment(testapp, text="D'accordo.", reply_to=comment.id)
    assert recipients_of(mailbox) == ["comune@example.it", "prefettura@example.it"]


def test_digest_and_none_are_honoured(item, testapp, login_as, dbsession, mailbox):
    user_named(dbsession, "prefettura").notifications = NotificationMode.DIGEST
    dbsession.flush()
    login_as("comune")
    post_comment(testapp, text="Per il riepilogo.")
    assert mailbox.messages() == []
    dbsession.expire_all()
    rows = dbsession.execute(
        select(User.login, PendingNotice.kind, PendingNotice.comment).join(
            User, User.id == PendingNotice.user_id
        )
    ).all()
    assert [tuple(r) for r in rows] == [("prefettura", "comment", "Per il riepilogo.")]

    user_named(dbsession, "prefettura").notifications = NotificationMode.NONE
    dbsession.flush()
    post_comment(testapp, text="Nessun avviso.")
    assert mailbox.messages() == []
    dbsession.expire_all()
    assert (
        dbsession.scalar(select(PendingNotice.id).where(PendingNotice.comment == "Nessun avviso."))
        is None
    )


def test_who_can_no_longer_see_the_item_is_not_told(item, testapp, login_as, dbsession, mailbox):
    login_as("comune")
    post_comment(testapp, text="Sono del Comune.")
    logout(testapp)
    # The item goes back among the private drafts: partners no longer see it.
    node = ContentService(dbsession).by_path(ITEM)
    node.state = "private"
    dbsession.flush()
    mailbox.clear()
    login_as("admin")
    post_comment(testapp, text="Solo per la Prefettura.")
    assert recipients_of(mailbox) == ["prefettura@example.it"]


def test_inactive_users_are_not_told(item, testapp, login_as, dbsession, mailbox):
    user_named(dbsession, "prefettura").active = False
    dbsession.flush()
    login_as("comune")
    post_comment(testapp, text="Nessuno ascolta.")
    assert mailbox.messages() == []
