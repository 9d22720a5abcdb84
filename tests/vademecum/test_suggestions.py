"""Suggestions: ``mondoaperto`` proposes a change to the Comune's section, ``comune``
accepts it (a new revision that credits the proposer) or declines it with a reason."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tavolo.audit.models import AuditEntry
from tavolo.vademecum.models import ACCEPTED, DECLINED, PENDING, Suggestion
from tavolo.versioning.service import RevisionService
from tests.vademecum.helpers import COMUNE, MONDO_APERTO, csrf, reload, section, url

PROPOSED = "Mediazione culturale in arabo e urdu con i mediatori della cooperativa."


@pytest.fixture
def mailbox(smtp_server):
    smtp_server.clear()
    yield smtp_server
    smtp_server.clear()


def propose(testapp, node, languages=PROPOSED, status=303):
    form = testapp.get(url(node, "proponi-modifica")).forms["deform"]
    form["languages"] = languages
    form["suggestion_note"] = "Lo facciamo già ogni settimana."
    return form.submit("save", status=status)


def latest_suggestion(dbsession, node) -> Suggestion:
    dbsession.expire_all()
    return (
        dbsession.query(Suggestion)
        .filter_by(section_id=node.id)
        .order_by(Suggestion.id.desc())
        .first()
    )


def test_a_suggestion_is_accepted_and_credits_its_proposer(testapp, login_as, dbsession, mailbox):
    node = section(dbsession, COMUNE)
    login_as("mondoaperto")
    propose(testapp, node)
    suggestion = latest_suggestion(dbsession, node)
    assert suggestion.status == PENDING
    # Only the changed field is kept, against what the proposer saw (the approved text).
    assert suggestion.fields == {"languages": PROPOSED}
    assert suggestion.base_revision == node.approved_revision
    # The Comune's members hear about it (immediate notices, the demo's default).
    assert mailbox.wait_for("comune@example.it")
    assert not mailbox.messages("mondoaperto@example.it")

    testapp.get("/logout")
    login_as("comune")
    page = testapp.get(url(node, "proposta") + f"?id={suggestion.id}")
    page.forms["suggestion-accept-form"].submit(status=303)
    node, suggestion = reload(dbsession, node), latest_suggestion(dbsession, node)
    assert node.languages == PROPOSED
    assert suggestion.status == ACCEPTED and suggestion.decided_by_login == "comune"
    revision = RevisionService(dbsession).latest(node)
    assert suggestion.applied_revision == revision.number
    assert revision.author_login == "comune"
    assert "Samira Haddad" in revision.note and MONDO_APERTO in revision.note
    # An approved section changed by a suggestion is a new draft, like any edit.
    assert node.state == "draft"
    entry = dbsession.scalars(
        select(AuditEntry).where(AuditEntry.event_type == "vademecum_suggestion_accepted")
    ).one()
    assert (entry.actor_login, entry.object_id) == ("comune", node.id)
    assert mailbox.wait_for("mondoaperto@example.it")


def test_declining_needs_a_reason(testapp, login_as, dbsession, mailbox):
    node = section(dbsession, COMUNE)
    suggestion = latest_suggestion(dbsession, node)  # the demo's pending suggestion
    assert suggestion.status == PENDING and suggestion.proposer_login == "mondoaperto"
    before = node.version
    login_as("comune")
    page = testapp.get(url(node, "proposta") + f"?id={suggestion.id}")
    form = page.forms["suggestion-decline-form"]
    form["reason"] = "   "
    form.submit(status=400)
    assert latest_suggestion(dbsession, node).status == PENDING
    form["reason"] = "La mediazione in urdu non è ancora garantita."
    form.submit(status=303)
    suggestion = latest_suggestion(dbsession, node)
    assert suggestion.status == DECLINED
    assert suggestion.reason == "La mediazione in urdu non è ancora garantita."
    assert reload(dbsession, node).version == before  # the section did not change
    [mail] = mailbox.wait_for("mondoaperto@example.it")
    assert "urdu" in mail.get_body(preferencelist=("plain",)).get_content()
    # Decided once: a second decision is refused.
    testapp.post(
        url(node, "accetta-proposta") + f"?id={suggestion.id}",
        {"csrf_token": csrf(testapp)},
        status=409,
    )


def test_only_the_organisation_decides(testapp, login_as, dbsession):
    node = section(dbsession, COMUNE)
    suggestion = latest_suggestion(dbsession, node)
    for login in ("mondoaperto", "prefettura"):
        login_as(login)
        token = csrf(testapp)
        target = f"?id={suggestion.id}"
        testapp.post(url(node, "accetta-proposta") + target, {"csrf_token": token}, status=403)
        testapp.post(
            url(node, "rifiuta-proposta") + target,
            {"csrf_token": token, "reason": "no"},
            status=403,
        )
        testapp.get("/logout")
    assert latest_suggestion(dbsession, node).status == PENDING


def test_an_organisation_does_not_suggest_to_itself(testapp, login_as, dbsession):
    login_as("comune")
    testapp.get(url(section(dbsession, COMUNE), "proponi-modifica"), status=403)


def test_a_suggestion_that_changes_nothing_is_refused(testapp, login_as, dbsession):
    node = section(dbsession, COMUNE)
    count = dbsession.query(Suggestion).count()
    login_as("mondoaperto")
    form = testapp.get(url(node, "proponi-modifica")).forms["deform"]
    page = form.submit("save", status=400)
    assert "Non hai cambiato nulla" in page.text
    dbsession.expire_all()
    assert dbsession.query(Suggestion).count() == count


def test_posting_without_the_csrf_token_is_refused(testapp, login_as, dbsession):
    node = section(dbsession, COMUNE)
    suggestion = latest_suggestion(dbsession, node)
    login_as("comune")
    testapp.post(url(node, "accetta-proposta") + f"?id={suggestion.id}", {}, status=400)
    assert latest_suggestion(dbsession, node).status == PENDING


def test_suggestions_are_listed_for_the_organisation(testapp, login_as, dbsession):
    node = section(dbsession, COMUNE)
    login_as("comune")
    page = testapp.get(url(node, "proposte"))
    assert "Samira Haddad" in page.text
