"""The worklist "Da revisionare": the items waiting for review that the caller may review,
anywhere in the site - sorted, paged, and nothing the caller may not see."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tavolo.accounts.models import User
from tavolo.content.models import Node
from tavolo.content.services import ContentService
from tavolo.content.trash import TrashService
from tavolo.security.models import LocalRole
from tavolo.security.roles import REVIEWER
from tavolo.workflow.models import WorkflowHistory
from tests.content.helpers import make, user_id

WORKLIST = "/@@da-revisionare"


@pytest.fixture
def pending(dbsession):
    """Pending items in a public folder, in a private folder and in the reserved area; a
    submission recorded for two of them. The demo's own pending items are set aside, so
    that the worklist holds these only (a Vademecum section sent for approval too)."""
    for node in dbsession.scalars(select(Node).where(Node.state == "pending")):
        node.state = "private"
    for node in dbsession.scalars(select(Node).where(Node.state == "submitted")):
        node.state = "draft"
    make(dbsession, "/", "folder", "revisioni", "Revisioni", state="published")
    make(dbsession, "/", "folder", "cassetto", "Cassetto", state="private")
    make(dbsession, "/area-riservata/", "folder", "note", "Note", state="internal")
    items = {
        "beta": make(dbsession, "/revisioni/", "page", "beta", "Beta", state="pending"),
        "alfa": make(dbsession, "/cassetto/", "news", "alfa", "Alfa", state="pending"),
        "gamma": make(dbsession, "/area-riservata/note/", "page", "gamma", "Gamma", "pending"),
    }
    make(dbsession, "/revisioni/", "page", "pronta", "Già pubblicata", state="published")
    comune = user_id(dbsession, "comune")
    for name, day in (("beta", 3), ("gamma", 1)):
        dbsession.add(
            WorkflowHistory(
                node_id=items[name].id,
                at=dt.datetime(2025, 5, day, 8, 0, tzinfo=dt.UTC),
                actor_id=comune,
                actor_login="comune",
                workflow="publication",
                transition="submit",
                from_state="private",
                to_state="pending",
            )
        )
    dbsession.flush()
    return items


def rows(page) -> list[list[str]]:
    return [
        [td.get_text(" ", strip=True) for td in tr.select("td")]
        for tr in page.html.select("table.tavolo-worklist tbody tr")
    ]


def titles(page) -> list[str]:
    return [row[0] for row in rows(page)]


def test_a_reviewer_sees_every_pending_item(testapp, login_as, pending):
    login_as("prefettura")
    page = testapp.get(WORKLIST)
    # Oldest submission first; the one without a recorded submission last.
    assert rows(page) == [
        [
            "Gamma",
            "Pagina",
            "Note /area-riservata/note/gamma/",
            "Marco Rossi",
            "giovedì 1 maggio 2025, ore 10:00",
        ],
        [
            "Beta",
            "Pagina",
            "Revisioni /revisioni/beta/",
            "Marco Rossi",
            "sabato 3 maggio 2025, ore 10:00",
        ],
        ["Alfa", "Notizia", "Cassetto /cassetto/alfa/", "—", "—"],
    ]
    link = page.html.select_one("table.tavolo-worklist tbody a")
    assert link["href"] == "http://localhost/area-riservata/note/gamma/"
    assert "Già pubblicata" not in page.text


def test_the_worklist_sorts(testapp, login_as, pending):
    login_as("admin")
    assert titles(testapp.get(WORKLIST, {"ordina": "titolo"})) == ["Alfa", "Beta", "Gamma"]
    assert titles(testapp.get(WORKLIST, {"ordina": "percorso"})) == ["Gamma", "Alfa", "Beta"]
    assert titles(testapp.get(WORKLIST, {"ordina": "data"})) == ["Gamma", "Beta", "Alfa"]
    assert titles(testapp.get(WORKLIST, {"ordina": "nonsense"})) == ["Gamma", "Beta", "Alfa"]
    page = testapp.get(WORKLIST, {"ordina": "titolo"})
    current = page.html.select_one(".tavolo-worklist-sorts strong")
    assert current.get_text() == "Titolo"


def test_a_partner_without_review_rights_sees_nothing(testapp, login_as, pending):
    login_as("comune")
    page = testapp.get(WORKLIST)
    assert rows(page) == []
    assert "Nessun contenuto aspetta la tua revisione." in page.text


def test_a_local_reviewer_sees_only_their_folder(testapp, login_as, dbsession, pending):
    folder = ContentService(dbsession).by_path("/revisioni/")
    mondoaperto = user_id(dbsession, "mondoaperto")
    dbsession.add(LocalRole(node_id=folder.id, user_id=mondoaperto, role=REVIEWER))
    dbsession.flush()
    login_as("mondoaperto")
    assert titles(testapp.get(WORKLIST)) == ["Beta"]


def test_a_folder_the_reviewer_may_not_see_hides_its_items(testapp, login_as, dbsession, pending):
    """Reviewing needs seeing every folder above: a partner made Reviewer of an item in a
    private folder they cannot see does not find it in their worklist; made Reviewer of
    the folder, they do. A folder not yet in effect stays visible to its reviewers (a
    reviewer keeps sight of what is scheduled)."""
    comune = user_id(dbsession, "comune")
    dbsession.add(LocalRole(node_id=pending["alfa"].id, user_id=comune, role=REVIEWER))
    dbsession.flush()
    login_as("comune")
    assert titles(testapp.get(WORKLIST)) == []
    folder = ContentService(dbsession).by_path("/cassetto/")
    dbsession.add(LocalRole(node_id=folder.id, user_id=comune, role=REVIEWER))
    ContentService(dbsession).update(folder, effective=dt.datetime(2099, 1, 1, tzinfo=dt.UTC))
    dbsession.flush()
    assert titles(testapp.get(WORKLIST)) == ["Alfa"]


def test_trashed_items_are_not_listed(testapp, login_as, dbsession, pending):
    trash = TrashService(dbsession)
    admin = dbsession.scalars(select(User).where(User.login == "admin")).one()
    trash.trash(ContentService(dbsession).by_path("/cassetto/"), admin)  # with its contents
    trash.trash(pending["beta"], admin)
    login_as("prefettura")
    assert titles(testapp.get(WORKLIST)) == ["Gamma"]


def test_the_worklist_pages_by_25(testapp, login_as, dbsession, pending):
    for number in range(30):
        make(dbsession, "/revisioni/", "page", f"p{number:02d}", f"P{number:02d}", "pending")
    login_as("prefettura")
    first = testapp.get(WORKLIST, {"ordina": "titolo"})
    assert len(rows(first)) == 25 and titles(first)[:3] == ["Alfa", "Beta", "Gamma"]
    second = first.click(description="Successiva")
    assert "ordina=titolo" in second.request.url
    assert titles(second) == [f"P{number:02d}" for number in range(22, 30)]


def test_only_on_the_site_root_and_for_logged_in_users(testapp, login_as, pending):
    assert "/login?came_from=" in testapp.get(WORKLIST, status=303).location
    login_as("prefettura")
    testapp.get("/revisioni/@@da-revisionare", status=404)


def test_reviewers_find_it_from_the_root(testapp, login_as):
    login_as("prefettura")
    menu = testapp.get("/").html.select_one("nav.tavolo-workflow-menu")
    assert menu.find("a", string="Da revisionare")["href"] == f"http://localhost{WORKLIST}"
    testapp.get("/logout")
    testapp.reset()
    login_as("comune")
    assert "@@da-revisionare" not in testapp.get("/").text


def test_a_vademecum_section_sent_for_approval_waits_here(testapp, login_as):
    # The demo's Mondo Aperto section was submitted by Samira Haddad; the prefecture
    # reviews it, its author does not.
    login_as("prefettura")
    sections = [row for row in rows(testapp.get(WORKLIST)) if row[1] == "Sezione del Vademecum"]
    assert [(row[0], row[3]) for row in sections] == [("Coop. Soc. Mondo Aperto", "Samira Haddad")]
    login_as("mondoaperto")
    assert "Coop. Soc. Mondo Aperto" not in titles(testapp.get(WORKLIST, status=(200, 403)))
