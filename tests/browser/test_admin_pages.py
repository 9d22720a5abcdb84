"""The administration pages in a real browser, as a Manager: axe-core (WCAG 2.1 AA) and no
console errors on the lists, forms, confirmation pages, member searches, the audit trail
and the sharing tab with a search."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tavolo.accounts.models import Group, Organisation, User
from tavolo.scripts.demo import COMUNE
from tests.browser.test_pages import assert_accessible, check_pages, demo_server
from tests.conftest import DEMO_PASSWORD


@pytest.fixture(scope="module")
def admin_server(databases, app_settings):
    """The demo site, and the ids of the account, organisation and group the pages show."""
    with demo_server(databases, app_settings, "browser-admin") as (base_url, engine):
        with engine.connect() as connection:
            ids = {
                "user": connection.scalar(select(User.id).where(User.login == "comune")),
                "org": connection.scalar(
                    select(Organisation.id).where(Organisation.name == COMUNE)
                ),
                "group": connection.scalar(select(Group.id).where(Group.name == "tavolo-tecnico")),
            }
        yield base_url, ids


def test_administration_pages_are_accessible(admin_server):
    base_url, ids = admin_server
    user, org, group = ids["user"], ids["org"], ids["group"]
    paths = (
        "/@@utenti",
        "/@@utenti?cerca=comune",
        "/@@nuovo-utente",
        f"/@@utente?id={user}",
        f"/@@disattiva-utente?id={user}",
        "/@@organizzazioni",
        "/@@nuova-organizzazione",
        f"/@@organizzazione?id={org}",
        f"/@@membri-organizzazione?id={org}&cerca=ma",
        f"/@@rimuovi-membro-organizzazione?id={org}&utente={user}",
        f"/@@ritira-organizzazione?id={org}",
        f"/@@elimina-organizzazione?id={org}",
        "/@@gruppi",
        "/@@nuovo-gruppo",
        f"/@@gruppo?id={group}&cerca=co",
        f"/@@elimina-gruppo?id={group}",
        "/@@audit",
        "/area-riservata/@@condivisione?cerca=comune",
    )
    pages = check_pages(base_url, f"login:admin:{DEMO_PASSWORD}", *paths)
    for path in paths:
        assert pages[path]["status"] == 200, path
        assert_accessible(pages[path])


def test_review_pages_are_accessible(admin_server):
    """The worklist, the state menu on an item, the transition forms (with the dates and
    with the required comment), the history and the bulk transition in folder contents."""
    base_url, _ids = admin_server
    item = "/notizie/sportello-mediazione-culturale/"  # the demo's item waiting for review
    paths = (
        "/@@da-revisionare",
        item,
        f"{item}@@transizione?nome=publish",
        f"{item}@@transizione?nome=reject",
        f"{item}@@cronologia",
        "/notizie/@@contents",
    )
    pages = check_pages(base_url, f"login:prefettura:{DEMO_PASSWORD}", *paths)
    for path in paths:
        assert pages[path]["status"] == 200, path
        assert_accessible(pages[path])


def test_version_pages_are_accessible(admin_server):
    """The edit form with its change note, and after a save the versions, one version, the
    restore confirmation and the comparison of two versions."""
    base_url, _ids = admin_server
    page = "/il-consiglio/"
    steps = (
        f"login:admin:{DEMO_PASSWORD}",
        f"{page}@@edit",
        f"save:{page}@@edit:Il Consiglio e i suoi compiti",
        f"{page}@@versioni",
        f"{page}@@versione?n=1",  # how it was before the first recorded edit
        f"{page}@@ripristina?n=1",
        f"{page}@@confronta?da=1&a=2",
        f"{page}@@storia",
    )
    pages = check_pages(base_url, *steps)
    for path in steps[1:]:
        if path.startswith("save:"):
            continue
        assert pages[path]["status"] == 200, path
        assert_accessible(pages[path])
