"""Local roles, inheritance and the visibility of private content, seen through HTTP.

Nodes and grants are arranged with the real services and models inside the test's outer
transaction; every check is a real request to the real application as a demo user.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tavolo.accounts.models import Group, GroupMember, Organisation, User
from tavolo.content.services import ContentService
from tavolo.scripts.demo import COMUNE
from tavolo.security.models import LocalRole
from tavolo.security.roles import READER

RESERVED = "/area-riservata/"


# helpers -------------------------------------------------------------------------------
def user_id(dbsession, login: str) -> int:
    return dbsession.scalars(select(User.id).where(User.login == login)).one()


def organisation_id(dbsession, name: str) -> int:
    return dbsession.scalars(select(Organisation.id).where(Organisation.name == name)).one()


def make(dbsession, parent_path: str, name: str, title: str, state: str, type_name="folder", **kw):
    service = ContentService(dbsession)
    parent = service.by_path(parent_path)
    assert parent is not None, parent_path
    return service.create(parent, type_name, name, title, state=state, **kw)


def grant(dbsession, node, role=READER, **principal):
    dbsession.add(LocalRole(node_id=node.id, role=role, **principal))
    dbsession.flush()


def listing_titles(page) -> list[str]:
    """Titles in a folder's listing (the ``tavolo-listing`` list)."""
    return [a.get_text(strip=True) for a in page.html.select("ul.tavolo-listing h3 a")]


def home_titles(page) -> list[str]:
    """Titles of the home page's cards, one per visible child of the root."""
    return [a.get_text(strip=True) for a in page.html.select("#main-container .card-title a")]


def nav_titles(page) -> list[str]:
    return [a.get_text(strip=True) for a in page.html.select("#main-navigation a.nav-link")]


def assert_forbidden_page(response):
    assert response.status_int == 403
    assert "Accesso negato" in response.text


def switch_user(testapp, login_as, login: str):
    """Drop the current browser's cookies and log in as someone else."""
    testapp.reset()
    login_as(login)


@pytest.fixture
def private_folder(dbsession):
    return make(dbsession, RESERVED, "riservato-prova", "Cartella riservata di prova", "private")


# a private folder and the three kinds of principal -----------------------------------
def test_private_folder_is_refused_without_a_grant(testapp, login_as, private_folder):
    login_as("comune")
    assert_forbidden_page(testapp.get("/area-riservata/riservato-prova/", status=403))
    # The reserved area itself is internal: comune sees it, but not the private folder.
    area = testapp.get(RESERVED, status=200)
    assert "Cartella riservata di prova" not in area.text


def _principal_for(dbsession, kind: str) -> dict:
    comune = user_id(dbsession, "comune")
    if kind == "user":
        return {"user_id": comune}
    if kind == "group":
        group = Group(name="gruppo-prova", title="Gruppo di prova")
        dbsession.add(group)
        dbsession.flush()
        dbsession.add(GroupMember(group_id=group.id, user_id=comune))
        dbsession.flush()
        return {"group_id": group.id}
    return {"organisation_id": organisation_id(dbsession, COMUNE)}


@pytest.mark.parametrize("kind", ["user", "group", "organisation"])
def test_reader_granted_locally_opens_a_private_folder(
    testapp, login_as, dbsession, private_folder, kind
):
    grant(dbsession, private_folder, **_principal_for(dbsession, kind))
    login_as("comune")
    page = testapp.get("/area-riservata/riservato-prova/", status=200)
    assert "<h1>Cartella riservata di prova</h1>" in page.text
    assert "Cartella riservata di prova" in listing_titles(testapp.get(RESERVED))
    # mondoaperto is in none of these principals: still refused.
    switch_user(testapp, login_as, "mondoaperto")
    assert_forbidden_page(testapp.get("/area-riservata/riservato-prova/", status=403))


def test_group_grant_does_not_reach_users_outside_the_group(
    testapp, login_as, dbsession, private_folder
):
    group = Group(name="gruppo-vuoto", title="Gruppo senza comune")
    dbsession.add(group)
    dbsession.flush()
    dbsession.add(GroupMember(group_id=group.id, user_id=user_id(dbsession, "mondoaperto")))
    grant(dbsession, private_folder, group_id=group.id)
    login_as("comune")
    testapp.get("/area-riservata/riservato-prova/", status=403)
    switch_user(testapp, login_as, "mondoaperto")
    testapp.get("/area-riservata/riservato-prova/", status=200)


# inheritance -----------------------------------------------------------------------------
def test_grant_on_a_parent_is_inherited_by_a_private_child(
    testapp, login_as, dbsession, private_folder
):
    make(dbsession, private_folder.path, "figlio", "Figlio privato", "private")
    login_as("comune")
    testapp.get("/area-riservata/riservato-prova/figlio/", status=403)

    grant(dbsession, private_folder, user_id=user_id(dbsession, "comune"))
    child = testapp.get("/area-riservata/riservato-prova/figlio/", status=200)
    assert "<h1>Figlio privato</h1>" in child.text
    parent = testapp.get("/area-riservata/riservato-prova/", status=200)
    assert listing_titles(parent) == ["Figlio privato"]


def test_blocking_inheritance_drops_inherited_grants_but_keeps_own_ones(
    testapp, login_as, dbsession, private_folder
):
    # The whole Comune reads the parent; the child blocks inheritance and is shared with
    # the operator "comune" only.
    grant(dbsession, private_folder, organisation_id=organisation_id(dbsession, COMUNE))
    child = make(dbsession, private_folder.path, "bloccato", "Figlio bloccato", "private")
    child.inherit_roles = False
    dbsession.flush()
    grant(dbsession, child, user_id=user_id(dbsession, "comune"))

    login_as("comune.firma")
    parent = testapp.get("/area-riservata/riservato-prova/", status=200)
    assert listing_titles(parent) == []
    assert_forbidden_page(testapp.get("/area-riservata/riservato-prova/bloccato/", status=403))

    switch_user(testapp, login_as, "comune")
    parent = testapp.get("/area-riservata/riservato-prova/", status=200)
    assert listing_titles(parent) == ["Figlio bloccato"]
    testapp.get("/area-riservata/riservato-prova/bloccato/", status=200)


def test_inheritance_block_removes_a_grant_that_used_to_open_the_child(
    testapp, login_as, dbsession, private_folder
):
    grant(dbsession, private_folder, user_id=user_id(dbsession, "comune"))
    child = make(dbsession, private_folder.path, "figlio", "Figlio privato", "private")
    login_as("comune")
    testapp.get("/area-riservata/riservato-prova/figlio/", status=200)

    child.inherit_roles = False
    dbsession.flush()
    testapp.get("/area-riservata/riservato-prova/figlio/", status=403)
    assert listing_titles(testapp.get("/area-riservata/riservato-prova/")) == []


# a private folder hides what is inside -------------------------------------------------
def test_private_folder_hides_its_published_child(testapp, login_as, dbsession):
    folder = make(dbsession, "/", "cassetto", "Cassetto privato", "private")
    make(dbsession, folder.path, "avviso", "Avviso pubblicato", "published", type_name="page")

    # A visitor is sent to log in, a partner is refused.
    response = testapp.get("/cassetto/avviso/", status=303)
    assert response.location.startswith("http://localhost/login?came_from=")
    home = testapp.get("/", status=200)
    assert "Cassetto privato" not in home.text and "Avviso pubblicato" not in home.text

    login_as("comune")
    assert_forbidden_page(testapp.get("/cassetto/avviso/", status=403))
    testapp.get("/cassetto/", status=403)
    home = testapp.get("/", status=200)
    assert "Il Consiglio" in home_titles(home)  # the listings are there...
    assert "Cassetto privato" not in home_titles(home)  # ...without the private folder
    assert "Cassetto privato" not in nav_titles(home)
    assert "Avviso pubblicato" not in home.text

    # The same pages for someone who may see the folder: it is listed and navigable.
    switch_user(testapp, login_as, "admin")
    home = testapp.get("/", status=200)
    assert "Cassetto privato" in home_titles(home)
    assert "Cassetto privato" in nav_titles(home)
    assert listing_titles(testapp.get("/cassetto/", status=200)) == ["Avviso pubblicato"]
    testapp.get("/cassetto/avviso/", status=200)


@pytest.mark.parametrize(
    "path",
    [
        "/area-riservata/",
        "/area-riservata/vademecum/",
        "/area-riservata/tavolo-tecnico/",
        "/area-riservata/archivio/",
    ],
)
def test_anonymous_visitor_is_sent_to_login(testapp, path):
    response = testapp.get(path, status=303)
    assert response.location.startswith("http://localhost/login?came_from=")
    assert "area-riservata" in response.location
    assert "Area riservata" not in response.text


def test_archive_staff_see_the_private_archive_and_partners_do_not(testapp, login_as):
    login_as("archivio")
    page = testapp.get("/area-riservata/archivio/", status=200)
    assert "<h1>Archivio della Prefettura</h1>" in page.text
    assert "Archivio della Prefettura" in listing_titles(testapp.get(RESERVED))

    switch_user(testapp, login_as, "comune")
    assert_forbidden_page(testapp.get("/area-riservata/archivio/", status=403))
    assert "Archivio della Prefettura" not in listing_titles(testapp.get(RESERVED))


# listings: the SQL filter and paging ---------------------------------------------------
def test_listing_shows_exactly_the_children_the_user_may_see(testapp, login_as, dbsession):
    folder = make(dbsession, RESERVED, "misto", "Cartella mista", "internal")
    comune = user_id(dbsession, "comune")
    comune_org = organisation_id(dbsession, COMUNE)
    make(dbsession, folder.path, "pubblico", "Pubblico", "published", type_name="page")
    make(dbsession, folder.path, "interno", "Interno", "internal", type_name="page")
    make(dbsession, folder.path, "privato", "Privato", "private", type_name="page")
    make(dbsession, folder.path, "mio", "Privato di comune", "private", owner_id=comune)
    shared_user = make(dbsession, folder.path, "condiviso", "Condiviso con comune", "private")
    grant(dbsession, shared_user, user_id=comune)
    shared_org = make(dbsession, folder.path, "ente", "Condiviso con l'ente", "private")
    grant(dbsession, shared_org, organisation_id=comune_org)
    editor_only = make(dbsession, folder.path, "redazione", "Solo redazione", "private")
    grant(dbsession, editor_only, role="Contributor", user_id=user_id(dbsession, "mondoaperto"))
    other = make(dbsession, folder.path, "altro", "Condiviso con altri", "private")
    grant(dbsession, other, user_id=user_id(dbsession, "mondoaperto"))

    expected_for_comune = [
        "Pubblico",
        "Interno",
        "Privato di comune",
        "Condiviso con comune",
        "Condiviso con l'ente",
    ]
    login_as("comune")
    page = testapp.get("/area-riservata/misto/", status=200)
    assert listing_titles(page) == expected_for_comune
    # The SQL filter agrees with the security policy, child by child.
    for name, title in [
        ("pubblico", "Pubblico"),
        ("interno", "Interno"),
        ("privato", "Privato"),
        ("mio", "Privato di comune"),
        ("condiviso", "Condiviso con comune"),
        ("ente", "Condiviso con l'ente"),
        ("redazione", "Solo redazione"),
        ("altro", "Condiviso con altri"),
    ]:
        status = 200 if title in expected_for_comune else 403
        testapp.get(f"/area-riservata/misto/{name}/", status=status)

    switch_user(testapp, login_as, "mondoaperto")
    page = testapp.get("/area-riservata/misto/", status=200)
    assert listing_titles(page) == ["Pubblico", "Interno", "Solo redazione", "Condiviso con altri"]

    # The prefecture's staff are Editors of the whole reserved area: they see everything.
    switch_user(testapp, login_as, "prefettura")
    page = testapp.get("/area-riservata/misto/", status=200)
    assert len(listing_titles(page)) == 8


def test_listing_paginates_twenty_by_twenty(testapp, login_as, dbsession):
    folder = make(dbsession, RESERVED, "tanti", "Molti documenti", "internal")
    for number in range(1, 26):
        make(dbsession, folder.path, f"doc-{number:02d}", f"Documento {number:02d}", "internal")
    # A hidden child must not count towards the pages.
    make(dbsession, folder.path, "nascosto", "Documento nascosto", "private")

    login_as("comune")
    first = testapp.get("/area-riservata/tanti/", status=200)
    second = testapp.get("/area-riservata/tanti/?page=2", status=200)
    assert listing_titles(first) == [f"Documento {n:02d}" for n in range(1, 21)]
    assert listing_titles(second) == [f"Documento {n:02d}" for n in range(21, 26)]
    pages = [a.get_text(" ", strip=True) for a in first.html.select(".pagination a.page-link")]
    assert "Pagina 2" in pages and "Pagina 3" not in pages
    assert "Documento nascosto" not in first.text + second.text


# principals are never reused ---------------------------------------------------------
def test_a_deleted_group_takes_its_grants_and_a_recreated_one_inherits_nothing(
    dbsession, testapp, login_as
):
    folder = make(dbsession, RESERVED, "gruppo-di-lavoro", "Gruppo di lavoro", "private")
    comune = user_id(dbsession, "comune")
    group = Group(name="tavolo-scuola", title="Tavolo scuola")
    dbsession.add(group)
    dbsession.flush()
    dbsession.add(GroupMember(group_id=group.id, user_id=comune))
    grant(dbsession, folder, group_id=group.id)
    old_id = group.id
    login_as("comune")
    testapp.get("/area-riservata/gruppo-di-lavoro/", status=200)

    dbsession.delete(group)
    dbsession.flush()
    assert dbsession.scalars(select(LocalRole).where(LocalRole.node_id == folder.id)).all() == []

    again = Group(name="tavolo-scuola", title="Tavolo scuola")
    dbsession.add(again)
    dbsession.flush()
    dbsession.add(GroupMember(group_id=again.id, user_id=comune))
    dbsession.flush()
    assert again.id != old_id
    assert_forbidden_page(testapp.get("/area-riservata/gruppo-di-lavoro/", status=403))
