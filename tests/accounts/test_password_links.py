"""One-time links by mail (read from a real SMTP server on loopback), and changing a password."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest
import transaction
from pyramid_mailer.mailer import Mailer
from sqlalchemy import select, update

from tavolo.accounts.models import Membership, Organisation, PasswordToken, User
from tavolo.accounts.onetime import InvitationService, MailContext
from tavolo.audit.models import AuditEntry
from tavolo.db import utcnow
from tavolo.scripts.demo import COMUNE
from tests.conftest import CLIENT_ADDRESS, DEMO_PASSWORD, login

LINK = re.compile(r"http://localhost/@@set-password\?token=[A-Za-z0-9_-]+")
NEW_PASSWORD = "cantiere navale al tramonto"
SENT_TEXT = "Se un account corrisponde ai dati indicati"


@pytest.fixture
def mailbox(smtp_server):
    smtp_server.clear()
    yield smtp_server
    smtp_server.clear()


def body_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def link_in(message) -> str:
    (link,) = LINK.findall(body_of(message))
    return link


def user_named(dbsession, login_name) -> User:
    dbsession.expire_all()
    return dbsession.scalars(select(User).where(User.login == login_name)).one()


def audit(dbsession, event_type) -> list[AuditEntry]:
    dbsession.expire_all()
    return list(
        dbsession.scalars(
            select(AuditEntry).where(AuditEntry.event_type == event_type).order_by(AuditEntry.id)
        )
    )


def ask_reset(app, identifier, status=303):
    form = app.get("/@@password-reset").forms["password-reset-form"]
    form["identifier"] = identifier
    response = form.submit(status=status)
    return response.follow(status=200) if status == 303 else response


def set_password(app, link, password, confirm=None, status=303):
    form = app.get(link, status=200).forms["set-password-form"]
    form["new_password"] = password
    form["confirm"] = password if confirm is None else confirm
    return form.submit(status=status)


# the forgotten password ------------------------------------------------------------------
def test_the_login_page_links_to_the_forgotten_password_form(testapp):
    page = testapp.get("/login")
    assert page.html.find("a", string="Password dimenticata?")["href"].endswith("/@@password-reset")
    assert set(page.forms["login-form"].fields) >= {"login", "password", "csrf_token"}


def test_a_reset_link_arrives_and_works_once(testapp, dbsession, mailbox):
    page = ask_reset(testapp, "comune@example.it")
    assert SENT_TEXT in page.text

    (message,) = mailbox.wait_for("comune@example.it")
    assert "reimposta la password" in message["Subject"]
    assert "Marco Rossi" in body_of(message)
    link = link_in(message)

    # GET shows the form without using the token: twice is fine.
    first = testapp.get(link, status=200)
    assert first.headers["Referrer-Policy"] == "no-referrer"
    assert "no-store" in first.headers["Cache-Control"]
    response = set_password(testapp, link, NEW_PASSWORD)
    assert response.location == "http://localhost/login?notice=password-set"
    assert "ora puoi accedere" in response.follow().text

    again = testapp.get(link, status=410)
    assert "già stato usato" in again.text
    assert again.html.find("a", href="http://localhost/@@password-reset")

    login(testapp, "comune", DEMO_PASSWORD, status=401)
    login(testapp, "comune", NEW_PASSWORD, status=303)
    (changed,) = audit(dbsession, "password_reset")
    assert changed.object_path == "comune"


def test_the_login_name_works_too_and_the_mail_is_throttled(testapp, mailbox):
    for _attempt in range(5):
        assert SENT_TEXT in ask_reset(testapp, "Comune.Firma").text
    # Three links an hour per account, whatever the visitor keeps asking.
    assert len(mailbox.wait_for("comune.firma@example.it", count=3)) == 3
    assert len(mailbox.messages("comune.firma@example.it")) == 3


def test_an_unknown_address_gets_the_same_page_and_no_mail(testapp, dbsession, mailbox):
    known = ask_reset(testapp, "comune@example.it")
    unknown = ask_reset(testapp, "nessuno@example.it")
    assert unknown.html.find(id="reset-sent").text == known.html.find(id="reset-sent").text
    mailbox.wait_for("comune@example.it")
    assert mailbox.messages("nessuno@example.it") == []
    assert len(mailbox.messages()) == 1
    entries = audit(dbsession, "password_reset_requested")
    assert [e.data["known_account"] for e in entries] == [True, False]
    assert entries[1].data["email"] == "nessuno@example.it"


def test_an_expired_link_is_refused(testapp, dbsession, mailbox):
    ask_reset(testapp, "comune")
    link = link_in(mailbox.wait_for("comune@example.it")[0])
    comune = user_named(dbsession, "comune")
    dbsession.execute(
        update(PasswordToken)
        .where(PasswordToken.user_id == comune.id)
        .values(expires=utcnow() - dt.timedelta(seconds=1))
    )
    dbsession.flush()

    page = testapp.get(link, status=410)
    assert "scaduto" in page.text
    form = testapp.get("/login").forms["login-form"]  # a token from any page
    testapp.post(
        "/@@set-password",
        {
            "token": link.split("=", 1)[1],
            "new_password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "csrf_token": form["csrf_token"].value,
        },
        status=410,
    )
    login(testapp, "comune", DEMO_PASSWORD)


def test_an_unknown_token_is_refused(testapp):
    page = testapp.get("/@@set-password?token=nonesiste", status=400)
    assert "non è valido" in page.text
    testapp.get("/@@set-password", status=400)


def test_a_post_without_the_csrf_token_is_refused(testapp, mailbox):
    testapp.post("/@@password-reset", {"identifier": "comune"}, status=400)
    ask_reset(testapp, "comune")
    link = link_in(mailbox.wait_for("comune@example.it")[0])
    token = link.split("=", 1)[1]
    testapp.post(
        "/@@set-password",
        {"token": token, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        status=400,
    )
    testapp.get(link, status=200)  # still live


@pytest.mark.parametrize(
    ("password", "confirm", "field", "message"),
    [
        ("breve1!", None, "new-password-error", "almeno 12 caratteri"),
        ("Password2024!", None, "new-password-error", "troppo comune"),
        ("prefettura2025", None, "new-password-error", "troppo comune"),
        ("Estate2026!!!", None, "new-password-error", "troppo comune"),
        ("123456789012", None, "new-password-error", "troppo comune"),
        ("comune@example.it", None, "new-password-error", "nome utente"),
        (NEW_PASSWORD, NEW_PASSWORD + "x", "confirm-password-error", "non coincidono"),
    ],
)
def test_weak_passwords_are_refused_next_to_the_field(
    testapp, mailbox, password, confirm, field, message
):
    ask_reset(testapp, "comune")
    link = link_in(mailbox.wait_for("comune@example.it")[0])
    page = set_password(testapp, link, password, confirm, status=400)
    assert message in page.html.find(id=field).text
    testapp.get(link, status=200)  # a refused password does not use the link


# invitations -----------------------------------------------------------------------------
def test_an_invited_operator_sets_a_password_and_logs_in(
    wsgi_app, testapp, dbsession, mailbox, smtp_server
):
    comune = dbsession.scalars(select(Organisation).where(Organisation.name == COMUNE)).one()
    admin = user_named(dbsession, "admin")
    operator = User(
        login="lucia.bianchi",
        email="lucia.bianchi@comune.example.it",
        fullname="Lucia Bianchi",
        password_hash=None,
    )
    dbsession.add(operator)
    dbsession.flush()
    dbsession.add(Membership(user_id=operator.id, organisation_id=comune.id, function="Operatrice"))
    dbsession.flush()

    manager = transaction.TransactionManager(explicit=True)
    mailer = Mailer(host=smtp_server.host, port=smtp_server.port, default_sender="cti@example.it")
    request = SimpleNamespace(dbsession=dbsession, identity=admin, remote_addr=CLIENT_ADDRESS)
    with manager:
        mail = MailContext(
            mailer=mailer.bind(transaction_manager=manager),
            application_url="http://localhost",
            site_name="CTI La Spezia",
            notify=wsgi_app.registry.notify,
            request=request,
        )
        InvitationService(dbsession, mail).invite(operator)
        dbsession.flush()

    (message,) = mailbox.wait_for("lucia.bianchi@comune.example.it")
    assert "invito" in message["Subject"]
    assert "lucia.bianchi" in body_of(message) and "72 ore" in body_of(message)
    (invited,) = audit(dbsession, "user_invited")
    assert (invited.actor_login, invited.object_path) == ("admin", "lucia.bianchi")

    set_password(testapp, link_in(message), NEW_PASSWORD)
    login(testapp, "lucia.bianchi", NEW_PASSWORD)
    assert "Lucia Bianchi" in testapp.get("/").text
    testapp.get(link_in(message), status=410)


def test_a_rolled_back_transaction_sends_no_mail(dbsession, mailbox, smtp_server):
    comune = user_named(dbsession, "comune")
    manager = transaction.TransactionManager(explicit=True)
    mailer = Mailer(host=smtp_server.host, port=smtp_server.port, default_sender="cti@example.it")
    manager.begin()
    mail = MailContext(mailer.bind(transaction_manager=manager), "http://localhost")
    InvitationService(dbsession, mail).invite(comune)
    manager.abort()
    assert mailbox.messages() == []

    with manager:
        InvitationService(
            dbsession, MailContext(mailer.bind(transaction_manager=manager), "http://localhost")
        ).invite(comune)
    assert len(mailbox.wait_for("comune@example.it")) == 1


# changing one's password -----------------------------------------------------------------
def change(app, current, new, confirm=None, status=303):
    form = app.get("/@@change-password", status=200).forms["change-password-form"]
    form["current_password"] = current
    form["new_password"] = new
    form["confirm"] = new if confirm is None else confirm
    return form.submit(status=status)


def test_changing_the_password_needs_the_current_one(testapp, dbsession):
    assert testapp.get("/@@change-password", status=303).location.startswith(
        "http://localhost/login?came_from="
    )
    login(testapp, "comune")
    page = change(testapp, "sbagliata-sbagliata", NEW_PASSWORD, status=400)
    assert "non è corretta" in page.html.find(id="current-password-error").text
    page = change(testapp, DEMO_PASSWORD, "qwerty123456", status=400)
    assert "troppo comune" in page.html.find(id="new-password-error").text

    done = change(testapp, DEMO_PASSWORD, NEW_PASSWORD).follow(status=200)
    assert done.html.find(id="password-changed")
    # Still logged in, on a fresh session; the new password is the one that works.
    assert "Marco Rossi" in testapp.get("/").text
    (entry,) = audit(dbsession, "password_changed")
    assert (entry.actor_login, entry.object_path) == ("comune", "comune")
    testapp.reset()
    login(testapp, "comune", DEMO_PASSWORD, status=401)
    login(testapp, "comune", NEW_PASSWORD)


def test_changing_the_password_ends_other_sessions(wsgi_app, testapp, connection):
    from tests.conftest import client_for

    other = client_for(wsgi_app)
    login(other, "comune")
    login(testapp, "comune")
    change(testapp, DEMO_PASSWORD, NEW_PASSWORD)
    assert "Marco Rossi" in testapp.get("/").text
    assert "Marco Rossi" not in other.get("/").text
