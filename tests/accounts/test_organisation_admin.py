"""Organisations administration for Managers: list, create, edit with a logo, retire,
restore, delete only what nothing refers to (WebTest through the real application).

The members pages are in ``test_organisation_members``."""

from __future__ import annotations

import pytest
import webtest
from sqlalchemy import func, select

from tavolo.accounts.models import Organisation, OrganisationKind, User
from tavolo.content.trash import TrashService
from tavolo.scripts.demo import COMUNE
from tavolo.security.roles import READER
from tests.accounts.test_password_links import audit, user_named
from tests.accounts.test_user_admin import csrf_of, error_of
from tests.conftest import client_for
from tests.files.conftest import stored_files
from tests.files.makers import jpeg_bytes, png_bytes, tiny_pdf
from tests.security.test_local_roles import RESERVED, grant, listing_titles, make, switch_user

NEW_NAME = "Associazione Porto Aperto"
PAGES_GET = [
    "/@@organizzazioni",
    "/@@nuova-organizzazione",
    "/@@organizzazione?id={id}",
    "/@@ritira-organizzazione?id={id}",
    "/@@elimina-organizzazione?id={id}",
    "/@@membri-organizzazione?id={id}",
    "/@@rimuovi-membro-organizzazione?id={id}&utente={user}",
]
PAGES_POST = [
    "/@@nuova-organizzazione",
    "/@@organizzazione?id={id}",
    "/@@ritira-organizzazione?id={id}",
    "/@@riammetti-organizzazione?id={id}",
    "/@@elimina-organizzazione?id={id}",
    "/@@aggiungi-membro-organizzazione?id={id}",
    "/@@modifica-membro-organizzazione?id={id}&utente={user}",
    "/@@rimuovi-membro-organizzazione?id={id}&utente={user}",
]


def organisation_named(dbsession, name) -> Organisation | None:
    dbsession.expire_all()
    return dbsession.scalars(select(Organisation).where(Organisation.name == name)).first()


def organisation_count(dbsession) -> int:
    dbsession.expire_all()
    return dbsession.scalar(select(func.count(Organisation.id)))


def new_organisation(app, status=303, logo=None, **fields):
    form = app.get("/@@nuova-organizzazione", status=200).forms["organisation-form"]
    values = {
        "name": NEW_NAME,
        "kind": OrganisationKind.PRIVATE_PARTNER.value,
        "pec": "porto.aperto@pec.example.it",
        "email": "info@portoaperto.example.it",
        "website": "https://www.portoaperto.example.it",
        "address": "Via del Molo 1\n19121 La Spezia",
    }
    values.update(fields)
    for name, value in values.items():
        form[name] = value
    if logo is not None:
        form["upload"] = logo
    return form.submit("save", status=status)


def edit_form(app, organisation):
    return app.get(f"/@@organizzazione?id={organisation.id}", status=200).forms["organisation-form"]


@pytest.fixture
def comune_reads_folder(dbsession):
    """A private folder that the whole Comune della Spezia may read, and nobody else."""
    folder = make(dbsession, RESERVED, "del-comune", "Cartella del Comune", "private")
    grant(dbsession, folder, role=READER, organisation_id=organisation_named(dbsession, COMUNE).id)
    return folder


# creating and editing ---------------------------------------------------------------------
def test_admin_creates_an_organisation_with_a_logo(testapp, dbsession, login_as):
    login_as("admin")
    listing = testapp.get("/@@organizzazioni", status=200)
    assert listing.html.find(id="new-organisation-link")["href"].endswith("/@@nuova-organizzazione")
    logo = webtest.Upload("logo.png", png_bytes(80, 40), "text/html")  # the bytes decide
    page = new_organisation(testapp, lead_partner=True, logo=logo).follow(status=200)
    assert "è stata creata" in page.html.find(id="organisation-notice").text

    organisation = organisation_named(dbsession, NEW_NAME)
    assert organisation.kind == OrganisationKind.PRIVATE_PARTNER and organisation.lead_partner
    assert organisation.pec == "porto.aperto@pec.example.it"
    assert organisation.website == "https://www.portoaperto.example.it"
    assert organisation.address == "Via del Molo 1\n19121 La Spezia"
    assert organisation.logo_content_type == "image/png" and organisation.retired is None
    (entry,) = audit(dbsession, "organisation_created")
    assert (entry.actor_login, entry.object_path) == ("admin", NEW_NAME)
    assert entry.data["kind"] == "private_partner" and entry.data["lead_partner"] is True
    assert entry.data["logo"] == organisation.logo_sha256

    image = page.html.select_one("#organisation-logo img")
    assert image["alt"] == f"Logo di {NEW_NAME}"
    response = testapp.get(image["src"], status=200)
    assert response.content_type == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "sandbox"
    assert response.headers["Content-Disposition"].startswith("inline")
    assert response.body == png_bytes(80, 40)
    # Logos are public: a visitor's browser gets it too.
    assert client_for(testapp.app).get(image["src"], status=200).content_type == "image/png"

    rows = testapp.get("/@@organizzazioni", {"cerca": "porto"}).html.select(
        "#organisations-table tbody tr"
    )
    assert [row["data-name"] for row in rows] == [NEW_NAME]


def test_validation_errors_are_next_to_the_fields_and_nothing_is_stored(
    testapp, dbsession, login_as, blobs
):
    login_as("admin")
    before, files = organisation_count(dbsession), stored_files(blobs)
    page = new_organisation(
        testapp,
        status=400,
        name="  comune DELLA   spezia ",
        website="javascript:alert(1)",
        email="non-una-mail",
        pec="pec@",
        logo=webtest.Upload("logo.pdf", tiny_pdf("Logo", ["no"]), "image/png"),
    )
    assert "Esiste già un'organizzazione con questo nome" in error_of(page, "name")
    assert "Indirizzo non valido" in error_of(page, "website")
    assert "Indica un indirizzo e-mail valido" in error_of(page, "email")
    assert "Indica un indirizzo e-mail valido" in error_of(page, "pec")
    assert "PNG o JPEG" in error_of(page, "logo")
    page = new_organisation(testapp, status=400, name="  ", website="ftp://example.it/")
    assert error_of(page, "name") and "Indirizzo non valido" in error_of(page, "website")
    assert organisation_count(dbsession) == before
    assert stored_files(blobs) == files
    assert audit(dbsession, "organisation_created") == []


def test_editing_records_before_and_after_and_the_logo_can_be_replaced_and_removed(
    testapp, dbsession, login_as
):
    login_as("admin")
    new_organisation(testapp, logo=webtest.Upload("logo.png", png_bytes(), "image/png"))
    organisation = organisation_named(dbsession, NEW_NAME)
    first_logo = organisation.logo_sha256

    form = edit_form(testapp, organisation)
    form["name"] = "Associazione Porto Aperto APS"
    form["kind"] = OrganisationKind.PUBLIC_PARTNER.value
    form["website"] = "http://portoaperto.example.it/"
    form["upload"] = webtest.Upload("nuovo.jpg", jpeg_bytes(40, 40), "image/jpeg")
    page = form.submit("save", status=303).follow(status=200)
    assert "salvate" in page.html.find(id="organisation-notice").text
    dbsession.expire_all()
    assert organisation.name == "Associazione Porto Aperto APS"
    assert organisation.logo_content_type == "image/jpeg"
    (entry,) = audit(dbsession, "organisation_modified")
    assert entry.data == {
        "name": [NEW_NAME, "Associazione Porto Aperto APS"],
        "kind": ["private_partner", "public_partner"],
        "website": ["https://www.portoaperto.example.it", "http://portoaperto.example.it/"],
        "logo": [first_logo, organisation.logo_sha256],
    }
    logo = page.html.select_one("#organisation-logo img")["src"]
    assert testapp.get(logo, status=200).content_type == "image/jpeg"

    # Saving without a change records nothing; a bad edit changes nothing.
    edit_form(testapp, organisation).submit("save", status=303)
    assert len(audit(dbsession, "organisation_modified")) == 1
    form = edit_form(testapp, organisation)
    form["name"] = COMUNE.upper()
    form["website"] = "javascript:alert(1)"
    form.submit("save", status=400)
    assert organisation_named(dbsession, "Associazione Porto Aperto APS") is not None

    form = edit_form(testapp, organisation)
    form["remove_logo"] = True
    page = form.submit("save", status=303).follow(status=200)
    assert page.html.select_one("#organisation-logo") is None
    assert "remove_logo" not in page.forms["organisation-form"].fields
    dbsession.expire_all()
    assert organisation.logo_sha256 is None and organisation.logo_content_type is None
    assert audit(dbsession, "organisation_modified")[-1].data == {
        "logo": [entry.data["logo"][1], None]
    }
    testapp.get(f"/@@logo-organizzazione?id={organisation.id}", status=404)


# the list ---------------------------------------------------------------------------------
def test_the_list_filters_and_counts_members(testapp, dbsession, login_as):
    login_as("admin")
    page = testapp.get("/@@organizzazioni", {"cerca": "spezia", "tipo": "public_partner"})
    rows = {
        row["data-name"]: row.select_one(".organisation-members").text
        for row in page.html.select("#organisations-table tbody tr")
    }
    assert rows == {COMUNE: "2", "Ufficio Scolastico Provinciale della Spezia": "0"}
    page = testapp.get("/@@organizzazioni", {"tipo": "prefecture"})
    assert [r["data-name"] for r in page.html.select("#organisations-table tbody tr")] == [
        "Prefettura della Spezia"
    ]
    assert "Nessuna organizzazione" in testapp.get("/@@organizzazioni", {"stato": "ritirate"})
    assert "Nessuna organizzazione" in testapp.get("/@@organizzazioni", {"cerca": "100%_"})
    # Unknown filters are ignored; an impossible page is clamped to the last one.
    page = testapp.get("/@@organizzazioni", {"tipo": "x", "stato": "y", "page": "99"})
    assert page.html.select("#organisations-table tbody tr")


def test_the_list_pages_by_25(testapp, dbsession, login_as):
    for number in range(30):
        dbsession.add(Organisation(name=f"Zeta {number:02}", kind=OrganisationKind.PUBLIC_PARTNER))
    dbsession.flush()
    login_as("admin")
    page = testapp.get("/@@organizzazioni", {"cerca": "zeta"})
    assert len(page.html.select("#organisations-table tbody tr")) == 25
    assert "30 in tutto" in page.html.select_one("#organisations-table caption").text
    page = testapp.get("/@@organizzazioni", {"cerca": "zeta", "page": "2"})
    names = [r["data-name"] for r in page.html.select("#organisations-table tbody tr")]
    assert names == [f"Zeta {n}" for n in range(25, 30)]


# retiring and restoring -------------------------------------------------------------------
def test_retiring_takes_the_organisation_out_of_the_network_and_restoring_brings_it_back(
    testapp, dbsession, login_as, comune_reads_folder
):
    comune_org = organisation_named(dbsession, COMUNE)
    folder = comune_reads_folder.path
    login_as("comune")
    testapp.get(folder, status=200)

    switch_user(testapp, login_as, "admin")
    page = testapp.get(f"/@@organizzazione?id={comune_org.id}")
    confirm = testapp.get(page.html.find(id="retire-organisation-link")["href"], status=200)
    assert "conservano il proprio account" in confirm.html.find(id="retire-consequences").text
    assert organisation_named(dbsession, COMUNE).retired is None  # GET only asks
    page = confirm.forms["retire-organisation-form"].submit(status=303).follow(status=200)
    assert page.html.find(id="organisation-retired")
    assert organisation_named(dbsession, COMUNE).retired is not None
    (entry,) = audit(dbsession, "organisation_retired")
    assert (entry.actor_login, entry.object_path) == ("admin", COMUNE)
    # Retiring again changes nothing and records nothing.
    testapp.post(f"/@@ritira-organizzazione?id={comune_org.id}", {"csrf_token": csrf_of(testapp)})
    assert len(audit(dbsession, "organisation_retired")) == 1

    # Offered nowhere: not for new users, not for sharing.
    new_user = testapp.get("/@@nuovo-utente").forms["new-user-form"]
    assert str(comune_org.id) not in [value for value, *_ in new_user["organisation"].options]
    sharing = testapp.get(f"{folder}@@condivisione", {"cerca": "comune della"})
    labels = [
        label.get_text(" ", strip=True) for label in sharing.html.select("#sharing-grant label")
    ]
    assert not any(label.startswith(COMUNE) for label in labels)
    listing = testapp.get("/@@organizzazioni", {"stato": "ritirate"})
    assert [r["data-name"] for r in listing.html.select("#organisations-table tbody tr")] == [
        COMUNE
    ]

    # The grant to the whole organisation reaches no one any more; members keep their accounts.
    switch_user(testapp, login_as, "comune")
    testapp.get(folder, status=403)
    assert "Cartella del Comune" not in listing_titles(testapp.get(RESERVED))

    switch_user(testapp, login_as, "admin")
    page = testapp.get(f"/@@organizzazione?id={comune_org.id}")
    page.forms["restore-organisation-form"].submit(status=303)
    assert organisation_named(dbsession, COMUNE).retired is None
    (entry,) = audit(dbsession, "organisation_restored")
    assert entry.object_id == comune_org.id
    new_user = testapp.get("/@@nuovo-utente").forms["new-user-form"]
    assert str(comune_org.id) in [value for value, *_ in new_user["organisation"].options]
    switch_user(testapp, login_as, "comune")
    testapp.get(folder, status=200)


def test_a_retired_organisation_is_refused_as_a_new_users_organisation(
    testapp, dbsession, login_as
):
    comune_org = organisation_named(dbsession, COMUNE)
    login_as("admin")
    form = testapp.get("/@@nuovo-utente").forms["new-user-form"]
    testapp.post(
        f"/@@ritira-organizzazione?id={comune_org.id}", {"csrf_token": csrf_of(testapp)}, status=303
    )
    form["login"], form["fullname"] = "nuovo.utente", "Nuovo Utente"
    form["email"], form["organisation"] = "nuovo@example.it", str(comune_org.id)
    form.submit("save", status=400)  # the form was shown before the retiring
    assert dbsession.scalars(select(User).where(User.login == "nuovo.utente")).first() is None


# deleting ---------------------------------------------------------------------------------
def test_an_organisation_nothing_refers_to_is_deleted(testapp, dbsession, login_as):
    login_as("admin")
    new_organisation(testapp, logo=webtest.Upload("logo.png", png_bytes(), "image/png"))
    organisation = organisation_named(dbsession, NEW_NAME)
    organisation_id = organisation.id
    page = testapp.get(f"/@@organizzazione?id={organisation_id}")
    confirm = testapp.get(page.html.find(id="delete-organisation-link")["href"], status=200)
    assert confirm.html.find(id="organisation-referrers") is None
    page = confirm.forms["delete-organisation-form"].submit(status=303).follow(status=200)
    assert "è stata eliminata" in page.html.find(id="organisation-notice").text
    assert organisation_named(dbsession, NEW_NAME) is None
    (entry,) = audit(dbsession, "organisation_deleted")
    assert (entry.object_id, entry.object_path) == (organisation_id, NEW_NAME)
    assert entry.data == {"name": NEW_NAME, "kind": "private_partner"}
    testapp.get(f"/@@organizzazione?id={organisation_id}", status=404)
    testapp.get(f"/@@logo-organizzazione?id={organisation_id}", status=404)


def _refused(testapp, dbsession, organisation, referrer):
    page = testapp.get(f"/@@elimina-organizzazione?id={organisation.id}", status=200)
    assert "delete-organisation-form" not in page.forms
    assert page.html.select_one(f'#organisation-referrers [data-referrer="{referrer}"]')
    assert page.html.find(id="retire-instead-link")
    page = testapp.post(
        f"/@@elimina-organizzazione?id={organisation.id}",
        {"csrf_token": csrf_of(testapp)},
        status=409,
    )
    assert page.html.select_one(f'#organisation-referrers [data-referrer="{referrer}"]')
    assert organisation_named(dbsession, organisation.name) is not None
    assert audit(dbsession, "organisation_deleted") == []


def test_deleting_is_refused_while_a_node_even_a_trashed_one_refers_to_it(
    testapp, dbsession, login_as
):
    login_as("admin")
    new_organisation(testapp)
    organisation = organisation_named(dbsession, NEW_NAME)
    node = make(dbsession, RESERVED, "responsabile", "Scheda", "private")
    node.responsible_organisation_id = organisation.id
    TrashService(dbsession).trash(node)
    _refused(testapp, dbsession, organisation, "nodes")
    page = testapp.get(f"/@@elimina-organizzazione?id={organisation.id}")
    assert "nel cestino" in page.html.find(id="organisation-referrers").text


@pytest.mark.parametrize(
    ("name", "referrer"), [(COMUNE, "members"), ("CGIL", "groups")], ids=["members", "group"]
)
def test_deleting_is_refused_while_members_or_groups_refer_to_it(
    testapp, dbsession, login_as, name, referrer
):
    login_as("admin")
    _refused(testapp, dbsession, organisation_named(dbsession, name), referrer)


def test_deleting_is_refused_while_a_role_is_granted_to_it(
    testapp, dbsession, login_as, comune_reads_folder
):
    login_as("admin")
    new_organisation(testapp)
    organisation = organisation_named(dbsession, NEW_NAME)
    grant(dbsession, comune_reads_folder, role=READER, organisation_id=organisation.id)
    _refused(testapp, dbsession, organisation, "local_roles")


# who may, where, how ----------------------------------------------------------------------
def _targets(dbsession) -> dict:
    return {
        "id": organisation_named(dbsession, COMUNE).id,
        "user": user_named(dbsession, "comune.firma").id,
    }


@pytest.mark.parametrize("who", ["comune", "prefettura"])
def test_everyone_but_managers_gets_403(testapp, dbsession, login_as, who):
    targets = _targets(dbsession)
    login_as(who)
    token = csrf_of(testapp)
    for path in PAGES_GET:
        testapp.get(path.format(**targets), status=403)
    for path in PAGES_POST:
        params = {"csrf_token": token, "user_id": targets["user"], "name": "X", "kind": "x"}
        testapp.post(path.format(**targets), params, status=403)
    comune = organisation_named(dbsession, COMUNE)
    assert comune.retired is None and len(comune.memberships) == 2


def test_anonymous_visitors_are_sent_to_login(testapp, dbsession):
    targets = _targets(dbsession)
    for path in PAGES_GET:
        response = testapp.get(path.format(**targets), status=303)
        assert response.location.startswith("http://localhost/login?came_from=")


def test_posts_without_the_csrf_token_are_refused(testapp, dbsession, login_as):
    targets = _targets(dbsession)
    login_as("admin")
    for path in PAGES_POST:
        testapp.post(path.format(**targets), {"user_id": targets["user"]}, status=400)
    comune = organisation_named(dbsession, COMUNE)
    assert comune.retired is None and len(comune.memberships) == 2
    assert organisation_named(dbsession, "X") is None


def test_pages_live_on_the_site_root_only(testapp, dbsession, login_as):
    targets = _targets(dbsession)
    login_as("admin")
    token = csrf_of(testapp)
    for path in PAGES_GET:
        testapp.get("/area-riservata" + path.format(**targets), status=404)
    for path in PAGES_POST:
        testapp.post("/area-riservata" + path.format(**targets), {"csrf_token": token}, status=404)
    testapp.get(f"/area-riservata/@@logo-organizzazione?id={targets['id']}", status=404)


@pytest.mark.parametrize("bad", ["", "abc", "999999", "-1", "1.5"])
def test_unknown_or_malformed_ids_are_404(testapp, login_as, bad):
    login_as("admin")
    token = csrf_of(testapp)
    for path in PAGES_GET[2:]:
        testapp.get(path.format(id=bad, user=bad), status=404)
    for path in PAGES_POST[1:]:
        testapp.post(path.format(id=bad, user=bad), {"csrf_token": token}, status=404)
    testapp.get(f"/@@logo-organizzazione?id={bad}", status=404)


def test_each_view_answers_only_its_own_method(testapp, dbsession, login_as):
    targets = _targets(dbsession)
    login_as("admin")
    token = csrf_of(testapp)
    for path in (
        "/@@riammetti-organizzazione?id={id}",
        "/@@aggiungi-membro-organizzazione?id={id}",
        "/@@modifica-membro-organizzazione?id={id}&utente={user}",
    ):
        testapp.get(path.format(**targets), status=404)
    for path in ("/@@organizzazioni", "/@@membri-organizzazione?id={id}"):
        testapp.post(path.format(**targets), {"csrf_token": token}, status=404)


def test_a_comune_logo_is_404_when_it_has_none(testapp, dbsession):
    organisation = organisation_named(dbsession, COMUNE)
    testapp.get(f"/@@logo-organizzazione?id={organisation.id}", status=404)


def test_the_user_page_links_to_the_organisation_members(testapp, dbsession, login_as):
    login_as("admin")
    comune = user_named(dbsession, "comune")
    page = testapp.get(f"/@@utente?id={comune.id}")
    link = page.html.select_one("#user-memberships a")
    assert link.text == COMUNE
    members = testapp.get(link["href"], status=200)
    assert "Marco Rossi" in members.html.find(id="members-table").text
