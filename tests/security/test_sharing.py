"""The sharing tab (``@@condivisione``) through HTTP, as the demo users.

Folders are arranged with the real services inside the test's outer transaction; every
grant, revocation and inheritance change goes through the real form.
"""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from tavolo.accounts.models import Group, GroupMember, Membership, User
from tavolo.scripts.demo import COMUNE, PREFECTURE
from tavolo.security.models import LocalRole
from tavolo.security.roles import EDITOR, GRANTABLE_LOCAL_ROLES, READER, REVIEWER
from tests.security.test_local_roles import (
    RESERVED,
    assert_forbidden_page,
    grant,
    listing_titles,
    make,
    organisation_id,
    switch_user,
    user_id,
)

FOLDER = "/area-riservata/condivisa/"
SHARING = f"{FOLDER}@@condivisione"


@pytest.fixture
def folder(dbsession):
    return make(dbsession, RESERVED, "condivisa", "Cartella condivisa", "private")


@pytest.fixture
def comune_is_editor(dbsession, folder):
    """The operator "comune" is an Editor of the folder, and holds nothing else there."""
    grant(dbsession, folder, role=EDITOR, user_id=user_id(dbsession, "comune"))
    return folder


def grants_on(dbsession, node) -> set[tuple[str, str]]:
    dbsession.expire_all()
    rows = dbsession.scalars(select(LocalRole).where(LocalRole.node_id == node.id))
    return {(row.principal, row.role) for row in rows}


def csrf_token(testapp, path: str = "/") -> str:
    page = testapp.get(path)
    return page.html.find("input", attrs={"name": "csrf_token"})["value"]


def share(testapp, action: str, status=303, path: str = SHARING, **fields):
    """POST the sharing form; ``role`` may be a list."""
    params = [("csrf_token", csrf_token(testapp)), ("action", action)]
    for name, value in fields.items():
        values = value if isinstance(value, list | tuple) else [value]
        params += [(name, v) for v in values]
    return testapp.post(path, params, status=status)


def principal_of(dbsession, login: str) -> str:
    return f"user:{user_id(dbsession, login)}"


# who may share what ----------------------------------------------------------------------
@pytest.mark.parametrize("roles", [["Manager"], [REVIEWER], [READER, REVIEWER]])
def test_an_editor_cannot_grant_a_role_they_do_not_hold(
    testapp, login_as, dbsession, comune_is_editor, roles
):
    before = grants_on(dbsession, comune_is_editor)
    login_as("comune")
    target = principal_of(dbsession, "mondoaperto")
    response = share(testapp, "grant", status=403, principal=target, role=roles)
    assert_forbidden_page(response)
    assert grants_on(dbsession, comune_is_editor) == before  # not even the Reader


def test_an_editor_cannot_revoke_a_role_they_do_not_hold(
    testapp, login_as, dbsession, comune_is_editor
):
    mondoaperto = user_id(dbsession, "mondoaperto")
    grant(dbsession, comune_is_editor, role=REVIEWER, user_id=mondoaperto)
    before = grants_on(dbsession, comune_is_editor)
    login_as("comune")
    page = testapp.get(SHARING, status=200)
    cell = page.html.select_one(f'tr[data-principal="user:{mondoaperto}"] td[data-role="Reviewer"]')
    assert "Concesso qui" in cell.text and cell.find("form") is None  # no revoke offered
    share(testapp, "revoke", status=403, principal=f"user:{mondoaperto}", role=REVIEWER)
    assert grants_on(dbsession, comune_is_editor) == before


def test_an_editor_grants_editor_to_a_user_and_reader_to_a_group(
    testapp, login_as, dbsession, comune_is_editor
):
    group = Group(name="lettori-prova", title="Lettori di prova")
    dbsession.add(group)
    dbsession.flush()
    dbsession.add(GroupMember(group_id=group.id, user_id=user_id(dbsession, "comune.firma")))
    dbsession.flush()

    login_as("comune")
    mondoaperto = principal_of(dbsession, "mondoaperto")
    share(testapp, "grant", principal=mondoaperto, role=EDITOR)
    share(testapp, "grant", principal=f"group:{group.id}", role=READER)
    assert {(mondoaperto, EDITOR), (f"group:{group.id}", READER)} <= grants_on(
        dbsession, comune_is_editor
    )

    switch_user(testapp, login_as, "mondoaperto")
    testapp.get(f"{FOLDER}@@edit", status=200)
    switch_user(testapp, login_as, "comune.firma")
    testapp.get(FOLDER, status=200)
    testapp.get(f"{FOLDER}@@edit", status=403)  # a Reader, not an Editor


def test_a_revocation_takes_access_away(testapp, login_as, dbsession, comune_is_editor):
    mondoaperto = principal_of(dbsession, "mondoaperto")
    grant(dbsession, comune_is_editor, role=READER, user_id=user_id(dbsession, "mondoaperto"))
    login_as("comune")
    share(testapp, "revoke", principal=mondoaperto, role=READER)
    assert (mondoaperto, READER) not in grants_on(dbsession, comune_is_editor)
    switch_user(testapp, login_as, "mondoaperto")
    testapp.get(FOLDER, status=403)


def test_a_grant_to_an_organisation_reaches_every_member_until_they_leave(
    testapp, login_as, dbsession, folder
):
    comune_org = organisation_id(dbsession, COMUNE)
    login_as("admin")
    share(testapp, "grant", principal=f"org:{comune_org}", role=READER)
    for login in ("comune", "comune.firma"):
        switch_user(testapp, login_as, login)
        testapp.get(FOLDER, status=200)
        assert "Cartella condivisa" in listing_titles(testapp.get(RESERVED))

    firma = user_id(dbsession, "comune.firma")
    dbsession.execute(delete(Membership).where(Membership.user_id == firma))
    dbsession.flush()
    testapp.get(FOLDER, status=403)  # the same browser, the next request
    assert "Cartella condivisa" not in listing_titles(testapp.get(RESERVED))
    switch_user(testapp, login_as, "comune")
    testapp.get(FOLDER, status=200)


# inheritance -----------------------------------------------------------------------------
def test_blocking_inheritance_hides_the_item_from_those_who_only_inherited_access(
    testapp, login_as, dbsession, folder
):
    grant(dbsession, folder, organisation_id=organisation_id(dbsession, COMUNE))
    child = make(dbsession, folder.path, "interna", "Sottocartella", "private")
    grant(dbsession, child, user_id=user_id(dbsession, "comune"))
    child_sharing = f"{FOLDER}interna/@@condivisione"

    login_as("admin")
    share(testapp, "inheritance", path=child_sharing, block="1")
    dbsession.expire_all()
    assert child.inherit_roles is False

    switch_user(testapp, login_as, "comune.firma")
    assert_forbidden_page(testapp.get(f"{FOLDER}interna/", status=403))
    assert listing_titles(testapp.get(FOLDER)) == []
    switch_user(testapp, login_as, "comune")  # granted on the child itself
    testapp.get(f"{FOLDER}interna/", status=200)

    switch_user(testapp, login_as, "admin")
    share(testapp, "inheritance", path=child_sharing)  # the box unticked
    switch_user(testapp, login_as, "comune.firma")
    testapp.get(f"{FOLDER}interna/", status=200)


def test_un_blocking_needs_every_role_it_would_let_in(testapp, login_as, dbsession, folder):
    grant(dbsession, folder, role=REVIEWER, user_id=user_id(dbsession, "mondoaperto"))
    child = make(dbsession, folder.path, "chiusa", "Chiusa", "private")
    child.inherit_roles = False
    grant(dbsession, child, role=EDITOR, user_id=user_id(dbsession, "comune"))
    login_as("comune")
    share(testapp, "inheritance", status=403, path=f"{FOLDER}chiusa/@@condivisione")
    dbsession.expire_all()
    assert child.inherit_roles is False


def test_blocking_that_would_lock_the_caller_out_is_refused(
    testapp, login_as, dbsession, comune_is_editor
):
    child = make(dbsession, comune_is_editor.path, "figlia", "Figlia", "private")
    login_as("comune")  # an Editor of the child only through the folder
    response = share(
        testapp, "inheritance", status=409, path=f"{FOLDER}figlia/@@condivisione", block="1"
    )
    assert "perderesti il permesso di condividere" in response.text
    dbsession.expire_all()
    assert child.inherit_roles is True


# what is offered, what is refused ---------------------------------------------------------
def test_only_the_four_sharing_roles_are_offered(testapp, login_as, folder):
    login_as("admin")
    page = testapp.get(f"{SHARING}?cerca=comune", status=200)
    offered = [box["value"] for box in page.html.select('#sharing-grant input[name="role"]')]
    assert offered == list(GRANTABLE_LOCAL_ROLES)
    columns = [th.get_text(strip=True) for th in page.html.select("#sharing-roles thead th")]
    assert not {"Anonymous", "Authenticated", "Owner", "Manager", "Signatory"} & set(columns)


@pytest.mark.parametrize(
    "role", ["Anonymous", "Authenticated", "Owner", "Manager", "Signatory", "Firmatario", ""]
)
def test_a_forged_role_is_refused_even_for_a_manager(testapp, login_as, dbsession, folder, role):
    login_as("admin")
    status = 400 if role == "" else 403
    share(testapp, "grant", status=status, principal=principal_of(dbsession, "comune"), role=role)
    assert grants_on(dbsession, folder) == set()


def test_an_unknown_or_disabled_principal_is_refused(testapp, login_as, dbsession, folder):
    disabled = User(login="disattivato", email="x@example.it", fullname="Utente Spento")
    disabled.active = False
    dbsession.add(disabled)
    dbsession.flush()
    login_as("admin")
    for principal in (f"user:{disabled.id}", "user:999999", "group:999999", "role:Manager", ""):
        share(testapp, "grant", status=400, principal=principal, role=READER)
    assert grants_on(dbsession, folder) == set()


def test_a_post_without_the_csrf_token_is_refused(testapp, login_as, dbsession, folder):
    login_as("admin")
    params = {"action": "grant", "principal": principal_of(dbsession, "comune"), "role": READER}
    testapp.post(SHARING, params, status=400)
    assert grants_on(dbsession, folder) == set()


def test_a_visitor_is_sent_to_log_in(testapp, dbsession, folder):
    response = testapp.get(SHARING, status=303)
    assert response.location.startswith("http://localhost/login?came_from=")
    response = share(testapp, "grant", status=303, principal="user:1", role=READER)
    assert "/login" in response.location
    assert grants_on(dbsession, folder) == set()


def test_a_partner_without_the_sharing_permission_gets_403(testapp, login_as, dbsession):
    login_as("comune")  # sees the reserved area (internal), shares nothing there
    assert_forbidden_page(testapp.get(f"{RESERVED}@@condivisione", status=403))
    path = f"{RESERVED}@@condivisione"
    comune = principal_of(dbsession, "comune")
    share(testapp, "grant", status=403, path=path, principal=comune, role=READER)
    reserved = dbsession.scalars(select(LocalRole).where(LocalRole.user_id.is_not(None))).all()
    assert reserved == []
    assert "Condivisione" not in testapp.get(RESERVED).text


# the page ---------------------------------------------------------------------------------
def test_inherited_roles_are_shown_with_where_they_come_from(testapp, login_as, dbsession, folder):
    grant(dbsession, folder, role=READER, user_id=user_id(dbsession, "mondoaperto"))
    make(dbsession, folder.path, "sotto", "Sotto", "private")
    login_as("admin")
    page = testapp.get(f"{FOLDER}sotto/@@condivisione", status=200)
    assert page.html.find("h1").get_text(strip=True) == "Condivisione: Sotto"
    rows = {
        tr.find("th").get_text(" ", strip=True): tr
        for tr in page.html.select("#sharing-roles tbody tr")
    }
    prefecture = next(row for name, row in rows.items() if name.startswith(PREFECTURE))
    editor_cell = prefecture.select_one('td[data-role="Editor"]').get_text(" ", strip=True)
    assert editor_cell == "Ereditato da Area riservata"
    samira = next(row for name, row in rows.items() if name.startswith("Samira Haddad"))
    assert samira.select_one('td[data-role="Reader"]').get_text(" ", strip=True) == (
        "Ereditato da Cartella condivisa"
    )
    # Global roles are not grants of this item: the Manager and the archive's Reader are
    # not listed.
    assert not any(name.startswith(("Amministratore", "Paolo Verdi")) for name in rows)
    assert page.html.select_one("#sharing-block").get("checked") is None


def test_the_search_finds_active_users_groups_and_organisations(
    testapp, login_as, dbsession, folder
):
    dbsession.add(Group(name="spezia-scuola", title="Tavolo scuola Spezia"))
    spento = User(login="spezia.spento", email="spento@example.it", fullname="Spezia Spento")
    spento.active = False
    dbsession.add(spento)
    dbsession.flush()
    login_as("admin")

    def found(query):
        page = testapp.get(SHARING, {"cerca": query}, status=200)
        return [
            label.get_text(" ", strip=True) for label in page.html.select("#sharing-grant label")
        ]

    spezia = found("spezia")
    assert any(label.startswith("Comune della Spezia") for label in spezia)
    assert any(label.startswith("Tavolo scuola Spezia") for label in spezia)
    assert not any("Spento" in label for label in spezia)
    assert any(label.startswith("Marco Rossi") for label in found("ROSSI"))  # by name
    assert any(label.startswith("Samira Haddad") for label in found("mondoaperto@"))  # e-mail
    assert found("%") == [] and found("x") == []


def test_the_editor_bar_links_to_the_sharing_tab_only_for_those_who_may_share(
    testapp, login_as, comune_is_editor
):
    login_as("comune")
    bar = testapp.get(FOLDER).html.select_one("nav.tavolo-editor-bar")
    assert bar.find("a", string="Condivisione")["href"].endswith("/condivisa/@@condivisione")
    switch_user(testapp, login_as, "mondoaperto")
    testapp.get(FOLDER, status=403)
    bar = testapp.get(RESERVED).html.select_one("nav.tavolo-editor-bar")
    assert bar is None or bar.find("a", string="Condivisione") is None
