"""Groups administration for Managers: create, rename, members, delete - and what a group
grant opens to its members, end to end (WebTest through the real application)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from sqlalchemy import delete, func, select

from tavolo.accounts.models import Group, GroupMember, Membership, Organisation, User
from tavolo.db import utcnow
from tavolo.scripts.demo import COMUNE
from tavolo.security.models import GlobalRole, LocalRole
from tavolo.security.roles import CONTRIBUTOR, EDITOR, GRANTABLE_LOCAL_ROLES, READER
from tests.accounts.test_password_links import audit, user_named
from tests.conftest import client_for, login
from tests.security.test_local_roles import RESERVED, grant, make

NAME = "tavolo-minori"
TITLE = "Tavolo minori stranieri"
FOLDER = "/area-riservata/riservata-gruppo/"
ADD = "aggiungi-membro-gruppo"
REMOVE = "rimuovi-membro-gruppo"
PAGES_GET = ["/@@gruppi", "/@@nuovo-gruppo", "/@@gruppo?id={id}", "/@@elimina-gruppo?id={id}"]
PAGES_POST = [
    "/@@nuovo-gruppo",
    "/@@gruppo?id={id}",
    f"/@@{ADD}?id={{id}}",
    f"/@@{REMOVE}?id={{id}}",
    "/@@elimina-gruppo?id={id}",
]


# helpers ----------------------------------------------------------------------------------
def group_named(dbsession, name: str) -> Group | None:
    dbsession.expire_all()
    return dbsession.scalars(select(Group).where(Group.name == name)).first()


def organisation_named(dbsession, name: str) -> Organisation:
    return dbsession.scalars(select(Organisation).where(Organisation.name == name)).one()


def members_of(dbsession, group_id: int) -> set[str]:
    dbsession.expire_all()
    rows = dbsession.scalars(select(GroupMember).where(GroupMember.group_id == group_id))
    return {f"user:{r.user_id}" if r.user_id else f"org:{r.organisation_id}" for r in rows}


def csrf_of(app) -> str:
    page = app.get("/", status=200)
    return page.html.find("input", attrs={"name": "csrf_token"})["value"]


def error_of(page, field) -> str:
    return page.html.select_one(f".item-{field} .invalid-feedback").text.strip()


def create_group(app, name=NAME, title=TITLE, status=303):
    form = app.get("/@@nuovo-gruppo", status=200).forms["new-group-form"]
    form["name"] = name
    form["title"] = title
    return form.submit("save", status=status)


def new_group(app, dbsession, name=NAME, title=TITLE) -> Group:
    create_group(app, name, title)
    return group_named(dbsession, name)


def member_form(page, view: str, key: str):
    """The add or remove form for the member ``key`` on a group page."""
    for form in page.forms.values():
        if view in form.action and "member" in form.fields and form["member"].value == key:
            return form
    raise AssertionError(f"no {view} form for {key}")


def add_through_search(app, group, query: str, key: str, status=303):
    page = app.get("/@@gruppo", {"id": group.id, "cerca": query}, status=200)
    return member_form(page, ADD, key).submit(status=status)


def remove_through_page(app, group, key: str, status=303):
    page = app.get(f"/@@gruppo?id={group.id}", status=200)
    return member_form(page, REMOVE, key).submit(status=status)


def notice_of(page) -> str:
    return page.html.find(id="group-notice").get_text(" ", strip=True)


def candidates(page) -> list[str]:
    """Who the search offers to add (``user:<id>``, ``org:<id>``)."""
    return [li["data-member"] for li in page.html.select("li[data-member]")]


def member_rows(page) -> list[str]:
    return [tr["data-member"] for tr in page.html.select("tr[data-member]")]


def browser_of(testapp, username: str):
    app = client_for(testapp.app)
    login(app, username)
    return app


# creating and renaming --------------------------------------------------------------------
def test_a_manager_creates_a_group_and_finds_it_in_the_list(testapp, login_as, dbsession):
    login_as("admin")
    listing = testapp.get("/@@gruppi", status=200)
    assert listing.html.find(id="new-group-link")["href"].endswith("/@@nuovo-gruppo")
    page = create_group(testapp).follow(status=200)
    assert "Il gruppo è stato creato" in notice_of(page)
    assert page.html.find("h1").get_text(strip=True) == f"Gruppo: {TITLE}"
    assert NAME in page.html.find(id="group-name").text
    group = group_named(dbsession, NAME)
    assert group.title == TITLE and members_of(dbsession, group.id) == set()
    (entry,) = audit(dbsession, "group_created")
    assert (entry.actor_login, entry.object_type, entry.object_id, entry.object_path) == (
        "admin",
        "group",
        group.id,
        NAME,
    )
    assert entry.data["title"] == TITLE

    for query in ("MINORI", "tavolo-min"):
        rows = testapp.get("/@@gruppi", {"cerca": query}).html.select("#groups-table tbody tr")
        assert [row["data-name"] for row in rows] == [NAME]
    assert "Nessun gruppo corrisponde" in testapp.get("/@@gruppi", {"cerca": "100%_"}).text


def test_the_list_counts_members_and_grants(testapp, login_as, dbsession):
    tecnico = group_named(dbsession, "tavolo-tecnico")  # demo: three whole organisations
    dbsession.add(GroupMember(group_id=tecnico.id, user_id=user_named(dbsession, "comune").id))
    folder = make(dbsession, RESERVED, "riservata-gruppo", "Riservata al gruppo", "private")
    grant(dbsession, folder, role=READER, group_id=tecnico.id)
    grant(dbsession, folder, role=EDITOR, group_id=tecnico.id)
    dbsession.add(GlobalRole(group_id=tecnico.id, role=READER))
    dbsession.flush()
    before = len(audit(dbsession, "group_created"))
    login_as("admin")
    page = testapp.get("/@@gruppi", status=200)
    row = page.html.select_one('#groups-table tr[data-name="tavolo-tecnico"]')
    counts = [
        row.select_one(f".group-{kind}").text for kind in ("users", "organisations", "grants")
    ]
    assert counts == ["1", "3", "3"]
    assert page.html.select_one('#groups-table tr[data-name="sindacati"] .group-grants').text == "0"
    assert len(audit(dbsession, "group_created")) == before  # reading changes nothing


def test_the_list_has_pages(testapp, login_as, dbsession):
    for number in range(30):
        dbsession.add(Group(name=f"prova-{number:02}", title=f"Gruppo di prova {number:02}"))
    dbsession.flush()
    login_as("admin")
    first = testapp.get("/@@gruppi", {"cerca": "prova"}, status=200)
    assert len(first.html.select("#groups-table tbody tr")) == 25
    assert "30 in tutto" in first.html.find("caption").text
    last = testapp.get("/@@gruppi", {"cerca": "prova", "page": "2"}, status=200)
    names = [row["data-name"] for row in last.html.select("#groups-table tbody tr")]
    assert names == [f"prova-{number:02}" for number in range(25, 30)]


def test_names_are_checked_and_titles_required(testapp, login_as, dbsession):
    login_as("admin")
    page = create_group(testapp, name="Tavolo Minori", status=400)
    assert "Usa solo lettere minuscole" in error_of(page, "name")
    page = create_group(testapp, name="-minori", status=400)
    assert "Usa solo lettere minuscole" in error_of(page, "name")
    page = create_group(testapp, name="x", status=400)
    assert "da 2 a 100 caratteri" in error_of(page, "name")
    page = create_group(testapp, name="m" * 101, status=400)
    assert "da 2 a 100 caratteri" in error_of(page, "name")
    page = create_group(testapp, name=" TAVOLO-TECNICO ", status=400)  # the demo's, any case
    assert "C'è già un gruppo con questo nome" in error_of(page, "name")
    page = create_group(testapp, title="   ", status=400)
    assert error_of(page, "title")
    page = create_group(testapp, title="t" * 201, status=400)
    assert error_of(page, "title")
    assert group_named(dbsession, NAME) is None
    assert audit(dbsession, "group_created") == []
    # Upper case and blanks around are folded away, like login names.
    create_group(testapp, name="  Tavolo_Minori.2026 ")
    assert group_named(dbsession, "tavolo_minori.2026") is not None


def test_renaming_changes_the_title_only_and_is_audited(testapp, login_as, dbsession):
    login_as("admin")
    group = new_group(testapp, dbsession)
    page = testapp.get(f"/@@gruppo?id={group.id}", status=200)
    form = page.forms["edit-group-form"]
    assert "name" not in form.fields  # the name is shown, not editable
    assert "Non si può cambiare" in page.html.find(id="group-name").text
    form["title"] = "Tavolo minori non accompagnati"
    page = form.submit("save", status=303).follow(status=200)
    assert "salvate" in notice_of(page)
    group = group_named(dbsession, NAME)
    assert group.title == "Tavolo minori non accompagnati"
    (entry,) = audit(dbsession, "group_renamed")
    assert entry.object_path == NAME
    assert entry.data["title"] == [TITLE, "Tavolo minori non accompagnati"]

    # Saving the same title again changes nothing and records nothing.
    testapp.get(f"/@@gruppo?id={group.id}").forms["edit-group-form"].submit("save", status=303)
    assert len(audit(dbsession, "group_renamed")) == 1
    form = testapp.get(f"/@@gruppo?id={group.id}").forms["edit-group-form"]
    form["title"] = ""
    page = form.submit("save", status=400)
    assert error_of(page, "title")
    assert group_named(dbsession, NAME).title == "Tavolo minori non accompagnati"


# members ----------------------------------------------------------------------------------
def test_adding_and_removing_users_and_organisations_is_audited(testapp, login_as, dbsession):
    login_as("admin")
    group = new_group(testapp, dbsession)
    comune = user_named(dbsession, "comune")
    org = organisation_named(dbsession, COMUNE)
    user_key, org_key = f"user:{comune.id}", f"org:{org.id}"

    page = add_through_search(testapp, group, "rossi", user_key).follow(status=200)
    assert notice_of(page) == "Marco Rossi ora fa parte del gruppo."
    assert page.html.find(id="group-query")["value"] == "rossi"  # the same search again
    assert member_rows(page) == [user_key]
    link = page.html.select_one(f'tr[data-member="{user_key}"] a')["href"]
    assert link.endswith(f"/@@utente?id={comune.id}")
    assert user_key not in candidates(page)  # a member is not offered again

    page = add_through_search(testapp, group, "spezia", org_key).follow(status=200)
    assert notice_of(page) == "Comune della Spezia ora fa parte del gruppo."
    assert members_of(dbsession, group.id) == {user_key, org_key}
    assert "nella rete" in page.html.select_one(f'tr[data-member="{org_key}"]').text

    added = audit(dbsession, "group_member_added")
    assert [(e.object_id, e.data["member"], e.data["member_name"]) for e in added] == [
        (group.id, user_key, "Marco Rossi"),
        (group.id, org_key, COMUNE),
    ]
    assert all(e.actor_login == "admin" and e.object_path == NAME for e in added)

    # Adding again (a second click, an old page) is no error and records nothing.
    again = testapp.post(
        f"/@@{ADD}?id={group.id}", {"csrf_token": csrf_of(testapp), "member": user_key}, status=303
    )
    assert "faceva già parte" in notice_of(again.follow())
    assert len(audit(dbsession, "group_member_added")) == 2

    page = remove_through_page(testapp, group, org_key).follow(status=200)
    assert notice_of(page) == "Comune della Spezia non fa più parte del gruppo."
    page = remove_through_page(testapp, group, user_key).follow(status=200)
    assert notice_of(page) == "Marco Rossi non fa più parte del gruppo."
    assert members_of(dbsession, group.id) == set()
    assert page.html.find(id="group-no-users") and page.html.find(id="group-no-organisations")
    removed = audit(dbsession, "group_member_removed")
    assert [e.data["member"] for e in removed] == [org_key, user_key]

    # Removing someone who is not a member: the page says so, nothing is recorded.
    gone = testapp.post(
        f"/@@{REMOVE}?id={group.id}", {"csrf_token": csrf_of(testapp), "member": user_key}
    )
    assert "non faceva parte" in notice_of(gone.follow())
    assert len(audit(dbsession, "group_member_removed")) == 2
    # The user and the organisation themselves are untouched.
    assert user_named(dbsession, "comune").active


def test_disabled_users_and_retired_organisations_are_neither_offered_nor_added(
    testapp, login_as, dbsession
):
    spento = User(login="spezia.spento", email="spento@example.it", fullname="Spezia Spento")
    spento.active = False
    dbsession.add(spento)
    cgil = organisation_named(dbsession, "CGIL")
    cgil.retired = utcnow()
    dbsession.flush()
    login_as("admin")
    group = new_group(testapp, dbsession)
    page = testapp.get("/@@gruppo", {"id": group.id, "cerca": "spezia"}, status=200)
    offered = candidates(page)
    assert f"org:{organisation_named(dbsession, COMUNE).id}" in offered
    assert f"user:{spento.id}" not in offered
    page = testapp.get("/@@gruppo", {"id": group.id, "cerca": "cgil"}, status=200)
    assert candidates(page) == [] and page.html.find(id="group-no-candidates")

    token = csrf_of(testapp)
    page = testapp.post(
        f"/@@{ADD}?id={group.id}", {"csrf_token": token, "member": f"user:{spento.id}"}, status=400
    )
    assert "account disattivato" in page.html.find(id="group-error").text
    page = testapp.post(
        f"/@@{ADD}?id={group.id}", {"csrf_token": token, "member": f"org:{cgil.id}"}, status=400
    )
    assert "ritirata dalla rete" in page.html.find(id="group-error").text
    for member in ("user:999999", "org:999999", "group:1", "user:abc", "user:", "", "user:-1"):
        testapp.post(f"/@@{ADD}?id={group.id}", {"csrf_token": token, "member": member}, status=404)
        testapp.post(
            f"/@@{REMOVE}?id={group.id}", {"csrf_token": token, "member": member}, status=404
        )
    assert members_of(dbsession, group.id) == set()
    assert audit(dbsession, "group_member_added") == []


def test_members_disabled_or_retired_later_stay_listed_and_can_be_removed(
    testapp, login_as, dbsession
):
    login_as("admin")
    group = new_group(testapp, dbsession)
    comune = user_named(dbsession, "comune")
    org = organisation_named(dbsession, "CGIL")
    dbsession.add_all(
        [
            GroupMember(group_id=group.id, user_id=comune.id),
            GroupMember(group_id=group.id, organisation_id=org.id),
        ]
    )
    comune.active = False
    org.retired = utcnow()
    dbsession.flush()
    page = testapp.get(f"/@@gruppo?id={group.id}", status=200)
    assert "disattivato" in page.html.select_one(f'tr[data-member="user:{comune.id}"]').text
    assert "ritirata dalla rete" in page.html.select_one(f'tr[data-member="org:{org.id}"]').text
    remove_through_page(testapp, group, f"org:{org.id}")
    remove_through_page(testapp, group, f"user:{comune.id}")
    assert members_of(dbsession, group.id) == set()
    assert len(audit(dbsession, "group_member_removed")) == 2


def test_the_search_shows_twenty_of_each_kind_and_says_when_there_are_more(
    testapp, login_as, dbsession
):
    for number in range(21):
        dbsession.add(
            User(
                login=f"omonimo.{number:02}",
                email=f"omonimo.{number:02}@example.it",
                fullname=f"Omonimo {number:02}",
            )
        )
    dbsession.flush()
    login_as("admin")
    group = new_group(testapp, dbsession)
    page = testapp.get("/@@gruppo", {"id": group.id, "cerca": "omonimo"}, status=200)
    assert len(page.html.select("#group-candidate-users li")) == 20
    assert "Ci sono altri utenti" in page.text
    assert "Ci sono altre organizzazioni" not in page.text
    page = testapp.get("/@@gruppo", {"id": group.id, "cerca": "omonimo.2"}, status=200)
    assert len(page.html.select("#group-candidate-users li")) == 1
    assert "Ci sono altri utenti" not in page.text
    page = testapp.get("/@@gruppo", {"id": group.id, "cerca": "o"}, status=200)
    assert "almeno due caratteri" in page.text and candidates(page) == []
    page = testapp.get("/@@gruppo", {"id": group.id, "cerca": "%"}, status=200)
    assert candidates(page) == []


# sharing with a group, end to end ---------------------------------------------------------
def test_what_a_group_grant_opens_follows_its_members_and_dies_with_it(
    testapp, login_as, dbsession, connection
):
    make(dbsession, RESERVED, "riservata-gruppo", "Riservata al gruppo", "private")
    samira = browser_of(testapp, "mondoaperto")  # a member in person
    marco = browser_of(testapp, "comune")  # members through the organisation
    giovanna = browser_of(testapp, "comune.firma")
    for browser in (samira, marco, giovanna):
        browser.get(FOLDER, status=403)

    login_as("admin")
    group = new_group(testapp, dbsession)
    group_id = group.id  # the object dies with the row
    comune_org = organisation_named(dbsession, COMUNE)
    samira_id = user_named(dbsession, "mondoaperto").id
    add_through_search(testapp, group, "samira", f"user:{samira_id}")
    add_through_search(testapp, group, "comune della", f"org:{comune_org.id}")
    # Reader on the private folder, through the sharing tab like any grant.
    share = testapp.get(f"{FOLDER}@@condivisione", {"cerca": "minori"}, status=200)
    form = share.forms["sharing-grant"]
    form["principal"] = f"group:{group.id}"
    (reader,) = [box for box in form.fields["role"] if box._value == READER]
    reader.checked = True
    form.submit(status=303)
    assert dbsession.scalars(
        select(LocalRole.role).where(LocalRole.group_id == group.id)
    ).all() == [READER]

    for browser in (samira, marco, giovanna):
        assert "Riservata al gruppo" in browser.get(FOLDER, status=200).text

    # The organisation leaves the group: its people lose what the group gave them.
    remove_through_page(testapp, group, f"org:{comune_org.id}")
    marco.get(FOLDER, status=403)
    giovanna.get(FOLDER, status=403)
    samira.get(FOLDER, status=200)

    # Back in the group; then Giovanna leaves the organisation, and with it the group.
    add_through_search(testapp, group, "comune della", f"org:{comune_org.id}")
    giovanna.get(FOLDER, status=200)
    giovanna_id = user_named(dbsession, "comune.firma").id
    dbsession.execute(
        delete(Membership).where(
            Membership.user_id == giovanna_id, Membership.organisation_id == comune_org.id
        )
    )
    dbsession.flush()
    giovanna.get(FOLDER, status=403)
    marco.get(FOLDER, status=200)

    # Deleting the group: the confirmation says what goes, the POST deletes it all.
    confirm = testapp.get(f"/@@elimina-gruppo?id={group.id}", status=200)
    assert group_named(dbsession, NAME) is not None  # GET only asks
    summary = confirm.html.find(id="group-delete-summary").get_text(" ", strip=True)
    assert "utenti: 1; organizzazioni: 1" in summary
    (line,) = [
        li.get_text(" ", strip=True) for li in confirm.html.select("#group-delete-grants li")
    ]
    assert line.startswith("Può vedere: Riservata al gruppo") and FOLDER in line
    listing = confirm.forms["delete-group-form"].submit(status=303).follow(status=200)
    assert "Il gruppo è stato eliminato" in notice_of(listing)
    assert NAME not in [row["data-name"] for row in listing.html.select("#groups-table tbody tr")]

    if connection.dialect.name == "sqlite":  # the cascade needs the foreign keys switched on
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert group_named(dbsession, NAME) is None
    assert (
        dbsession.scalar(
            select(func.count()).select_from(LocalRole).where(LocalRole.group_id == group_id)
        )
        == 0
    )
    assert members_of(dbsession, group_id) == set()
    for browser in (samira, marco):
        browser.get(FOLDER, status=403)
    (entry,) = audit(dbsession, "group_deleted")
    assert (entry.actor_login, entry.object_id, entry.object_path) == ("admin", group_id, NAME)
    assert entry.data == {"title": TITLE, "members": 2, "local_roles": 1, "global_roles": 0}

    # The same name again is a new group: a new id, and nothing of the old one.
    again = new_group(testapp, dbsession)
    assert again.id > group_id
    assert dbsession.scalars(select(LocalRole).where(LocalRole.group_id == again.id)).all() == []
    add_through_search(testapp, again, "samira", f"user:{samira_id}")
    samira.get(FOLDER, status=403)


def test_the_delete_confirmation_lists_grants_and_global_roles(testapp, login_as, dbsession):
    login_as("admin")
    group = new_group(testapp, dbsession)
    group_id = group.id  # the object dies with the row
    folders = [
        make(dbsession, RESERVED, f"cartella-{n}", f"Cartella {n}", "private") for n in range(6)
    ]
    for folder in folders:
        for role in GRANTABLE_LOCAL_ROLES:
            grant(dbsession, folder, role=role, group_id=group.id)
    dbsession.add(GlobalRole(group_id=group.id, role=CONTRIBUTOR))
    dbsession.add(GroupMember(group_id=group.id, user_id=user_named(dbsession, "comune").id))
    dbsession.flush()

    page = testapp.get(f"/@@elimina-gruppo?id={group.id}", status=200)
    assert len(page.html.select("#group-delete-grants li")) == 20
    assert "primi 20 di 24" in page.text
    assert "24" in page.html.find(id="group-delete-local").text
    roles = [li.get_text(strip=True) for li in page.html.select("#group-delete-global-roles li")]
    assert roles == ["Può aggiungere"]
    page.forms["delete-group-form"].submit(status=303)

    dbsession.expire_all()
    for model in (LocalRole, GlobalRole, GroupMember):
        count = select(func.count()).select_from(model).where(model.group_id == group_id)
        assert dbsession.scalar(count) == 0
    (entry,) = audit(dbsession, "group_deleted")
    assert entry.data["members"] == 1
    assert (entry.data["local_roles"], entry.data["global_roles"]) == (24, 1)


# who may ----------------------------------------------------------------------------------
@pytest.mark.parametrize("username", ["comune", "prefettura"])
def test_only_managers_get_the_pages(testapp, login_as, dbsession, username):
    group = group_named(dbsession, "tavolo-tecnico")
    members = members_of(dbsession, group.id)
    login_as(username)
    token = csrf_of(testapp)
    for path in PAGES_GET:
        testapp.get(path.format(id=group.id), status=403)
    comune = user_named(dbsession, "comune")
    for path in PAGES_POST:
        params = {"csrf_token": token, "name": "x-y", "title": "X", "member": f"user:{comune.id}"}
        testapp.post(path.format(id=group.id), params, status=403)
    assert group_named(dbsession, "tavolo-tecnico").title == "Tavolo tecnico"
    assert members_of(dbsession, group.id) == members
    assert group_named(dbsession, "x-y") is None


def test_anonymous_visitors_are_sent_to_login(testapp, dbsession):
    group = group_named(dbsession, "tavolo-tecnico")
    members = members_of(dbsession, group.id)
    for path in PAGES_GET:
        response = testapp.get(path.format(id=group.id), status=303)
        assert response.location.startswith("http://localhost/login?came_from=")
    token = csrf_of(testapp)
    for path in PAGES_POST:
        response = testapp.post(path.format(id=group.id), {"csrf_token": token}, status=303)
        assert "/login" in response.location
    assert group_named(dbsession, "tavolo-tecnico") is not None
    assert members_of(dbsession, group.id) == members


def test_posts_without_the_csrf_token_are_refused(testapp, login_as, dbsession):
    login_as("admin")
    group = group_named(dbsession, "tavolo-tecnico")
    members = members_of(dbsession, group.id)
    comune = user_named(dbsession, "comune")
    for path in PAGES_POST:
        params = {"name": "senza-token", "title": "Senza token", "member": f"user:{comune.id}"}
        testapp.post(path.format(id=group.id), params, status=400)
    group = group_named(dbsession, "tavolo-tecnico")
    assert group is not None and group.title == "Tavolo tecnico"
    assert members_of(dbsession, group.id) == members
    assert group_named(dbsession, "senza-token") is None


def test_the_pages_live_on_the_site_root_only(testapp, login_as, dbsession):
    login_as("admin")
    group = group_named(dbsession, "tavolo-tecnico")
    token = csrf_of(testapp)
    for path in PAGES_GET:
        testapp.get("/area-riservata" + path.format(id=group.id), status=404)
    for path in PAGES_POST:
        url = "/area-riservata" + path.format(id=group.id)
        testapp.post(url, {"csrf_token": token}, status=404)
    assert group_named(dbsession, "tavolo-tecnico") is not None


def test_unknown_or_malformed_ids_and_wrong_methods_are_404(testapp, login_as, dbsession):
    login_as("admin")
    token = csrf_of(testapp)
    for bad in ("999999", "abc", "", "-1", "+1", "1_0", " 1", "99999999999999999999"):
        query = urlencode({"id": bad})
        for path in PAGES_GET[2:]:
            testapp.get(path.replace("id={id}", query), status=404)
        for path in PAGES_POST[1:]:
            testapp.post(path.replace("id={id}", query), {"csrf_token": token}, status=404)
    testapp.get("/@@gruppo", status=404)  # no id at all
    group = group_named(dbsession, "tavolo-tecnico")
    for view in (ADD, REMOVE):
        testapp.get(f"/@@{view}?id={group.id}", status=404)  # POST only
    assert group_named(dbsession, "tavolo-tecnico") is not None
