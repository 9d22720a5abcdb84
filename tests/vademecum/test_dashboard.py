"""The prefecture's dashboard and the reminder mail (only to members of organisations
whose section is late or returned), through the real SMTP server on loopback."""

from __future__ import annotations

import datetime as dt

import pytest

from tavolo.accounts.models import Membership, User
from tavolo.vademecum.dashboard import build, reminder_recipients
from tests.vademecum.helpers import ISA, MONDO_APERTO, organisation, url, vademecum


@pytest.fixture
def mailbox(smtp_server):
    smtp_server.clear()
    yield smtp_server
    smtp_server.clear()


def test_the_dashboard_shows_states_and_the_percentage(testapp, login_as, dbsession):
    v = vademecum(dbsession)
    board = build(dbsession, v)
    assert board.total == len(board.rows) > 0
    assert board.approved == 1  # the demo's Comune (the Centro per l'Impiego is a new draft)
    assert board.percent == 100 // board.total
    login_as("prefettura")
    page = testapp.get(url(v, "cruscotto"))
    table = page.html.select_one("table.tavolo-dashboard")
    assert [th.get_text(strip=True) for th in table.select("thead th")] == [
        "Organizzazione",
        "Stato",
        "Ultima modifica",
        "Autore",
        "Giorni di attesa",
    ]
    assert f"({board.percent}%)" in page.text
    assert "restituita" in page.text  # ISA 1


def test_the_reminder_reaches_only_late_or_returned_organisations(
    testapp, login_as, dbsession, mailbox
):
    v = vademecum(dbsession)
    v.deadline = dt.date.today() - dt.timedelta(days=2)
    # A member for ISA 1 (returned), who must be told.
    isa_user = User(login="isa1", fullname="Anna Bruni", email="isa1@example.it", active=True)
    dbsession.add(isa_user)
    dbsession.flush()
    dbsession.add(Membership(user_id=isa_user.id, organisation_id=organisation(dbsession, ISA).id))
    dbsession.flush()
    login_as("prefettura")
    page = testapp.get(url(v, "promemoria"))
    assert MONDO_APERTO in page.text and ISA in page.text
    assert "Comune della Spezia" not in page.text  # approved: neither late nor returned
    assert not mailbox.messages()  # the confirmation page sends nothing
    done = page.forms["reminder-form"].submit("send", status=303)
    assert "inviati=" in done.location
    assert mailbox.wait_for("isa1@example.it") and mailbox.wait_for("mondoaperto@example.it")
    recipients = {m["X-Envelope-To"] for m in mailbox.messages()}
    assert recipients == {"isa1@example.it", "mondoaperto@example.it"}
    [mail] = mailbox.messages("isa1@example.it")
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "restituito" in body and "area-riservata/vademecum/guida/" in body


def test_a_partner_cannot_send_reminders(testapp, login_as, dbsession, mailbox):
    v = vademecum(dbsession)
    login_as("comune")
    token = testapp.get("/").forms["language-form"]["csrf_token"].value
    testapp.get(url(v, "promemoria"), status=403)
    testapp.post(url(v, "promemoria"), {"csrf_token": token, "send": "1"}, status=403)
    assert not mailbox.messages()


def test_nobody_of_the_prefecture_or_of_approved_sections_is_reminded(dbsession):
    v = vademecum(dbsession)
    v.deadline = dt.date.today() - dt.timedelta(days=2)
    found = reminder_recipients(dbsession, build(dbsession, v))
    logins = {user.login for users in found.values() for user in users}
    assert logins == {"mondoaperto"}
