"""Folder contents, the actions on a selection: delete (after a confirmation that lists what
links to each item) and a workflow transition - for the roles that may, and those that may
not."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tavolo import events
from tavolo.content.models import Node
from tavolo.content.services import ContentService
from tavolo.security.models import LocalRole
from tavolo.security.roles import CONTRIBUTOR, EDITOR, REVIEWER
from tavolo.workflow.models import WorkflowHistory
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
    for action in ("delete", "trash", "transition"):
        done = post(testapp, FOLDER, action, [], csrf, status=303, transition="publish")
        assert "Nessun elemento selezionato." in done.follow().text


# transitions -----------------------------------------------------------------------------
def options(page) -> list[str]:
    return [o.get_text() for o in page.html.select("#contents-transition option")]


def history(dbsession, node_id) -> list[WorkflowHistory]:
    return list(
        dbsession.scalars(select(WorkflowHistory).where(WorkflowHistory.node_id == node_id))
    )


def test_a_manager_takes_a_transition_on_a_selection(testapp, login_as, dbsession, folder):
    make(dbsession, FOLDER, "page", "tre", "Terzo elemento")
    login_as("admin")
    page = testapp.get(f"{FOLDER}@@contents")
    # What the items shown may take: a folder (uno) opens or closes, the pages are
    # retracted or restricted; rejecting (it needs a comment) is never offered in bulk.
    assert options(page) == [
        "Riporta in bozza",
        "Pubblica nell'area riservata",
        "Rendi privata",
        "Apri agli utenti registrati",
    ]
    assert "Pubblicato" in page.html.select_one("table tbody").get_text()
    due, tre = (node(dbsession, f"{FOLDER}{name}/") for name in ("due", "tre"))
    versions = (due.version, tre.version)
    csrf = page.forms["contents-form"]["csrf_token"].value
    seen = []
    testapp.app.registry.registerHandler(seen.append, (events.ObjectModified,))
    try:
        ids = [str(due.id), str(tre.id)]
        done = post(testapp, FOLDER, "transition", ids, csrf, 303, transition="publish_internally")
    finally:
        testapp.app.registry.unregisterHandler(seen.append, (events.ObjectModified,))
    listing = done.follow()
    assert "Stato cambiato per 2 elementi." in listing.text
    assert listing.html.select_one("table tbody").get_text().count("Riservato agli utenti") == 2
    due, tre = (node(dbsession, f"{FOLDER}{name}/") for name in ("due", "tre"))
    assert (due.state, tre.state) == ("internal", "internal")
    assert (due.version, tre.version) == (versions[0] + 1, versions[1] + 1)
    # One event per item: the transition, with the states it went between.
    assert [type(e) for e in seen] == [events.AfterTransition, events.AfterTransition]
    assert {(e.transition, e.old_state, e.new_state) for e in seen} == {
        ("publish_internally", "published", "internal")
    }
    # A history row each, with the actor.
    [entry] = history(dbsession, due.id)
    assert (entry.actor_login, entry.transition, entry.comment) == (
        "admin",
        "publish_internally",
        "",
    )
    # Anonymous visitors no longer see the page.
    testapp.get("/logout")
    testapp.reset()
    testapp.get(f"{FOLDER}due/", status=303)


def test_items_whose_workflow_has_no_such_move_are_refused(testapp, login_as, dbsession, folder):
    login_as("admin")
    csrf = token(testapp, f"{FOLDER}@@contents")
    ids = ids_of(dbsession, f"{FOLDER}uno/", f"{FOLDER}due/")
    done = post(testapp, FOLDER, "transition", ids, csrf, status=303, transition="retract")
    assert done.location == f"http://localhost{FOLDER}@@contents?done=transition%3A1%3A1"
    assert (
        "Stato cambiato per 1 elementi; per 1 il passaggio non è consentito o non è possibile "
        "dal loro stato." in done.follow().text
    )
    # The page was retracted; the folder has no "retract" and stays as it was.
    assert node(dbsession, f"{FOLDER}due/").state == "private"
    assert node(dbsession, f"{FOLDER}uno/").state == "published"
    assert history(dbsession, int(ids[0])) == []


def test_the_transition_needs_its_guard_on_each_item(testapp, login_as, dbsession, folder):
    """A Contributor of the folder who reviews one of its items only."""
    comune = user_id(dbsession, "comune")
    uno = node(dbsession, f"{FOLDER}uno/")
    dbsession.add(LocalRole(node_id=folder.id, user_id=comune, role=CONTRIBUTOR))
    dbsession.add(LocalRole(node_id=uno.id, user_id=comune, role=REVIEWER))
    dbsession.flush()
    login_as("comune")
    page = testapp.get(f"{FOLDER}@@contents", status=200)
    # Only what the item they review may take is offered...
    assert options(page) == ["Rendi privata", "Apri agli utenti registrati"]
    csrf = page.forms["contents-form"]["csrf_token"].value
    ids = ids_of(dbsession, f"{FOLDER}uno/", f"{FOLDER}due/")
    # ...and a forged request changes only the item they review.
    done = post(testapp, FOLDER, "transition", ids, csrf, status=303, transition="make_private")
    assert "Stato cambiato per 1 elementi; per 1 il passaggio" in done.follow().text
    assert node(dbsession, f"{FOLDER}due/").state == "published"
    assert node(dbsession, f"{FOLDER}uno/").state == "private"


def test_no_transition_control_for_who_may_take_none(testapp, login_as, dbsession, folder):
    comune = user_id(dbsession, "comune")
    dbsession.add(LocalRole(node_id=folder.id, user_id=comune, role=CONTRIBUTOR))
    dbsession.flush()
    login_as("comune")
    page = testapp.get(f"{FOLDER}@@contents", status=200)
    assert page.html.select_one("#contents-transition") is None


def test_an_editor_who_is_no_reviewer_only_retracts(testapp, login_as, dbsession, folder):
    comune = user_id(dbsession, "comune")
    dbsession.add(LocalRole(node_id=folder.id, user_id=comune, role=EDITOR))
    dbsession.flush()
    login_as("comune")
    page = testapp.get(f"{FOLDER}@@contents")
    assert options(page) == ["Riporta in bozza"]
    csrf = page.forms["contents-form"]["csrf_token"].value
    ids = ids_of(dbsession, f"{FOLDER}uno/", f"{FOLDER}due/")
    done = post(testapp, FOLDER, "transition", ids, csrf, status=303, transition="publish")
    assert "Stato cambiato per 0 elementi; per 2 il passaggio" in done.follow().text
    assert {node(dbsession, f"{FOLDER}{n}/").state for n in ("uno", "due")} == {"published"}
    done = post(testapp, FOLDER, "transition", ids, csrf, status=303, transition="retract")
    assert "Stato cambiato per 1 elementi; per 1 il passaggio" in done.follow().text
    assert node(dbsession, f"{FOLDER}due/").state == "private"


def test_a_partner_without_rights_cannot_take_transitions(testapp, login_as, dbsession, folder):
    login_as("comune")
    ids = ids_of(dbsession, f"{FOLDER}due/")
    post(testapp, FOLDER, "transition", ids, token(testapp), status=403, transition="retract")
    assert node(dbsession, f"{FOLDER}due/").state == "published"


def test_refused_without_token_or_with_a_transition_not_offered(
    testapp, login_as, dbsession, folder
):
    login_as("admin")
    ids = ids_of(dbsession, f"{FOLDER}due/")
    post(testapp, FOLDER, "transition", ids, None, status=400, transition="retract")
    csrf = token(testapp, f"{FOLDER}@@contents")
    post(testapp, FOLDER, "transition", ids, csrf, status=400, transition="pubblica-per-sempre")
    # Rejecting needs a comment: never in bulk.
    post(testapp, FOLDER, "transition", ids, csrf, status=400, transition="reject")
    # The old state control is gone.
    post(testapp, FOLDER, "state", ids, csrf, status=404, state="private")
    testapp.get(
        f"{FOLDER}@@contents", {"action": "transition", "ids": ids[0], "transition": "retract"}
    )
    assert node(dbsession, f"{FOLDER}due/").state == "published"
    assert history(dbsession, int(ids[0])) == []


def test_anonymous_visitors_cannot_take_transitions(testapp, dbsession, folder):
    ids = ids_of(dbsession, f"{FOLDER}due/")
    response = post(testapp, FOLDER, "transition", ids, token(testapp), 303, transition="retract")
    assert "/login?came_from=" in response.location
    assert node(dbsession, f"{FOLDER}due/").state == "published"


# versions: what the page showed is what is acted on ---------------------------------------
def _edit_meanwhile(dbsession, path: str) -> None:
    item = node(dbsession, path)
    ContentService(dbsession).update(item, title=f"{item.title} (cambiato)")
    dbsession.flush()


def test_a_selection_changed_since_the_page_was_shown_is_left_alone(
    testapp, login_as, dbsession, folder
):
    login_as("admin")
    page = testapp.get(f"{FOLDER}@@contents")
    due = node(dbsession, f"{FOLDER}due/")
    seen = page.html.find("input", attrs={"name": f"v{due.id}"})["value"]
    assert seen == str(due.version)
    csrf = page.forms["contents-form"]["csrf_token"].value
    _edit_meanwhile(dbsession, f"{FOLDER}due/")
    before = len(history(dbsession, due.id))
    done = post(
        testapp,
        FOLDER,
        "transition",
        [str(due.id)],
        csrf,
        303,
        transition="publish_internally",
        **{f"v{due.id}": seen},
    )
    listing = done.follow()
    assert "1 elementi sono stati modificati da qualcun altro" in listing.text
    assert len(history(dbsession, due.id)) == before
    assert node(dbsession, f"{FOLDER}due/").state == "published"
    # The delete confirmation carries the versions it showed; an edit after it wins too.
    confirm = post(testapp, FOLDER, "delete", [str(due.id)], csrf, 200)
    form = confirm.forms["delete-selection-form"]
    _edit_meanwhile(dbsession, f"{FOLDER}due/")
    answer = form.submit("action", value="trash", status=303).follow()
    assert "1 elementi sono stati modificati da qualcun altro" in answer.text
    assert not trashed(dbsession, due.id)
    # Seen as it is now, it goes.
    fresh = post(testapp, FOLDER, "delete", [str(due.id)], csrf, 200)
    fresh.forms["delete-selection-form"].submit("action", value="trash", status=303)
    assert trashed(dbsession, due.id)


def test_what_was_cut_and_changed_before_the_paste_stays_where_it_was(
    testapp, login_as, dbsession, folder
):
    login_as("admin")
    page = testapp.get(f"{FOLDER}@@contents")
    due = node(dbsession, f"{FOLDER}due/")
    csrf = page.forms["contents-form"]["csrf_token"].value
    post(testapp, FOLDER, "cut", [str(due.id)], csrf, 303, **{f"v{due.id}": str(due.version)})
    _edit_meanwhile(dbsession, f"{FOLDER}due/")
    pasted = testapp.post(
        "/notizie/@@contents", {"csrf_token": csrf, "action": "paste"}, status=303
    ).follow()
    assert "1 elementi sono stati modificati da qualcun altro" in pasted.text
    assert node(dbsession, f"{FOLDER}due/") is not None
