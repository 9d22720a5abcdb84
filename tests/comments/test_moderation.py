"""Moderation by the item's Reviewers (and Managers): hide with a reason, restore; each
act in the audit trail. Partners may not moderate."""

from __future__ import annotations

import json

from sqlalchemy import select

from tavolo.audit.models import AuditEntry
from tests.comments.conftest import ITEM, comments_of, post_comment, section, token_of


def audit_rows(dbsession) -> list[AuditEntry]:
    dbsession.expire_all()
    return list(
        dbsession.scalars(
            select(AuditEntry)
            .where(AuditEntry.event_type.in_(["comment_hidden", "comment_restored"]))
            .order_by(AuditEntry.id)
        )
    )


def logout(testapp):
    testapp.post("/logout", {"csrf_token": token_of(testapp.get("/"))})


def test_a_reviewer_hides_and_restores_a_comment(item, testapp, login_as, dbsession):
    login_as("comune")
    post_comment(testapp, text="Un'espressione infelice.")
    (comment,) = comments_of(dbsession)
    logout(testapp)

    login_as("prefettura")
    page = testapp.get(ITEM)
    link = page.html.select_one(f"#commento-{comment.id} a[href*='modera-commento']")
    form = testapp.get(link["href"]).forms["comment-hide-form"]
    refused = form.submit("action", status=400)  # no reason given
    assert "Scrivi il motivo" in refused.html.select_one("#moderation-reason-error").text
    form["reason"] = "Linguaggio non adatto alla rete."
    form.submit("action", status=303)
    (comment,) = comments_of(dbsession)
    assert comment.status == "hidden"
    (entry,) = audit_rows(dbsession)
    assert entry.actor_login == "prefettura" and entry.object_path == ITEM
    assert json.loads(entry.details)["comment"] == comment.id
    assert json.loads(entry.details)["reason"] == "Linguaggio non adatto alla rete."
    # Moderators still read it, marked.
    shown = testapp.get(ITEM).html.select_one(f"#commento-{comment.id}")
    assert "Nascosto dalla moderazione:" in shown.get_text()
    logout(testapp)

    # Its author sees it marked, with the reason; and may no longer change it.
    login_as("comune")
    shown = testapp.get(ITEM).html.select_one(f"#commento-{comment.id}")
    assert "Un'espressione infelice." in shown.get_text()
    assert "Linguaggio non adatto alla rete." in shown.get_text()
    assert shown.select_one("a[href*='modifica-commento']") is None
    testapp.get(f"{ITEM}@@modifica-commento?id={comment.id}", status=409)
    logout(testapp)

    # Everyone else sees a placeholder.
    login_as("mondoaperto")
    page = testapp.get(ITEM)
    shown = page.html.select_one(f"#commento-{comment.id}")
    assert "Commento nascosto dalla moderazione." in shown.get_text()
    assert "Un'espressione infelice." not in page.text
    assert "Linguaggio non adatto" not in page.text
    logout(testapp)

    login_as("prefettura")
    form = testapp.get(f"{ITEM}@@modera-commento?id={comment.id}").forms["comment-restore-form"]
    form.submit("action", status=303)
    assert comments_of(dbsession)[0].status == "visible"
    assert [e.event_type for e in audit_rows(dbsession)] == ["comment_hidden", "comment_restored"]
    # The audit viewer names the events.
    logout(testapp)
    login_as("admin")
    listing = testapp.get("/@@audit?tipo=comment_hidden")
    assert "Commento nascosto da un moderatore" in listing.text


def test_a_partner_may_not_moderate(item, testapp, login_as, dbsession):
    login_as("comune")
    post_comment(testapp, text="Mio.")
    (comment,) = comments_of(dbsession)
    logout(testapp)
    login_as("mondoaperto")
    page = testapp.get(ITEM)
    assert section(page).select("a[href*='modera-commento']") == []
    testapp.get(f"{ITEM}@@modera-commento?id={comment.id}", status=403)
    testapp.post(
        f"{ITEM}@@modera-commento?id={comment.id}",
        {"csrf_token": token_of(page), "action": "hide", "reason": "Non mi piace."},
        status=403,
    )
    assert comments_of(dbsession)[0].status == "visible"
    assert audit_rows(dbsession) == []
