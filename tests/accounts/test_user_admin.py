"""Users administration for Managers: list, invite, edit, disable, re-enable (WebTest, mails
read from a real SMTP server on loopback)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tavolo.accounts.feed_tokens import FeedTokenService
from tavolo.accounts.models import Organisation
from tavolo.scripts.demo import COMUNE
from tests.accounts.test_password_links import (
    NEW_PASSWORD,
    audit,
    body_of,
    link_in,
    set_password,
    user_named,
)
from tests.conftest import client_for, login

ADMIN_PAGES_GET = [
    "/@@utenti",
    "/@@nuovo-utente",
    "/@@utente?id={id}",
    "/@@disattiva-utente?id={id}",
]
ADMIN_PAGES_POST = [
    "/@@nuovo-utente",
    "/@@utente?id={id}",
    "/@@disattiva-utente?id={id}",
    "/@@riattiva-utente?id={id}",
    "/@@invita-utente?id={id}",
]
OPERATOR = "lucia.bianchi"
OPERATOR_EMAIL = "lucia.bianchi@comune.example.it"


@pytest.fixture
def mailbox(smtp_server):
    smtp_server.clear()
    yield smtp_server
    smtp_server.clear()


def comune_org(dbsession) -> Organisation:
    return dbsession.scalars(select(Organisation).where(Organisation.name == COMUNE)).one()


def new_user_form(app):
    return app.get("/@@nuovo-utente", status=200).forms["new-user-form"]


def invite(app, dbsession, status=303, **fields):
    form = new_user_form(app)
    values = {
        "login": OPERATOR,
        "fullname": "Lucia Bianchi",
        "email": OPERATOR_EMAIL,
        "organisation": str(comune_org(dbsession).id),
        "function": "Operatrice sportello immigrazione",
    }
    values.update(fields)
    for name, value in values.items():
        form[name] = value
    return form.submit("save", status=status)


def error_of(page, field) -> str:
    """The error shown next to ``field`` (deform's ``item-<name>`` block)."""
    return page.html.select_one(f".item-{field} .invalid-feedback").text.strip()


def csrf_of(app) -> str:
    page = app.get("/", status=200)
    return page.html.find("input", attrs={"name": "csrf_token"})["value"]


# the journey ------------------------------------------------------------------------------
def test_admin_invites_an_operator_who_sets_a_password_and_logs_in(testapp, dbsession, mailbox):
    login(testapp, "admin")
    response = invite(testapp, dbsession)
    page = response.follow(status=200)
    assert "L'invito è stato inviato" in page.html.find(id="user-notice").text

    operator = user_named(dbsession, OPERATOR)
    assert operator.active and operator.password_hash is None
    assert operator.email == OPERATOR_EMAIL
    (membership,) = operator.memberships
    assert membership.organisation.name == COMUNE and not membership.signatory

    (message,) = mailbox.wait_for(OPERATOR_EMAIL)
    assert "invito" in message["Subject"]
    assert OPERATOR in body_of(message) and "72 ore" in body_of(message)

    # Audit: creation, membership and invitation, by admin, about the new account.
    for event_type in ("account_created", "membership_added", "user_invited"):
        (entry,) = audit(dbsession, event_type)
        assert (entry.actor_login, entry.object_path) == ("admin", OPERATOR)

    # No password works before the link is used.
    operator_app = client_for(testapp.app)
    login(operator_app, OPERATOR, "", status=401)
    set_password(operator_app, link_in(message), NEW_PASSWORD)
    login(operator_app, OPERATOR, NEW_PASSWORD)
    assert "Lucia Bianchi" in operator_app.get("/").text

    listing = testapp.get("/@@utenti", {"cerca": "LUCIA.B"}, status=200)
    rows = listing.html.select("#users-table tbody tr")
    assert [row["data-login"] for row in rows] == [OPERATOR]


def test_validation_errors_are_next_to_the_fields_in_italian(testapp, dbsession, mailbox):
    login(testapp, "admin")
    page = invite(testapp, dbsession, status=400, login="Comune", email="comune@example.it")
    assert "già in uso" in error_of(page, "login")
    assert "già usato da un altro utente" in error_of(page, "email")
    page = invite(testapp, dbsession, status=400, login="../x", email="non-una-mail")
    assert "Usa solo lettere minuscole" in error_of(page, "login")
    assert "Indica un indirizzo e-mail valido" in error_of(page, "email")
    assert mailbox.messages() == []
    assert audit(dbsession, "account_created") == []


# search, filters, pages -------------------------------------------------------------------
def test_the_list_searches_filters_and_sorts(testapp, dbsession):
    login(testapp, "admin")
    comune_id = comune_org(dbsession).id
    page = testapp.get("/@@utenti", {"organizzazione": comune_id, "ordina": "login"})
    logins = [row["data-login"] for row in page.html.select("#users-table tbody tr")]
    assert logins == ["comune", "comune.firma"]
    page = testapp.get("/@@utenti", {"cerca": "example.it", "stato": "disattivati"})
    assert "Nessun utente corrisponde" in page.text
    page = testapp.get("/@@utenti", {"cerca": "100%_"})
    assert "Nessun utente corrisponde" in page.text
    everyone = testapp.get("/@@utenti", {"page": "99"})  # clamped to the last page
    assert everyone.html.select("#users-table tbody tr")


# edit, disable, re-enable -----------------------------------------------------------------
def test_editing_a_user_is_audited(testapp, dbsession):
    login(testapp, "admin")
    comune = user_named(dbsession, "comune")
    form = testapp.get(f"/@@utente?id={comune.id}").forms["edit-user-form"]
    form["fullname"] = "Marco Rossi Bianchi"
    form["language"] = "en"
    form.submit("save", status=303)
    comune = user_named(dbsession, "comune")
    assert (comune.fullname, comune.language) == ("Marco Rossi Bianchi", "en")
    (entry,) = audit(dbsession, "account_modified")
    assert entry.data["fullname"] == ["Marco Rossi", "Marco Rossi Bianchi"]

    form = testapp.get(f"/@@utente?id={comune.id}").forms["edit-user-form"]
    form["email"] = "comune.firma@example.it"
    assert "già usato" in form.submit("save", status=400).text


def test_disabling_logs_the_user_out_at_once_and_re_enabling_works(
    wsgi_app, testapp, dbsession, mailbox
):
    operator_app = client_for(wsgi_app)
    login(operator_app, "comune")
    assert "Marco Rossi" in operator_app.get("/").text
    comune = user_named(dbsession, "comune")
    token, _row = FeedTokenService(dbsession).create(comune, "lettore")
    dbsession.flush()
    assert FeedTokenService(dbsession).authenticate(token) is not None

    login(testapp, "admin")
    confirm = testapp.get(f"/@@disattiva-utente?id={comune.id}", status=200)
    assert user_named(dbsession, "comune").active  # GET only asks
    confirm.forms["disable-user-form"].submit(status=303)

    assert not user_named(dbsession, "comune").active
    assert "Marco Rossi" not in operator_app.get("/").text
    login(operator_app, "comune", status=401)
    assert FeedTokenService(dbsession).authenticate(token) is None
    (entry,) = audit(dbsession, "account_disabled")
    assert (entry.actor_login, entry.object_path) == ("admin", "comune")

    page = testapp.get(f"/@@utente?id={comune.id}")
    page.forms["enable-user-form"].submit(status=303)
    assert user_named(dbsession, "comune").active
    assert audit(dbsession, "account_enabled")
    login(operator_app, "comune")


def test_a_manager_cannot_disable_themselves(testapp, dbsession):
    login(testapp, "admin")
    admin = user_named(dbsession, "admin")
    page = testapp.get(f"/@@disattiva-utente?id={admin.id}")
    assert "disable-user-form" not in page.forms
    testapp.post(f"/@@disattiva-utente?id={admin.id}", {"csrf_token": csrf_of(testapp)}, status=409)
    assert user_named(dbsession, "admin").active


def test_an_invitation_can_be_sent_again(testapp, dbsession, mailbox):
    login(testapp, "admin")
    invite(testapp, dbsession)
    mailbox.wait_for(OPERATOR_EMAIL)
    operator = user_named(dbsession, OPERATOR)
    page = testapp.get(f"/@@utente?id={operator.id}")
    page.forms["invite-user-form"].submit(status=303)
    assert len(mailbox.wait_for(OPERATOR_EMAIL, count=2)) == 2
    assert len(audit(dbsession, "user_invited")) == 2
    # Someone who has a password uses "Password dimenticata?" instead.
    comune = user_named(dbsession, "comune")
    testapp.post(f"/@@invita-utente?id={comune.id}", {"csrf_token": csrf_of(testapp)}, status=409)


# who may ----------------------------------------------------------------------------------
def test_a_partner_gets_403_on_every_admin_page(testapp, dbsession, mailbox):
    target = user_named(dbsession, "comune.firma")
    login(testapp, "comune")
    token = csrf_of(testapp)
    for path in ADMIN_PAGES_GET:
        testapp.get(path.format(id=target.id), status=403)
    for path in ADMIN_PAGES_POST:
        testapp.post(path.format(id=target.id), {"csrf_token": token}, status=403)
    assert user_named(dbsession, "comune.firma").active
    assert mailbox.messages() == []


def test_anonymous_visitors_are_sent_to_login(testapp, dbsession):
    target = user_named(dbsession, "comune.firma")
    for path in ADMIN_PAGES_GET:
        response = testapp.get(path.format(id=target.id), status=303)
        assert response.location.startswith("http://localhost/login?came_from=")


def test_posts_without_the_csrf_token_are_refused(testapp, dbsession):
    login(testapp, "admin")
    target = user_named(dbsession, "comune.firma")
    for path in ADMIN_PAGES_POST:
        testapp.post(path.format(id=target.id), {}, status=400)
    assert user_named(dbsession, "comune.firma").active


def test_admin_pages_live_on_the_site_root_only(testapp):
    login(testapp, "admin")
    testapp.get("/area-riservata/@@utenti", status=404)


def test_managers_find_the_users_from_the_editor_bar(testapp, login_as):
    login_as("admin")
    bar = testapp.get("/").html.select_one("nav.tavolo-editor-bar")
    assert any(a["href"].endswith("/@@utenti") for a in bar.select("a"))
    login_as("prefettura")
    bar = testapp.get("/").html.select_one("nav.tavolo-editor-bar")
    assert bar is None or not any(a["href"].endswith("/@@utenti") for a in bar.select("a"))


@pytest.mark.parametrize(
    "path",
    [
        "/@@utente?id={id}",
        "/@@organizzazione?id={id}",
        "/@@membri-organizzazione?id={id}",
        "/@@gruppo?id={id}",
        "/@@elimina-gruppo?id={id}",
    ],
)
@pytest.mark.parametrize("bad_id", ["99999999999", "2147483648", " 1", "+1", "1_0", "-1", "0"])
def test_malformed_or_out_of_range_ids_are_not_found(testapp, login_as, path, bad_id):
    """Never a database error: a 64-bit number would overflow PostgreSQL's integer."""
    login_as("admin")
    testapp.get(path.format(id=bad_id), status=404)


def test_an_out_of_range_organisation_filter_is_ignored(testapp, login_as):
    login_as("admin")
    page = testapp.get("/@@utenti", {"organizzazione": "99999999999"}, status=200)
    assert page.html.select("#users-table tbody tr")  # every account, unfiltered
