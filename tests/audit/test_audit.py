"""The audit trail: entries written by the real actions, the Managers' viewer, the CSV
export, and a table that neither the application nor the database lets anyone rewrite."""

from __future__ import annotations

import csv
import datetime as dt
import io
from types import SimpleNamespace

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from tavolo import events
from tavolo.accounts.models import Organisation, User
from tavolo.audit.export import safe_cell
from tavolo.audit.models import AuditEntry
from tavolo.audit.service import AuditService
from tavolo.i18n.dates import SITE_TIMEZONE
from tavolo.scripts.demo import COMUNE
from tests.conftest import CLIENT_ADDRESS, DEMO_PASSWORD, login
from tests.security.test_local_roles import RESERVED, make, user_id
from tests.security.test_sharing import csrf_token, share

FOLDER = "/area-riservata/condivisa/"


def entries(dbsession, event_type: str | None = None) -> list[AuditEntry]:
    dbsession.expire_all()
    query = select(AuditEntry).order_by(AuditEntry.id)
    if event_type:
        query = query.where(AuditEntry.event_type == event_type)
    return list(dbsession.scalars(query))


def audit_rows(page) -> list[str]:
    return [tr["data-event-type"] for tr in page.html.select("#audit-entries tbody tr")]


# what the real actions leave --------------------------------------------------------------
def test_login_ok_and_logout_are_recorded(testapp, dbsession):
    login(testapp, "comune")
    token = csrf_token(testapp)
    testapp.post("/logout", {"csrf_token": token}, status=303)
    comune = user_id(dbsession, "comune")
    (logged_in,) = entries(dbsession, "login_ok")
    (logged_out,) = entries(dbsession, "logout")
    for entry in (logged_in, logged_out):
        assert (entry.actor_id, entry.actor_login) == (comune, "comune")
        assert entry.address == CLIENT_ADDRESS
        assert (entry.object_type, entry.object_id, entry.object_path) == ("user", comune, "comune")
        assert entry.at.tzinfo is not None
    assert logged_in.id < logged_out.id


def test_a_failed_login_is_recorded_without_the_password(testapp, dbsession):
    login(testapp, " Comune ", "password-sbagliata-42", status=401)
    login(testapp, "nessuno", "altra-password-sbagliata", status=401)
    known, unknown = entries(dbsession, "login_failed")
    assert known.actor_id is None and known.actor_login is None
    assert (known.object_id, known.object_path) == (user_id(dbsession, "comune"), "comune")
    assert known.data == {"login": "comune", "known_account": True}
    assert (unknown.object_id, unknown.object_path) == (None, "nessuno")
    assert unknown.data["known_account"] is False
    for entry in (known, unknown):
        assert entry.address == CLIENT_ADDRESS
        assert "sbagliata" not in entry.details


def test_grants_revocations_and_inheritance_changes_are_recorded(testapp, dbsession):
    make(dbsession, RESERVED, "condivisa", "Cartella condivisa", "private")
    comune_org = dbsession.scalars(select(Organisation.id).where(Organisation.name == COMUNE)).one()
    login(testapp, "admin")
    share(testapp, "grant", principal=f"org:{comune_org}", role=["Reader", "Editor"])
    share(testapp, "revoke", principal=f"org:{comune_org}", role="Editor")
    share(testapp, "inheritance", block="1")
    share(testapp, "inheritance")
    admin = user_id(dbsession, "admin")

    granted = entries(dbsession, "role_granted")
    assert sorted(e.data["role"] for e in granted) == ["Editor", "Reader"]
    (revoked,) = entries(dbsession, "role_revoked")
    assert revoked.data == {
        "principal": f"org:{comune_org}",
        "principal_name": COMUNE,
        "role": "Editor",
    }
    (blocked,) = entries(dbsession, "inheritance_blocked")
    (restored,) = entries(dbsession, "inheritance_restored")
    for entry in (*granted, revoked, blocked, restored):
        assert (entry.actor_id, entry.actor_login) == (admin, "admin")
        assert (entry.object_type, entry.object_path) == ("node", FOLDER)
    # A refused change leaves nothing behind, its entry included.
    testapp.reset()
    login(testapp, "comune")
    share(testapp, "grant", status=403, principal=f"org:{comune_org}", role="Reader")
    assert len(entries(dbsession, "role_granted")) == 2


def test_a_request_that_changes_nothing_records_nothing(testapp, dbsession):
    make(dbsession, RESERVED, "condivisa", "Cartella condivisa", "private")
    login(testapp, "admin")
    share(testapp, "inheritance")  # already inheriting
    share(testapp, "revoke", principal="user:1", role="Reader")  # nothing to revoke
    assert entries(dbsession, "inheritance_restored") == []
    assert entries(dbsession, "role_revoked") == []


@pytest.mark.parametrize(
    ("make_event", "event_type"),
    [
        (lambda u, r: events.PasswordChanged(u, r), "password_changed"),
        (lambda u, r: events.PasswordChanged(u, r, by_reset=True), "password_reset"),
        (lambda u, r: events.PasswordResetRequested(u.email, u, r), "password_reset_requested"),
        (lambda u, r: events.UserInvited(u, r), "user_invited"),
        (lambda u, r: events.AccountChanged(u, "disabled", r), "account_disabled"),
        (lambda u, r: events.AccountChanged(u, "created", r), "account_created"),
    ],
)
def test_the_account_events_are_recorded_when_fired(wsgi_app, dbsession, make_event, event_type):
    """Hooks for the user administration, which fires these events when it lands."""
    admin = dbsession.get(User, user_id(dbsession, "admin"))
    comune = dbsession.get(User, user_id(dbsession, "comune"))
    request = SimpleNamespace(dbsession=dbsession, identity=admin, remote_addr=CLIENT_ADDRESS)
    wsgi_app.registry.notify(make_event(comune, request))
    dbsession.flush()
    (entry,) = entries(dbsession, event_type)
    assert (entry.actor_login, entry.object_path) == ("admin", "comune")


def test_a_membership_change_is_recorded_when_fired(wsgi_app, dbsession):
    admin = dbsession.get(User, user_id(dbsession, "admin"))
    comune = dbsession.get(User, user_id(dbsession, "comune"))
    org = dbsession.scalars(select(Organisation).where(Organisation.name == COMUNE)).one()
    request = SimpleNamespace(dbsession=dbsession, identity=admin, remote_addr=CLIENT_ADDRESS)
    event = events.MembershipChanged(comune, org, "modified", request, {"signatory": True})
    wsgi_app.registry.notify(event)
    dbsession.flush()
    (entry,) = entries(dbsession, "membership_modified")
    assert entry.data == {"organisation_id": org.id, "organisation": COMUNE, "signatory": True}


# the viewer -------------------------------------------------------------------------------
@pytest.fixture
def trail(testapp, dbsession):
    """A few real entries: comune in and out, a failed attempt, admin logged in last."""
    login(testapp, "comune")
    testapp.post("/logout", {"csrf_token": csrf_token(testapp)}, status=303)
    login(testapp, "mondoaperto", "sbagliata-davvero", status=401)
    login(testapp, "admin")
    return testapp


def test_the_viewer_lists_newest_first_and_filters(trail):
    page = trail.get("/@@audit", status=200)
    assert page.html.find("h1").get_text(strip=True) == "Registro delle attività"
    assert audit_rows(page) == ["login_ok", "login_failed", "logout", "login_ok"]

    def filtered(**params):
        return audit_rows(trail.get("/@@audit", params, status=200))

    assert filtered(tipo="login_failed") == ["login_failed"]
    assert filtered(autore="COMUNE") == ["logout", "login_ok"]
    assert filtered(oggetto="mondo") == ["login_failed"]
    today = dt.datetime.now(SITE_TIMEZONE).date()
    assert len(filtered(dal=today.isoformat(), al=today.isoformat())) == 4
    assert filtered(dal=(today + dt.timedelta(days=1)).isoformat()) == []
    assert filtered(al=(today - dt.timedelta(days=1)).isoformat()) == []
    # Filters that make no sense are ignored, and said so.
    page = trail.get("/@@audit", {"dal": "ieri", "tipo": "qualsiasi"}, status=200)
    assert len(audit_rows(page)) == 4 and page.html.select_one("#audit-invalid")
    # "_" is not a wildcard
    assert filtered(autore="c_mune") == []


def test_the_viewer_pages_fifty_by_fifty(testapp, dbsession):
    service = AuditService(dbsession)
    for number in range(60):
        service.record("login_failed", object_path=f"tentativo-{number:02d}")
    dbsession.flush()
    login(testapp, "admin")
    first = testapp.get("/@@audit", status=200)
    assert len(audit_rows(first)) == 50
    assert first.html.select_one("#audit-entries tbody tr").find(string="login_ok") is None
    second = testapp.get("/@@audit?page=2", status=200)
    paths = [
        td.get_text(strip=True) for td in second.html.select("#audit-entries td:nth-of-type(5)")
    ]
    assert paths[-1] == "tentativo-00" and len(paths) == 11


def test_the_csv_export_has_the_filtered_rows_and_defuses_formulas(trail, dbsession):
    AuditService(dbsession).record(
        "login_failed", object_path='=HYPERLINK("http://evil")', details={"login": "@x"}
    )
    AuditService(dbsession).record("login_failed", object_path="-2+3", actor_login="+cmd")
    dbsession.flush()
    page = trail.get("/@@audit?tipo=login_failed", status=200)
    export = page.html.select_one("#audit-export")["href"]
    assert "tipo=login_failed" in export and "@@audit.csv" in export

    response = trail.get(export, status=200)
    assert response.content_type == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and ".csv" in disposition
    assert response.body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.body.decode("utf-8-sig")), delimiter=";"))
    header, *data = rows
    assert header[:4] == ["Numero", "Data e ora", "Tipo", "Descrizione"]
    assert [row[2] for row in data] == ["login_failed"] * 3
    assert {row[3] for row in data} == {"Accesso non riuscito"}
    objects = {row[9] for row in data}
    assert objects == {'\'=HYPERLINK("http://evil")', "'-2+3", "mondoaperto"}
    assert "'+cmd" in {row[4] for row in data}
    for row in data:
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row)


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@A1", "\tx", "\rx"])
def test_safe_cell_defuses_every_formula_start(value):
    assert safe_cell(value) == "'" + value
    assert safe_cell("Comune") == "Comune" and safe_cell(None) == ""


@pytest.mark.parametrize("path", ["/@@audit", "/@@audit.csv"])
def test_only_managers_reach_the_trail(testapp, path):
    response = testapp.get(path, status=303)
    assert "/login" in response.location
    login(testapp, "comune")
    testapp.get(path, status=403)
    testapp.reset()
    login(testapp, "prefettura")  # a Reviewer and an Editor of the reserved area
    testapp.get(path, status=403)
    testapp.get(f"{RESERVED}@@audit", status=403)


def test_the_trail_is_on_the_site_root_only(testapp):
    login(testapp, "admin")
    testapp.get(f"{RESERVED}@@audit", status=404)
    bar = testapp.get("/").html.select_one("nav.tavolo-editor-bar")
    assert bar.find("a", string="Registro attività")["href"] == "http://localhost/@@audit"


# append-only ------------------------------------------------------------------------------
def test_the_application_offers_no_way_to_change_an_entry(wsgi_app, testapp, dbsession):
    views = [
        entry["introspectable"]
        for entry in wsgi_app.registry.introspector.get_category("views")
        if entry["introspectable"]["callable"].__module__.startswith("tavolo.audit")
    ]
    assert {v["name"] for v in views} == {"audit", "audit.csv"}
    for view in views:
        methods = view["request_methods"]
        assert ({methods} if isinstance(methods, str) else set(methods)) <= {"GET", "HEAD"}
    login(testapp, "admin")
    token = csrf_token(testapp)
    for path in ("/@@audit", "/@@audit.csv"):
        testapp.post(path, {"csrf_token": token, "delete": "1"}, status=404)
    page = testapp.get("/@@audit", status=200)
    assert page.html.select("#audit-entries form, #audit-entries button") == []


@pytest.fixture
def stored_entry(dbsession):
    entry = AuditService(dbsession).record("login_failed", object_path="comune")
    dbsession.commit()  # into the test's outer transaction
    return entry.id


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_entries SET event_type = 'login_ok' WHERE id = :id",
        "UPDATE audit_entries SET actor_login = 'qualcuno' WHERE id = :id",
        "DELETE FROM audit_entries WHERE id = :id",
        "DELETE FROM audit_entries",
    ],
)
def test_the_database_refuses_to_update_or_delete_an_entry(connection, stored_entry, statement):
    with pytest.raises(DBAPIError, match="append-only"), connection.begin_nested():
        connection.execute(text(statement), {"id": stored_entry})
    count = connection.scalar(
        text("SELECT count(*) FROM audit_entries WHERE id = :id"), {"id": stored_entry}
    )
    assert count == 1


def test_the_database_refuses_truncate_on_postgresql(connection, stored_entry, backend):
    if backend != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    with pytest.raises(DBAPIError, match="append-only"), connection.begin_nested():
        connection.execute(text("TRUNCATE audit_entries"))


def test_deleting_an_account_keeps_its_entries_under_the_copied_login(connection, dbsession):
    user = User(login="temporaneo", email="t@example.it", fullname="Utente temporaneo")
    dbsession.add(user)
    dbsession.flush()
    entry = AuditService(dbsession).record("login_ok", actor=user)
    other = AuditService(dbsession).record("login_ok", actor=dbsession.get(User, 1))
    dbsession.commit()
    # Read before the savepoint below: a lazy refresh inside it would be rolled back too.
    entry_id, other_id = entry.id, other.id
    # Nulling the actor of someone who still exists is an update like any other.
    with pytest.raises(DBAPIError, match="append-only"), connection.begin_nested():
        connection.execute(
            text("UPDATE audit_entries SET actor_id = NULL WHERE id = :id"), {"id": other_id}
        )
    dbsession.delete(user)
    dbsession.commit()
    row = connection.execute(
        text("SELECT actor_id, actor_login FROM audit_entries WHERE id = :id"), {"id": entry_id}
    ).one()
    assert tuple(row) == (None, "temporaneo")


def test_a_login_without_the_demo_password_constant_is_not_logged(testapp, dbsession):
    """The password typed never reaches the trail, whatever happens."""
    login(testapp, "comune", DEMO_PASSWORD + "x", status=401)
    login(testapp, "comune")
    for entry in entries(dbsession):
        assert DEMO_PASSWORD not in (entry.details + str(entry.object_path))
