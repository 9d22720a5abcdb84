"""Ownership and the section workflow through the real application (issue 9, "done when").

``comune`` edits the Comune della Spezia's section and cannot edit Mondo Aperto's; the
prefecture approves and returns with a required comment; an approved section edited again
keeps showing its approved form to everyone else until it is approved again.
"""

from __future__ import annotations

import json

import pytest

from tavolo.vademecum.snapshot import approved_content, consolidated
from tavolo.workflow.models import WorkflowHistory
from tests.vademecum.helpers import (
    COMUNE,
    CPI,
    ISA,
    MONDO_APERTO,
    csrf,
    reload,
    section,
    take,
    url,
    vademecum,
)

NEW_TEXT = "Nuovo testo delle competenze del Comune, ancora da approvare."


def edit_competences(testapp, node, text, status=303):
    form = testapp.get(url(node, "edit")).forms["deform"]
    form["competences"] = f"<p>{text}</p>"
    return form.submit("save", status=status)


def test_a_member_edits_the_section_of_their_organisation(testapp, login_as, dbsession):
    node = section(dbsession, COMUNE)
    before = node.version
    login_as("comune")
    edit_competences(testapp, node, NEW_TEXT)
    node = reload(dbsession, node)
    assert NEW_TEXT in node.competences
    assert node.version > before
    # It was approved: the save started a new draft, the approved text is kept.
    assert node.state == "draft"
    assert NEW_TEXT not in approved_content(node)["competences"]


@pytest.mark.parametrize("login", ["comune", "prefettura", "archivio"])
def test_others_cannot_edit_a_section_form_or_post(testapp, login_as, dbsession, login):
    """Not the Comune (another organisation), not the prefecture (Editor of the whole
    reserved area, blocked at the section), not a global Reader: 403 on GET and on POST,
    and nothing changes."""
    node = section(dbsession, MONDO_APERTO)
    before = (node.version, node.competences, node.state)
    login_as(login)
    testapp.get(url(node, "edit"), status=403)
    testapp.post(
        url(node, "edit"),
        {
            "csrf_token": csrf(testapp),
            "competences": "<p>Scritto da altri</p>",
            "expected_version": str(node.version),
            "save": "save",
        },
        status=403,
    )
    node = reload(dbsession, node)
    assert (node.version, node.competences, node.state) == before


def test_a_visitor_is_sent_to_log_in(testapp, dbsession):
    node = section(dbsession, COMUNE)
    response = testapp.get(url(node, "edit"), status=303)
    assert "/login" in response.location


def test_a_manager_edits_any_section(testapp, login_as, dbsession):
    node = section(dbsession, ISA)
    login_as("admin")
    edit_competences(testapp, node, "Testo scritto dall'amministratore.")
    assert "amministratore" in reload(dbsession, node).competences


def test_every_partner_reads_every_section(testapp, login_as, dbsession):
    login_as("mondoaperto")
    page = testapp.get(url(section(dbsession, COMUNE)))
    assert "Iscrizione anagrafica" in page.text


def test_invalid_contacts_are_refused_with_the_form(testapp, login_as, dbsession):
    node = section(dbsession, COMUNE)
    login_as("comune")
    form = testapp.get(url(node, "edit")).forms["deform"]
    form.set("email", "non-un-indirizzo", index=0)  # the organisation's, not the person's
    form["website"] = "javascript:alert(1)"
    page = form.submit("save", status=400)
    assert "is-invalid" in page.text
    assert reload(dbsession, node).contacts["email"] != "non-un-indirizzo"


def test_competences_are_required_and_rich_text_is_sanitised(testapp, login_as, dbsession):
    node = section(dbsession, COMUNE)
    login_as("comune")
    form = testapp.get(url(node, "edit")).forms["deform"]
    form["competences"] = "<p></p>"
    form.submit("save", status=400)
    form["competences"] = '<p onclick="x()">Pulito<script>alert(1)</script></p>'
    form.submit("save", status=303)
    stored = reload(dbsession, node).competences
    assert "script" not in stored and "onclick" not in stored and "Pulito" in stored


def test_a_stale_form_is_a_conflict_and_writes_nothing(testapp, login_as, dbsession):
    node = section(dbsession, COMUNE)
    login_as("comune")
    form = testapp.get(url(node, "edit")).forms["deform"]
    edit_competences(testapp, node, "Prima modifica")
    form["competences"] = "<p>Seconda modifica da un modulo vecchio</p>"
    form.submit("save", status=409)
    assert "Prima modifica" in reload(dbsession, node).competences


def test_the_prefecture_approves_a_submitted_section(testapp, login_as, dbsession):
    node = section(dbsession, MONDO_APERTO)
    assert node.state == "submitted" and node.approved_revision is None
    login_as("prefettura")
    take(testapp, node, "approve")
    node = reload(dbsession, node)
    assert node.state == "approved"
    assert node.approved_revision is not None and node.approved_by_login == "prefettura"
    assert approved_content(node)["competences"] == node.competences
    titles = [s["title"] for s in consolidated(dbsession, vademecum(dbsession))["sections"]]
    assert MONDO_APERTO in titles


def test_a_partner_cannot_approve(testapp, login_as, dbsession):
    node = section(dbsession, MONDO_APERTO)
    login_as("mondoaperto")
    testapp.get(f"{node.path}@@transizione?nome=approve", status=403)
    assert reload(dbsession, node).state == "submitted"


def test_returning_needs_a_comment(testapp, login_as, dbsession):
    node = section(dbsession, MONDO_APERTO)
    login_as("prefettura")
    take(testapp, node, "return", "", status=400)
    assert reload(dbsession, node).state == "submitted"
    take(testapp, node, "return", "Mancano gli orari degli sportelli.")
    assert reload(dbsession, node).state == "returned"
    entry = (
        dbsession.query(WorkflowHistory)
        .filter_by(node_id=node.id)
        .order_by(WorkflowHistory.id.desc())
        .first()
    )
    assert (entry.transition, entry.comment) == ("return", "Mancano gli orari degli sportelli.")


def test_a_returned_section_is_submitted_again_by_its_organisation(testapp, login_as, dbsession):
    node = section(dbsession, ISA)
    assert node.state == "returned"
    login_as("admin")
    take(testapp, node, "submit")
    assert reload(dbsession, node).state == "submitted"


def test_an_approved_section_edited_again_shows_its_approved_form_until_approved(
    testapp, login_as, dbsession
):
    node = section(dbsession, COMUNE)
    approved_before = node.approved_revision
    login_as("comune")
    edit_competences(testapp, node, NEW_TEXT)
    # Its organisation sees the draft...
    assert NEW_TEXT in testapp.get(url(node)).text
    testapp.get("/logout")
    login_as("mondoaperto")
    # ...another partner, the consolidated guide and search see the approved form.
    page = testapp.get(url(node))
    assert NEW_TEXT not in page.text and "Iscrizione anagrafica" in page.text
    node = reload(dbsession, node)
    assert node.approved_revision == approved_before
    guide = consolidated(dbsession, vademecum(dbsession))
    [entry] = [s for s in guide["sections"] if s["node_id"] == node.id]
    assert NEW_TEXT not in entry["competences"]
    assert NEW_TEXT not in node.index_text()
    # The prefecture sees the draft, and once it approves, everyone does.
    testapp.get("/logout")
    login_as("comune")
    take(testapp, node, "submit")
    testapp.get("/logout")
    login_as("prefettura")
    assert NEW_TEXT in testapp.get(url(node)).text
    take(testapp, node, "approve")
    testapp.get("/logout")
    login_as("mondoaperto")
    assert NEW_TEXT in testapp.get(url(node)).text
    node = reload(dbsession, node)
    assert node.approved_revision > approved_before
    assert NEW_TEXT in node.index_text()


def test_a_section_never_approved_shows_nothing_to_other_partners(testapp, login_as, dbsession):
    node = section(dbsession, ISA)
    login_as("mondoaperto")
    page = testapp.get(url(node))
    assert "non è ancora stata approvata" in page.text
    assert "capofila dei partner pubblici" not in page.text
    assert node.index_text() == ""


def test_approved_content_is_what_readers_get_while_a_draft_goes_on(dbsession):
    node = section(dbsession, CPI)
    # The demo's Centro per l'Impiego: approved, then rewritten by its organisation.
    assert node.state == "draft" and node.approved_revision is not None
    assert approved_content(node)["languages"] != node.languages
    assert json.loads(node.approved_snapshot)["title"] == node.title


def test_services_are_added_in_blank_rows_and_removed_by_emptying_them(
    testapp, login_as, dbsession
):
    node = section(dbsession, COMUNE)
    login_as("comune")
    page = testapp.get(url(node, "edit"))
    assert "<script" not in page.html.select_one("form#deform").decode()
    form = page.forms["deform"]
    names = form.fields["name"]  # services' names first, then offices'
    assert [f.value for f in names[:4]] == [
        "Iscrizione anagrafica",
        "Segretariato sociale",
        "",
        "",
    ]
    names[1].value = ""  # empty the second service...
    for field in ("description", "eligibility", "access", "documents"):
        form.fields[field][1].value = ""
    names[2].value = "Sportello casa"  # ...and add one in a blank row
    form.submit("save", status=303)
    services = reload(dbsession, node).services
    assert [s["name"] for s in services] == ["Iscrizione anagrafica", "Sportello casa"]


@pytest.fixture
def mailbox(smtp_server):
    smtp_server.clear()
    yield smtp_server
    smtp_server.clear()


def test_the_organisation_hears_of_approval_and_return(testapp, login_as, dbsession, mailbox):
    node = section(dbsession, MONDO_APERTO)
    login_as("prefettura")
    take(testapp, node, "return", "Aggiungete gli orari, per favore.")
    [mail] = mailbox.wait_for("mondoaperto@example.it")
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Aggiungete gli orari" in body and node.path in body
    assert not mailbox.messages("comune@example.it")


def test_the_edit_form_takes_the_advisory_lock_and_cancelling_releases_it(
    testapp, login_as, dbsession
):
    from tavolo.versioning.models import EditLock

    node = section(dbsession, COMUNE)
    login_as("comune")
    page = testapp.get(url(node, "edit"))
    assert "data-lock-take" in page.text
    token = csrf(testapp)
    testapp.post(url(node, "blocca"), {"csrf_token": token}, status=200)
    dbsession.expire_all()
    assert dbsession.get(EditLock, node.id) is not None
    page.forms["deform"].submit("cancel", status=303)
    dbsession.expire_all()
    assert dbsession.get(EditLock, node.id) is None
