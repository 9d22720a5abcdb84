"""Adding, editing and deleting content through the web, for the roles that may and those
that may not - and, on refusal or invalid input, nothing changes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

import pytest
import webtest
from sqlalchemy import select

from tavolo.accounts.models import User
from tavolo.content.models import Node, NodeRelation
from tavolo.content.services import ContentService
from tavolo.files.uploads import Uploads
from tests.files.makers import png_bytes, tiny_pdf

RESERVED = "/area-riservata/"


@pytest.fixture
def service(dbsession, blobs):
    return ContentService(dbsession, files=Uploads(blobs))


@pytest.fixture
def reserved(service):
    return service.by_path(RESERVED)


def user_id(dbsession, login):
    return dbsession.scalar(select(User.id).where(User.login == login))


def node_at(dbsession, path):
    dbsession.expire_all()
    return ContentService(dbsession).by_path(path)


def count_nodes(dbsession) -> int:
    dbsession.expire_all()
    return len(dbsession.scalars(select(Node.id)).all())


def fill(form, **values):
    for name, value in values.items():
        form[name] = value
    return form


def error_texts(page) -> list[str]:
    return [p.get_text(" ", strip=True) for p in page.html.select(".invalid-feedback")]


# values that make a valid add form of each type (title apart)
TYPE_VALUES = {
    "folder": {"body": "<p>Introduzione</p>"},
    "page": {"body": "<p>Testo della pagina</p>"},
    "link": {"url": "https://www.normattiva.it/"},
    "news": {"lead": "Il Consiglio si è riunito", "body": "<p>Resoconto</p>"},
    "event": {
        "start": {"date": "2026-03-10", "time": "10:00"},
        "end": {"date": "2026-03-10", "time": "12:30"},
        "location": "Prefettura della Spezia",
    },
    "legislation": {
        "act_type": "circolare",
        "number": "2649",
        "act_date": {"date": "2012-04-16"},
        "urn": (
            "urn:nir:ministero.interno;dipartimento.liberta.civili.immigrazione;"
            "direzione.centrale.politiche.immigrazione.asilo:circolare:2012-04-16;2649"
        ),
        "official_url": "https://www.interno.gov.it/",
    },
    "question": {"question": "Come si rinnova il permesso?", "answer": "<p>In Questura.</p>"},
    "file": {"upload": webtest.Upload("verbale.pdf", tiny_pdf("Verbale", []), "application/pdf")},
    "image": {"upload": webtest.Upload("logo.png", png_bytes(), "image/png")},
}


# Every datetime field renders a "date" and a "time" input, in the form's order.
DATETIME_INDEX = {"effective": 0, "expires": 1, "start": 2, "end": 3, "act_date": 2}


def set_field(form, name, value):
    if isinstance(value, dict):
        for part, text in value.items():
            form.set(part, text, index=DATETIME_INDEX[name])
        return
    form[name] = value


def add_through_form(testapp, folder, type_name, title, **values):
    page = testapp.get(f"{folder}@@add?type={type_name}", status=200)
    form = page.forms["deform"]
    form["title"] = title
    for name, value in values.items():
        set_field(form, name, value)
    return form.submit("save")


# adding ----------------------------------------------------------------------------------
def test_the_add_menu_lists_the_addable_types(testapp, login_as):
    login_as("admin")
    page = testapp.get(f"{RESERVED}@@add", status=200)
    links = [a["href"] for a in page.html.select(".tavolo-add-menu a")]
    # The ten types of folders and the Vademecum; its chapters and sections are added
    # inside a Vademecum only.
    assert len(links) == 11
    assert any(link.endswith("@@add?type=legislation") for link in links)
    assert any(link.endswith("@@add?type=vademecum") for link in links)
    assert not any("type=vademecum_" in link for link in links)
    assert "Notizia" in page.text


@pytest.mark.parametrize("type_name", sorted(TYPE_VALUES))
def test_admin_adds_each_type(testapp, login_as, dbsession, type_name):
    login_as("admin")
    response = add_through_form(
        testapp, RESERVED, type_name, f"Prova {type_name} è qui", **TYPE_VALUES[type_name]
    )
    assert response.status_int == 303, error_texts(response)
    name = f"prova-{type_name}-e-qui"
    assert response.location == f"http://localhost{RESERVED}{name}/?saved=1"
    node = node_at(dbsession, f"{RESERVED}{name}/")
    assert node.type == type_name
    assert node.title == f"Prova {type_name} è qui"
    assert node.state == "private"
    assert node.owner_id == user_id(dbsession, "admin")
    assert node.version == 1
    if type_name == "file":
        data = TYPE_VALUES["file"]["upload"].content
        assert (node.filename, node.content_type, node.size) == (
            "verbale.pdf",
            "application/pdf",
            len(data),
        )
        assert node.sha256 == hashlib.sha256(data).hexdigest()
    if type_name == "image":
        assert (node.content_type, node.width, node.height) == ("image/png", 64, 32)
    if type_name == "event":
        # Entered as Rome time (CET in March), stored in UTC.
        assert node.start == dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)
    if type_name == "legislation":
        assert node.urn.endswith(":circolare:2012-04-16;2649")
        assert node.act_date == dt.date(2012, 4, 16)


def test_names_are_unique_and_never_reserved(testapp, login_as, dbsession):
    login_as("admin")
    for _ in range(2):
        assert add_through_form(testapp, RESERVED, "page", "Verbale").status_int == 303
    assert add_through_form(testapp, RESERVED, "page", "Edit").status_int == 303
    dbsession.expire_all()
    names = set(dbsession.scalars(select(Node.name).where(Node.path.startswith(RESERVED))))
    assert {"verbale", "verbale-2", "edit-1"} <= names
    assert "edit" not in names


def test_the_editor_bar_confirms_the_save(testapp, login_as):
    login_as("admin")
    page = add_through_form(testapp, RESERVED, "page", "Confermata").follow()
    assert "Modifiche salvate" in page.text
    bar = page.html.select_one("nav.tavolo-editor-bar")
    links = [a.get_text(strip=True) for a in bar.select("a")]
    assert links == [
        "Modifica",
        "Versioni",
        "Storia",
        "Rinomina",
        "Sposta",
        "Elimina",
        "Condivisione",
    ]


def test_prefecture_staff_add_in_the_reserved_area(testapp, login_as, dbsession):
    login_as("prefettura")
    response = add_through_form(testapp, RESERVED, "page", "Nota della Prefettura")
    assert response.status_int == 303
    assert node_at(dbsession, f"{RESERVED}nota-della-prefettura/") is not None


def test_a_partner_may_not_add_in_the_reserved_area(testapp, login_as, dbsession):
    before = count_nodes(dbsession)
    login_as("comune")
    page = testapp.get(RESERVED, status=200)
    assert page.html.select_one("nav.tavolo-editor-bar") is None
    testapp.get(f"{RESERVED}@@add", status=403)
    testapp.get(f"{RESERVED}@@add?type=page", status=403)
    token = page.forms["language-form"]["csrf_token"].value
    testapp.post(
        f"{RESERVED}@@add?type=page",
        {"csrf_token": token, "title": "Intruso", "save": "1"},
        status=403,
    )
    assert count_nodes(dbsession) == before


def test_anonymous_visitors_are_sent_to_login(testapp, dbsession):
    before = count_nodes(dbsession)
    for view in ("@@add", "@@add?type=page", "@@edit", "@@delete"):
        response = testapp.get(f"/{view}", status=303)
        assert "/login?came_from=" in response.location
    token = testapp.get("/login").forms["login-form"]["csrf_token"].value
    response = testapp.post(
        "/@@add?type=page", {"csrf_token": token, "title": "Anonimo", "save": "1"}, status=303
    )
    assert "/login?came_from=" in response.location
    testapp.post("/@@add?type=page", {"title": "Senza token"}, status=(303, 400))
    assert count_nodes(dbsession) == before


def test_types_not_addable_here_are_refused(testapp, login_as, service, reserved):
    page = service.create(reserved, "page", "una-pagina", "Una pagina")
    login_as("admin")
    testapp.get(f"{RESERVED}@@add?type=unknown", status=404)
    testapp.get(f"{RESERVED}una-pagina/@@add", status=404)
    testapp.get(f"{RESERVED}una-pagina/@@add?type=page", status=404)
    assert page.id


def test_a_file_is_addable_inside_legislation(testapp, login_as, service, reserved):
    service.create(reserved, "legislation", "circolare", "Circolare", act_type="circolare")
    login_as("admin")
    page = testapp.get(f"{RESERVED}circolare/@@add", status=200)
    assert [a.get_text(strip=True) for a in page.html.select(".tavolo-add-menu a")] == ["File"]


# validation ------------------------------------------------------------------------------
def test_validation_errors_are_italian_and_nothing_is_saved(testapp, login_as, dbsession):
    before = count_nodes(dbsession)
    login_as("admin")
    page = add_through_form(testapp, RESERVED, "page", "", body="<p>testo</p>")
    assert page.status_int == 200
    assert "C'è stato un problema con l'invio dei dati" in page.text
    assert error_texts(page) == ["Richiesto"]
    # The text typed so far is shown again.
    assert "testo" in page.html.select_one("textarea[name=body]").text
    assert count_nodes(dbsession) == before


@pytest.mark.parametrize(
    ("type_name", "values", "message"),
    [
        ("link", {"url": "javascript:alert(1)"}, "Indirizzo non valido"),
        ("link", {"url": "ftp://example.it/"}, "Indirizzo non valido"),
        ("legislation", {"act_type": "circolare", "urn": "urn:nir:Stato:legge"}, "URN:NIR"),
        (
            "event",
            {
                "start": {"date": "2026-03-10", "time": "10:00"},
                "end": {"date": "2026-03-09", "time": "10:00"},
            },
            "La fine deve seguire l'inizio.",
        ),
        ("event", {"contact_email": "non-una-email"}, "Indirizzo di posta elettronica non valido"),
    ],
)
def test_invalid_values_are_refused(testapp, login_as, dbsession, type_name, values, message):
    before = count_nodes(dbsession)
    login_as("admin")
    page = add_through_form(testapp, RESERVED, type_name, "Non valido", **values)
    assert page.status_int == 200
    assert any(message in text for text in error_texts(page)), error_texts(page)
    assert count_nodes(dbsession) == before


def test_expiry_must_follow_the_effective_date(testapp, login_as, dbsession):
    login_as("admin")
    page = testapp.get(f"{RESERVED}@@add?type=page")
    form = page.forms["deform"]
    form["title"] = "Date invertite"
    form.set("date", "2026-05-01", index=0)
    form.set("time", "10:00", index=0)
    form.set("date", "2026-04-01", index=1)
    form.set("time", "10:00", index=1)
    page = form.submit("save", status=200)
    assert "La data di scadenza deve seguire quella di pubblicazione." in error_texts(page)
    assert node_at(dbsession, f"{RESERVED}date-invertite/") is None


def test_errors_are_english_when_english_is_chosen(testapp, login_as):
    login_as("admin")
    testapp.set_cookie("tavolo_lang", "en")
    page = add_through_form(testapp, RESERVED, "page", "")
    assert "There was a problem with your submission" in page.text
    assert error_texts(page) == ["Required"]
    assert page.html.select_one("label[for]").get_text(strip=True) == "Title"


def test_an_upload_over_the_limit_is_refused(wsgi_app, testapp, login_as, dbsession):
    registry = wsgi_app.registry
    store, limits = registry["tavolo.upload_store"], registry["tavolo.upload_limits"]
    saved = store.max_bytes
    store.max_bytes = 1024
    registry["tavolo.upload_limits"] = dataclasses.replace(limits, max_bytes=1024)
    try:
        login_as("admin")
        upload = webtest.Upload("grande.pdf", tiny_pdf("Grande", ["x" * 80] * 20))
        page = add_through_form(testapp, RESERVED, "file", "Troppo grande", upload=upload)
        assert page.status_int == 200
        assert any("supera la dimensione massima" in text for text in error_texts(page))
    finally:
        store.max_bytes = saved
        registry["tavolo.upload_limits"] = limits
    assert node_at(dbsession, f"{RESERVED}troppo-grande/") is None


# rich text -------------------------------------------------------------------------------
def test_rich_text_is_sanitised_on_save(testapp, login_as, dbsession):
    login_as("admin")
    body = (
        '<h2 style="color:red">Titolo</h2><p onclick="steal()">Testo</p>'
        '<script>alert(1)</script><a href="javascript:alert(2)">x</a>'
    )
    add_through_form(testapp, RESERVED, "page", "Pulita", body=body)
    stored = node_at(dbsession, f"{RESERVED}pulita/").body
    assert "<script" not in stored and "onclick" not in stored and "javascript:" not in stored
    assert "style=" not in stored
    assert "<h2>Titolo</h2>" in stored and "Testo</p>" in stored


def test_the_answer_of_a_question_is_sanitised(testapp, login_as, dbsession):
    login_as("admin")
    add_through_form(
        testapp,
        RESERVED,
        "question",
        "Domanda",
        answer='<p onmouseover="x()">Sì</p><script>1</script>',
    )
    assert node_at(dbsession, f"{RESERVED}domanda/").answer == "<p>Sì</p>"


# editing ---------------------------------------------------------------------------------
def make_items(service, reserved, owner_id=None) -> dict[str, Node]:
    start = dt.datetime(2026, 6, 1, 8, 0, tzinfo=dt.UTC)
    specs = {
        "folder": {},
        "page": {"body": "<p>Vecchio</p>"},
        "link": {"url": "https://example.it/"},
        "news": {"lead": "Vecchio"},
        "event": {"start": start, "end": start + dt.timedelta(hours=2)},
        "legislation": {"act_type": "legge"},
        "question": {"question": "Vecchia?"},
        "file": {"upload": {"filename": "a.txt", "data": b"a"}},
        "image": {"upload": {"filename": "a.png", "data": png_bytes(4, 2)}},
    }
    return {
        type_name: service.create(
            reserved, type_name, f"vecchio-{type_name}", "Vecchio", owner_id=owner_id, **fields
        )
        for type_name, fields in specs.items()
    }


@pytest.mark.parametrize(
    "type_name", ["folder", "page", "link", "news", "event", "legislation", "question", "file"]
)
def test_admin_edits_each_type(testapp, login_as, dbsession, service, reserved, type_name):
    item = make_items(service, reserved)[type_name]
    path = item.path
    login_as("admin")
    page = testapp.get(f"{path}@@edit", status=200)
    form = page.forms["deform"]
    assert form["title"].value == "Vecchio"
    form["title"] = "Nuovo titolo"
    form["tags"] = "lavoro, minori, lavoro"
    response = form.submit("save", status=303)
    assert response.location == f"http://localhost{path}?saved=1"
    node = node_at(dbsession, path)
    assert node.title == "Nuovo titolo"
    assert node.tags == ["lavoro", "minori"]
    assert node.version == 2
    assert node.modified > node.created
    if type_name == "event":
        # The stored times survived the round trip through the form.
        assert node.start == dt.datetime(2026, 6, 1, 8, 0, tzinfo=dt.UTC)
    if type_name == "file":
        # No new upload: the file stays.
        assert (node.filename, node.sha256) == ("a.txt", hashlib.sha256(b"a").hexdigest())


def test_a_new_upload_replaces_the_file(testapp, login_as, dbsession, service, reserved, blobs):
    item = make_items(service, reserved)["file"]
    login_as("admin")
    form = testapp.get(f"{item.path}@@edit").forms["deform"]
    form["upload"] = webtest.Upload("nuovo.txt", b"nuovo", "text/plain")
    form.submit("save", status=303)
    node = node_at(dbsession, item.path)
    assert (node.filename, node.size, node.content_type) == ("nuovo.txt", 5, "text/plain")
    with blobs.open(node.sha256) as stream:
        assert stream.read() == b"nuovo"


def test_a_stale_save_is_refused(testapp, login_as, dbsession, service, reserved):
    item = make_items(service, reserved)["page"]
    login_as("admin")
    form = testapp.get(f"{item.path}@@edit").forms["deform"]
    service.update(item, None, title="Cambiato da un altro")
    dbsession.flush()
    form["title"] = "Il mio titolo"
    page = form.submit("save", status=409)
    assert "Qualcun altro ha modificato questo contenuto" in page.text
    assert node_at(dbsession, item.path).title == "Cambiato da un altro"


def test_an_owner_edits_their_own_item(testapp, login_as, dbsession, service, reserved):
    item = service.create(
        reserved, "page", "mia", "Mia", owner_id=user_id(dbsession, "comune"), state="private"
    )
    login_as("comune")
    form = testapp.get(f"{item.path}@@edit", status=200).forms["deform"]
    form["title"] = "Mia, corretta"
    form.submit("save", status=303)
    assert node_at(dbsession, item.path).title == "Mia, corretta"


def test_a_partner_may_not_edit_what_is_not_theirs(testapp, login_as, dbsession, service, reserved):
    item = service.create(reserved, "page", "altrui", "Altrui", state="internal")
    login_as("comune")
    page = testapp.get(item.path, status=200)
    assert page.html.select_one("nav.tavolo-editor-bar") is None
    testapp.get(f"{item.path}@@edit", status=403)
    token = page.forms["language-form"]["csrf_token"].value
    testapp.post(
        f"{item.path}@@edit", {"csrf_token": token, "title": "Cambiato", "save": "1"}, status=403
    )
    node = node_at(dbsession, item.path)
    assert (node.title, node.version) == ("Altrui", 1)


def test_prefecture_staff_edit_in_the_reserved_area(
    testapp, login_as, dbsession, service, reserved
):
    item = service.create(reserved, "page", "della-prefettura", "Della prefettura")
    login_as("prefettura")
    form = testapp.get(f"{item.path}@@edit", status=200).forms["deform"]
    form["title"] = "Riveduta"
    form.submit("save", status=303)
    assert node_at(dbsession, item.path).title == "Riveduta"


def test_cancel_changes_nothing(testapp, login_as, dbsession, service, reserved):
    item = service.create(reserved, "page", "intatta", "Intatta")
    login_as("admin")
    form = testapp.get(f"{item.path}@@edit").forms["deform"]
    form["title"] = "Cambiata"
    response = form.submit("cancel", status=303)
    assert response.location == f"http://localhost{item.path}"
    assert node_at(dbsession, item.path).version == 1


# deleting --------------------------------------------------------------------------------
def test_delete_asks_first_listing_contents_and_links(
    testapp, login_as, dbsession, service, reserved
):
    folder = service.create(reserved, "folder", "da-eliminare", "Da eliminare")
    service.create(folder, "page", "dentro", "Pagina dentro")
    linking = service.create(reserved, "page", "rimanda", "Pagina che rimanda")
    dbsession.add(NodeRelation(source_id=linking.id, target_id=folder.id))
    dbsession.flush()
    login_as("admin")
    page = testapp.get(f"{folder.path}@@delete", status=200)
    assert "Pagina dentro" in page.html.select_one(".tavolo-delete-contents").text
    assert "Pagina che rimanda" in page.html.select_one(".tavolo-delete-links").text
    assert node_at(dbsession, folder.path) is not None  # GET changes nothing

    response = page.forms["delete-form"].submit("delete", status=303)
    assert response.location == f"http://localhost{RESERVED}?deleted=1"
    assert node_at(dbsession, folder.path) is None
    testapp.get(folder.path, status=404)
    testapp.get(f"{folder.path}dentro/", status=404)
    assert "Elemento spostato nel cestino" in response.follow().text


def test_prefecture_staff_delete_in_the_reserved_area(
    testapp, login_as, dbsession, service, reserved
):
    item = service.create(reserved, "page", "via", "Via")
    login_as("prefettura")
    testapp.get(f"{item.path}@@delete").forms["delete-form"].submit("delete", status=303)
    assert node_at(dbsession, item.path) is None


def test_a_partner_may_not_delete(testapp, login_as, dbsession, service, reserved):
    item = service.create(reserved, "page", "resta", "Resta", state="internal")
    login_as("comune")
    testapp.get(f"{item.path}@@delete", status=403)
    token = testapp.get(item.path).forms["language-form"]["csrf_token"].value
    testapp.post(f"{item.path}@@delete", {"csrf_token": token}, status=403)
    assert node_at(dbsession, item.path) is not None


def test_an_owner_deletes_their_own_item(testapp, login_as, dbsession, service, reserved):
    item = service.create(reserved, "page", "mia", "Mia", owner_id=user_id(dbsession, "comune"))
    login_as("comune")
    testapp.get(f"{item.path}@@delete").forms["delete-form"].submit("delete", status=303)
    assert node_at(dbsession, item.path) is None


def test_the_site_root_cannot_be_deleted(testapp, login_as):
    login_as("admin")
    testapp.get("/@@delete", status=404)


def test_the_xss_corpus_comes_back_harmless_through_the_form(
    testapp, login_as, dbsession, service, reserved
):
    from .test_richtext import PAYLOADS, assert_harmless

    item = service.create(reserved, "page", "xss", "XSS")
    login_as("admin")
    token = testapp.get(f"{item.path}@@edit").forms["deform"]["csrf_token"].value
    # Ten payloads a save (each one alone is checked against the sanitiser itself in
    # test_richtext): every one of them goes through the real form and the database.
    assert len(PAYLOADS) >= 100
    for start in range(0, len(PAYLOADS), 10):
        body = "\n".join(PAYLOADS[start : start + 10])
        testapp.post(
            f"{item.path}@@edit",
            {"csrf_token": token, "title": "XSS", "body": body, "save": "save"},
            status=303,
        )
        assert_harmless(node_at(dbsession, item.path).body)


def _organisation_options(page) -> dict[str, str]:
    select_ = page.html.find("select", attrs={"name": "responsible_organisation_id"})
    return {option.text.strip(): option["value"] for option in select_.find_all("option")}


def test_a_retired_organisation_is_offered_only_where_it_is_already_named(
    testapp, login_as, dbsession
):
    from tavolo.accounts.models import Organisation
    from tavolo.db import utcnow
    from tavolo.scripts.demo import COMUNE

    comune = dbsession.scalars(select(Organisation).where(Organisation.name == COMUNE)).one()
    page = ContentService(dbsession).create(
        node_at(dbsession, RESERVED),
        "page",
        "scheda",
        "Scheda",
        responsible_organisation_id=comune.id,
    )
    comune.retired = utcnow()
    dbsession.flush()
    login_as("admin")

    add_form = testapp.get(f"{RESERVED}@@add?type=page", status=200)
    assert COMUNE not in _organisation_options(add_form)
    form = add_form.forms["deform"]
    form["title"] = "Nuova"
    form["responsible_organisation_id"].force_value(str(comune.id))
    refused = form.submit("save")
    assert refused.status_int != 303  # the form again, with the error
    assert refused.html.select_one(".item-responsible_organisation_id .invalid-feedback")

    edit_form = testapp.get(f"{RESERVED}scheda/@@edit", status=200)
    assert _organisation_options(edit_form)[COMUNE] == str(comune.id)
    saved = edit_form.forms["deform"]
    assert saved.submit("save").status_int == 303  # keeping it needs no change
    dbsession.expire_all()
    assert page.responsible_organisation_id == comune.id
