"""Folder contents, the actions on a selection: delete (after a confirmation that lists what
links to each item) and state change - for the roles that may, and those that may not."""

from __future__ import annotations

import pytest

from tavolo import events
from tavolo.content.models import Node
from tavolo.content.services import ContentService
from tavolo.security.models import LocalRole
from tavolo.security.roles import CONTRIBUTOR, EDITOR, REVIEWER
from tests.content.helpers import make, relate, user_id

FOLDER = "/prova-selezione/"


@pytest.fixture
def service(dbsession):
    return ContentService(dbsession)


@pytest.fixture
def folder(dbsession, service):
    """A published folder with two pages (one holding a page of its own) and a third page
    elsewhere that links to the first."""
    folder = make(dbsession, "/", "folder", FOLDER.strip("/"), "Prova selezione")
    make(dbsession, FOLDER, "folder", "uno", "Primo elemento")
    make(dbsession, f"{FOLDER}uno/", "page", "dentro", "Pagina dentro")
    make(dbsession, FOLDER, "page", "due", "Secondo elemento")
    linking = make(dbsession, "/notizie/", "page", "rimando", "Pagina che rimanda")
    relate(dbsession, linking, ContentService(dbsession).by_path(f"{FOLDER}uno/"))
    dbsession.flush()
    return folder


def node(dbsession, path: str) -> Node | None:
    dbsession.expire_all()
    return ContentService(dbsession).by_path(path)


def trashed(dbsession, node_id: int) -> bool:
    dbsession.expire_all()
    return dbsession.get(Node, node_id).trashed_at is not None


def token(testapp, path: str = "/") -> str:
    return testapp.get(path).html.find("input", attrs={"name": "csrf_token"})["value"]


def ids_of(dbsession, *paths) -> list[str]:
    return [str(node(dbsession, path).id) for path in paths]


def post(testapp, path, action, ids, csrf, status, **fields):
    params = [("action", action), *(("ids", i) for i in ids), *fields.items()]
    if csrf is not None:
        params.append(("csrf_token", csrf))
    return testapp.post(f"{path}@@contents", params, status=status)


# delete ----------------------------------------------------------------------------------
def test_delete_asks_first_listing_contents_and_links(testapp, login_as, dbsession, folder):
    login_as("admin")
    csrf = token(testapp, f"{FOLDER}@@contents")
    ids = ids_of(dbsession, f"{FOLDER}uno/", f"{FOLDER}due/")
    page = post(testapp, FOLDER, "delete", ids, csrf, status=200)
    # Nothing is deleted by the first POST: it only asks.
    assert not trashed(dbsession, int(ids[0]))
    first = page.html.select_one(f"#delete-entry-{ids[0]}")
    assert "Primo elemento" in first.get_text()
    assert "Contiene 1 elementi" in first.get_text()
    assert [a.get_text() for a in first.select(".tavolo-delete-links a")] == ["Pagina che rimanda"]
    second = page.html.select_one(f"#delete-entry-{ids[1]}")
    assert "Nessun altro contenuto rimanda a questo elemento." in second.get_text()
    assert page.html.select_one(".tavolo-delete-refused") is None

    confirm = page.forms["delete-selection-form"]
    assert sorted(f.value for f in confirm.fields["ids"]) == sorted(ids)
    done = confirm.submit("action", value="trash", status=303)
    assert done.location == f"http://localhost{FOLDER}@@contents?done=delete%3A2%3A0"
    assert "2 elementi spostati nel cestino." in done.follow().text
    assert trashed(dbsession, int(ids[0])) and trashed(dbsession, int(ids[1]))
    testapp.get(f"{FOLDER}uno/dentro/", status=404)  # gone with its folder
    # A Manager finds them in the trash.
    assert "Primo elemento" in testapp.get("/@@trash").text


def test_cancel_leads_back_and_deletes_nothing(testapp, login_as, dbsession, folder):
    login_as("admin")
    csrf = token(testapp, f"{FOLDER}@@contents")
    ids = ids_of(dbsession, f"{FOLDER}due/")
    page = post(testapp, FOLDER, "delete", ids, csrf, status=200)
    back = page.click(description="Annulla", href="@@contents")
    assert back.status_int == 200
    assert not trashed(dbsession, int(ids[0]))


def test_links_from_items_the_user_cannot_see_are_counted_not_named(
    testapp, login_as, dbsession, folder
):
    hidden = make(dbsession, "/area-riservata/archivio/", "page", "segreta", "Pagina segreta")
    relate(dbsession, hidden, node(dbsession, f"{FOLDER}due/"))
    comune = user_id(dbsession, "comune")
    dbsession.add(LocalRole(node_id=folder.id, user_id=comune, role=EDITOR))
    dbsession.flush()
    login_as("comune")
    csrf = token(testapp, f"{FOLDER}@@contents")
    page = post(testapp, FOLDER, "delete", ids_of(dbsession, f"{FOLDER}due/"), csrf, status=200)
    assert "Pagina segreta" not in page.text
    assert "Vi rimandano anche 1 contenuti che non puoi vedere." in page.text


def test_items_the_user_may_not_delete_are_named_and_kept(testapp, login_as, dbsession, folder):
    """A Contributor may delete what they own, and nothing else."""
    comune = user_id(dbsession, "comune")
    dbsession.add(LocalRole(node_id=folder.id, user_id=comune, role=CONTRIBUTOR))
    make(dbsession, FOLDER, "page", "mia", "Pagina mia", owner_id=comune)
    dbsession.flush()
    login_as("comune")
    csrf = token(testapp, f"{FOLDER}@@contents")
    mine, other = ids_of(dbsession, f"{FOLDER}mia/", f"{FOLDER}due/")
    page = post(testapp, FOLDER, "delete", [mine, other], csrf, status=200)
    assert page.html.select_one(f"#delete-entry-{mine}") is not None
    refused = page.html.select_one(".tavolo-delete-refused").get_text()
    assert "Secondo elemento" in refused and "Pagina mia" not in refused
    assert [f.value for f in page.forms["delete-selection-form"].fields["ids"]] == [mine]
    # The permission is checked again on confirming: a forged id stays where it is.
    done = post(testapp, FOLDER, "trash", [mine, other], csrf, status=303)
    assert "1 elementi spostati nel cestino; 1 non consentiti." in done.follow().text
    assert trashed(dbsession, int(mine))
    assert not trashed(dbsession, int(other))


def test_a_partner_without_rights_is_refused(testapp, login_as, dbsession, folder):
    login_as("comune")
    csrf = token(testapp)
    ids = ids_of(dbsession, f"{FOLDER}due/")
    post(testapp, FOLDER, "delete", ids, csrf, status=403)
    post(testapp, FOLDER, "trash", ids, csrf, status=403)
    assert not trashed(dbsession, int(ids[0]))


def test_anonymous_visitors_are_sent_to_login(testapp, dbsession, folder):
    csrf = token(testapp)
    ids = ids_of(dbsession, f"{FOLDER}due/")
    response = post(testapp, FOLDER, "trash", ids, csrf, status=303)
    assert "/login?came_from=" in response.location
    assert not trashed(dbsession, int(ids[0]))


def test_without_the_csrf_token_nothing_is_deleted(testapp, login_as, dbsession, folder):
    login_as("admin")
    ids = ids_of(dbsession, f"{FOLDER}due/")
    post(testapp, FOLDER, "trash", ids, None, status=400)
    post(testapp, FOLDER, "trash", ids, "forged", status=400)
    assert not trashed(dbsession, int(ids[0]))


def test_a_get_never_deletes(testapp, login_as, dbsession, folder):
    login_as("admin")
    ids = ids_of(dbsession, f"{FOLDER}due/")
    testapp.get(f"{FOLDER}@@contents", {"action": "trash", "ids": ids[0]}, status=200)
    assert not trashed(dbsession, int(ids[0]))


def test_nothing_selected_says_so(testapp, login_as, folder):
    login_as("admin")
    csrf = token(testapp, f"{FOLDER}@@contents")
    for action in ("delete", "trash", "state"):
        done = post(testapp, FOLDER, action, [], csrf, status=303, state="published")
        assert "Nessun elemento selezionato." in done.follow().text


# state change ----------------------------------------------------------------------------
def test_a_manager_changes_the_state_of_a_selection(testapp, login_as, dbsession, folder):
    login_as("admin")
    page = testapp.get(f"{FOLDER}@@contents")
    options = [o.get_text() for o in page.html.select("#contents-state option")]
    assert options == ["Privato", "Riservato agli utenti registrati", "Pubblicato"]
    assert "Pubblicato" in page.html.select_one("table tbody").get_text()
    uno, due = (node(dbsession, f"{FOLDER}{name}/") for name in ("uno", "due"))
    versions = (uno.version, due.version)
    csrf = page.forms["contents-form"]["csrf_token"].value
    seen = []
    testapp.app.registry.registerHandler(seen.append, (events.ObjectModified,))
    try:
        done = post(
            testapp, FOLDER, "state", [str(uno.id), str(due.id)], csrf, 303, state="internal"
        )
    finally:
        testapp.app.registry.unregisterHandler(seen.append, (events.ObjectModified,))
    listing = done.follow()
    assert "Stato cambiato per 2 elementi." in listing.text
    assert listing.html.select_one("table tbody").get_text().count("Riservato agli utenti") == 2
    uno, due = (node(dbsession, f"{FOLDER}{name}/") for name in ("uno", "due"))
    assert (uno.state, due.state) == ("internal", "internal")
    assert (uno.version, due.version) == (versions[0] + 1, versions[1] + 1)
    # One event per item, a modification with the states it went between.
    assert [type(e) for e in seen] == [events.StateChanged, events.StateChanged]
    assert {(e.old_state, e.new_state) for e in seen} == {("published", "internal")}
    # Anonymous visitors no longer see the page.
    testapp.get("/logout")
    testapp.reset()
    testapp.get(f"{FOLDER}due/", status=303)


def test_the_state_change_needs_review_on_each_item(testapp, login_as, dbsession, folder):
    """A Contributor of the folder who reviews one of its items only."""
    comune = user_id(dbsession, "comune")
    uno = node(dbsession, f"{FOLDER}uno/")
    dbsession.add(LocalRole(node_id=folder.id, user_id=comune, role=CONTRIBUTOR))
    dbsession.add(LocalRole(node_id=uno.id, user_id=comune, role=REVIEWER))
    dbsession.flush()
    login_as("comune")
    page = testapp.get(f"{FOLDER}@@contents", status=200)
    # No review right on the folder: the state control is not offered...
    assert page.html.select_one("#contents-state") is None
    csrf = page.forms["contents-form"]["csrf_token"].value
    ids = ids_of(dbsession, f"{FOLDER}uno/", f"{FOLDER}due/")
    # ...and a forged request changes only the item they review.
    done = post(testapp, FOLDER, "state", ids, csrf, status=303, state="private")
    assert "Stato cambiato per 1 elementi; 1 non consentiti" in done.follow().text
    assert node(dbsession, f"{FOLDER}due/").state == "published"
    dbsession.expire_all()
    assert dbsession.get(Node, int(ids[0])).state == "private"


def test_an_editor_who_is_no_reviewer_changes_nothing(testapp, login_as, dbsession, folder):
    comune = user_id(dbsession, "comune")
    dbsession.add(LocalRole(node_id=folder.id, user_id=comune, role=EDITOR))
    dbsession.flush()
    login_as("comune")
    csrf = token(testapp, f"{FOLDER}@@contents")
    ids = ids_of(dbsession, f"{FOLDER}uno/", f"{FOLDER}due/")
    done = post(testapp, FOLDER, "state", ids, csrf, status=303, state="private")
    assert "Stato cambiato per 0 elementi; 2 non consentiti" in done.follow().text
    assert {node(dbsession, f"{FOLDER}{n}/").state for n in ("uno", "due")} == {"published"}


def test_a_partner_without_rights_cannot_change_states(testapp, login_as, dbsession, folder):
    login_as("comune")
    ids = ids_of(dbsession, f"{FOLDER}due/")
    post(testapp, FOLDER, "state", ids, token(testapp), status=403, state="private")
    assert node(dbsession, f"{FOLDER}due/").state == "published"


def test_state_change_refused_without_token_or_with_an_unknown_state(
    testapp, login_as, dbsession, folder
):
    login_as("admin")
    ids = ids_of(dbsession, f"{FOLDER}due/")
    post(testapp, FOLDER, "state", ids, None, status=400, state="private")
    csrf = token(testapp, f"{FOLDER}@@contents")
    post(testapp, FOLDER, "state", ids, csrf, status=400, state="pubblicato-per-sempre")
    testapp.get(f"{FOLDER}@@contents", {"action": "state", "ids": ids[0], "state": "private"})
    assert node(dbsession, f"{FOLDER}due/").state == "published"


def test_anonymous_visitors_cannot_change_states(testapp, dbsession, folder):
    ids = ids_of(dbsession, f"{FOLDER}due/")
    response = post(testapp, FOLDER, "state", ids, token(testapp), status=303, state="private")
    assert "/login?came_from=" in response.location
    assert node(dbsession, f"{FOLDER}due/").state == "published"
