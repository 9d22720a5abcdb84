"""The header's links to one's profile and, for Managers, to the administration page; and
that page (@@amministrazione)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tavolo.accounts.models import Group, Organisation, User
from tavolo.db import utcnow
from tavolo.scripts.demo import COMUNE

ADMIN_HOME = "/@@amministrazione"


def header_link(page, link_id):
    return page.html.select_one(f"header #{link_id}")


# the header ---------------------------------------------------------------------------------
def test_visitors_have_neither_link(testapp):
    page = testapp.get("/", status=200)
    assert header_link(page, "profile-link") is None
    assert header_link(page, "admin-link") is None


@pytest.mark.parametrize("login, fullname", [("comune", "Marco Rossi"), ("admin", None)])
def test_the_users_name_links_to_their_profile(testapp, login_as, login, fullname):
    login_as(login)
    page = testapp.get("/area-riservata/", status=200)
    link = header_link(page, "profile-link")
    assert link["href"] == "http://localhost/@@profilo"
    # The visible name is part of the link's name, with what the link is for before it.
    assert link.select_one(".visually-hidden").get_text(strip=True) == "Il tuo profilo:"
    if fullname:
        assert link.select_one(".tavolo-user-name").get_text(strip=True) == fullname


def test_managers_see_the_administration_link(testapp, login_as):
    login_as("admin")
    for path in ("/", "/area-riservata/", "/@@profilo"):
        link = header_link(testapp.get(path, status=200), "admin-link")
        assert link["href"] == "http://localhost/@@amministrazione"
        assert link.get_text(strip=True) == "Amministrazione"


@pytest.mark.parametrize("login", ["comune", "prefettura", "archivio"])
def test_others_do_not_see_the_administration_link(testapp, login_as, login):
    login_as(login)
    for path in ("/", "/area-riservata/"):
        assert header_link(testapp.get(path, status=200), "admin-link") is None


# the administration page --------------------------------------------------------------------
def test_the_administration_page_links_every_administration_page(testapp, login_as):
    login_as("admin")
    page = testapp.get(ADMIN_HOME, status=200)
    assert page.html.find("h1").get_text(strip=True) == "Amministrazione"
    links = [a["href"] for a in page.html.select("#administration-pages h2 a")]
    assert links == [
        "http://localhost/@@utenti",
        "http://localhost/@@organizzazioni",
        "http://localhost/@@gruppi",
        "http://localhost/@@audit",
    ]
    # The users and audit pages exist and open for the same Manager.
    testapp.get("/@@utenti", status=200)
    testapp.get("/@@audit", status=200)


def _count(dbsession, model, *where) -> int:
    return dbsession.scalar(select(func.count()).select_from(model).where(*where))


def test_the_counts_are_of_active_users_live_organisations_and_groups(testapp, login_as, dbsession):
    dbsession.scalars(select(User).where(User.login == "mondoaperto")).one().active = False
    dbsession.scalars(
        select(Organisation).where(Organisation.name == COMUNE)
    ).one().retired = utcnow()
    dbsession.add(Group(name="redazione", title="Redazione"))
    dbsession.flush()
    active = _count(dbsession, User, User.active.is_(True))
    live = _count(dbsession, Organisation, Organisation.retired.is_(None))
    groups = _count(dbsession, Group)
    assert groups >= 1
    login_as("admin")
    page = testapp.get(ADMIN_HOME, status=200)

    def card(card_id):
        return page.html.find(id=card_id).get_text(" ", strip=True)

    assert f"Account attivi: {active}" in card("admin-users")
    assert f"Nella rete: {live}" in card("admin-organisations")
    assert f"Gruppi: {groups}" in card("admin-groups")


@pytest.mark.parametrize("login", ["comune", "prefettura"])
def test_the_administration_page_is_refused_to_others(testapp, login_as, login):
    login_as(login)
    testapp.get(ADMIN_HOME, status=403)


def test_visitors_are_sent_to_login(testapp):
    response = testapp.get(ADMIN_HOME, status=303)
    assert "/login?came_from=%2F%40%40amministrazione" in response.location


def test_the_administration_page_lives_on_the_root_only(testapp, login_as):
    login_as("admin")
    testapp.get("/area-riservata/@@amministrazione", status=404)


def test_the_administration_page_only_answers_get(testapp, login_as):
    login_as("admin")
    csrf = testapp.get(ADMIN_HOME).html.find("input", attrs={"name": "csrf_token"})["value"]
    testapp.post(ADMIN_HOME, {"csrf_token": csrf}, status=404)
