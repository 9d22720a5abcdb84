"""Rename and move through forms: the old URL keeps working (301), a move never goes into
the item itself, and each role gets exactly what its permissions allow. Every type can be
renamed, moved, copied and deleted through the web."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tavolo.content.models import Node
from tavolo.content.organising import DESTINATIONS_PER_PAGE
from tavolo.content.registry import TYPES
from tavolo.content.services import ContentService
from tests.content.helpers import at, make, make_file, user_id

NEWS = "/notizie/al-via-il-vademecum/"
DOCUMENTS = "/area-riservata/documenti/"


@pytest.fixture
def tree(dbsession):
    """/sposta/ (a folder with a sub-folder holding a page) and /arrivo/ to move into."""
    make(dbsession, "/", "folder", "sposta", "Da spostare")
    make(dbsession, "/sposta/", "folder", "sotto", "Sotto")
    make(dbsession, "/sposta/sotto/", "page", "foglia", "Foglia")
    make(dbsession, "/", "folder", "arrivo", "Arrivo")
    dbsession.flush()
    return ContentService(dbsession)


def at_path(dbsession, path: str) -> Node | None:
    dbsession.expire_all()
    return ContentService(dbsession).by_path(path)


def errors(page) -> list[str]:
    return [p.get_text(" ", strip=True) for p in page.html.select(".invalid-feedback")]


def editor_links(page) -> dict[str, str]:
    bar = page.html.select_one("nav.tavolo-editor-bar")
    return {a.get_text(strip=True): a["href"] for a in bar.select("a")} if bar else {}


def rename_form(testapp, path, status=200):
    return testapp.get(f"{path}@@rename", status=status).forms["deform"]


def move_form(testapp, path, **query):
    return testapp.get(f"{path}@@move", query, status=200).forms["deform"]


def destination_labels(form) -> list[str]:
    return [label for _value, _selected, label in form["destination"].options][1:]


def destination_value(form, path: str) -> str:
    return next(v for v, _s, label in form["destination"].options if label.endswith(f"({path})"))


# rename ----------------------------------------------------------------------------------
def test_a_manager_renames_and_the_old_url_redirects(testapp, login_as, dbsession):
    login_as("admin")
    before = at_path(dbsession, NEWS)
    version = before.version
    form = rename_form(testapp, NEWS)
    assert form["name"].value == "al-via-il-vademecum"
    assert form["title"].value == before.title
    form["name"] = "vademecum-al-via"
    form["title"] = "Il Vademecum è partito"
    response = form.submit("save", status=303)
    assert response.location == "http://localhost/notizie/vademecum-al-via/?saved=1"
    assert "Il Vademecum è partito" in response.follow().text
    after = at_path(dbsession, "/notizie/vademecum-al-via/")
    assert after.id == before.id and after.title == "Il Vademecum è partito"
    assert after.version > version
    old = testapp.get(NEWS, status=301)
    assert old.location == "http://localhost/notizie/vademecum-al-via/"


def test_renaming_a_folder_redirects_everything_below(testapp, login_as, dbsession, tree):
    login_as("admin")
    form = rename_form(testapp, "/sposta/")
    form["name"] = "spostata"
    form.submit("save", status=303)
    assert testapp.get("/sposta/sotto/foglia/", status=301).location == (
        "http://localhost/spostata/sotto/foglia/"
    )
    testapp.get("/spostata/sotto/foglia/", status=200)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Nome Con Spazi", "Usa solo lettere minuscole"),
        ("-trattino", "Usa solo lettere minuscole"),
        ("riunione-15-febbraio-2023", "c'è già un elemento chiamato «riunione-15-febbraio-2023»"),
        ("login", "«login» è riservato alle pagine del sito"),
        ("contents", "«contents» è riservato alle pagine del sito"),
        ("", "Richiesto"),
    ],
)
def test_invalid_names_are_explained_in_italian_and_nothing_changes(
    testapp, login_as, dbsession, name, message
):
    login_as("admin")
    version = at_path(dbsession, NEWS).version
    form = rename_form(testapp, NEWS)
    form["name"] = name
    page = form.submit("save", status=200)
    assert any(message in text for text in errors(page)), errors(page)
    field_id = page.html.select_one('input[name="name"]')["id"]
    assert page.html.select_one(f"#item-{field_id} .invalid-feedback") is not None
    node = at_path(dbsession, NEWS)
    assert node is not None and node.version == version


def test_keeping_the_name_and_changing_the_title(testapp, login_as, dbsession):
    login_as("admin")
    form = rename_form(testapp, NEWS)
    form["title"] = "Solo il titolo"
    assert form.submit("save", status=303).location == f"http://localhost{NEWS}?saved=1"
    assert at_path(dbsession, NEWS).title == "Solo il titolo"


def test_a_stale_rename_is_refused(testapp, login_as, dbsession):
    login_as("admin")
    form = rename_form(testapp, NEWS)
    ContentService(dbsession).update(at_path(dbsession, NEWS), title="Cambiato da un altro")
    form["name"] = "un-altro-nome"
    page = form.submit("save", status=409)
    assert "Qualcun altro ha modificato questo contenuto" in page.text
    assert at_path(dbsession, NEWS) is not None


def test_cancel_and_get_change_nothing(testapp, login_as, dbsession):
    login_as("admin")
    form = rename_form(testapp, NEWS)
    form["name"] = "annullato"
    assert form.submit("cancel", status=303).location == f"http://localhost{NEWS}"
    testapp.get(f"{NEWS}@@rename", {"name": "da-get", "save": "1"}, status=200)
    assert at_path(dbsession, NEWS) is not None
    assert at_path(dbsession, "/notizie/annullato/") is None
    assert at_path(dbsession, "/notizie/da-get/") is None


def test_rename_without_the_csrf_token_is_refused(testapp, login_as, dbsession):
    login_as("admin")
    form = rename_form(testapp, NEWS)
    form["name"] = "senza-token"
    form["csrf_token"] = "forged"
    form.submit("save", status=400)
    assert at_path(dbsession, NEWS) is not None


def test_the_site_root_cannot_be_renamed_or_moved(testapp, login_as):
    login_as("admin")
    testapp.get("/@@rename", status=404)
    testapp.get("/@@move", status=404)
    assert "Rinomina" not in editor_links(testapp.get("/"))


def test_prefecture_staff_rename_in_the_reserved_area(testapp, login_as, dbsession):
    login_as("prefettura")  # Editor of the reserved area
    form = rename_form(testapp, f"{DOCUMENTS}bozza-documento-intesa.pdf/")
    form["name"] = "bozza-intesa.pdf"
    form.submit("save", status=303)
    assert at_path(dbsession, f"{DOCUMENTS}bozza-intesa.pdf/") is not None


def test_a_partner_may_not_rename_or_move(testapp, login_as, dbsession):
    login_as("comune")
    path = f"{DOCUMENTS}bozza-documento-intesa.pdf/"
    page = testapp.get(path, status=200)
    assert "Rinomina" not in editor_links(page) and "Sposta" not in editor_links(page)
    testapp.get(f"{path}@@rename", status=403)
    testapp.get(f"{path}@@move", status=403)
    csrf = page.html.find("input", attrs={"name": "csrf_token"})["value"]
    testapp.post(f"{path}@@rename", {"csrf_token": csrf, "name": "presa", "save": "1"}, status=403)
    target = str(at_path(dbsession, "/area-riservata/archivio/").id)
    testapp.post(
        f"{path}@@move", {"csrf_token": csrf, "destination": target, "save": "1"}, status=403
    )
    assert at_path(dbsession, path) is not None


def test_an_owner_without_add_rights_on_the_folder_may_move_but_not_rename(
    testapp, login_as, dbsession
):
    """Deleting their own item is theirs; adding to the folder it is in is not."""
    comune = user_id(dbsession, "comune")
    make(dbsession, DOCUMENTS, "page", "nota", "Nota del Comune", state="internal", owner_id=comune)
    dbsession.flush()
    login_as("comune")
    links = editor_links(testapp.get(f"{DOCUMENTS}nota/"))
    assert "Rinomina" not in links
    assert links["Sposta"] == f"http://localhost{DOCUMENTS}nota/@@move"
    testapp.get(f"{DOCUMENTS}nota/@@rename", status=403)
    # ...but there is nowhere they may add: no destination is offered.
    page = testapp.get(f"{DOCUMENTS}nota/@@move", status=200)
    assert destination_labels(page.forms["deform"]) == []
    assert "Nessuna cartella in cui puoi spostare" in page.text


def test_anonymous_visitors_are_sent_to_login(testapp):
    for view in ("@@rename", "@@move"):
        assert "/login?came_from=" in testapp.get(f"{NEWS}{view}", status=303).location


def test_the_editor_bar_offers_rename_and_move(testapp, login_as):
    login_as("admin")
    links = editor_links(testapp.get(NEWS))
    assert links["Rinomina"] == f"http://localhost{NEWS}@@rename"
    assert links["Sposta"] == f"http://localhost{NEWS}@@move"


# move ------------------------------------------------------------------------------------
def test_a_manager_moves_and_the_old_url_redirects(testapp, login_as, dbsession, tree):
    login_as("admin")
    form = move_form(testapp, "/sposta/sotto/")
    labels = destination_labels(form)
    assert "Arrivo (/arrivo/)" in labels
    # Not into itself, nor where it already is; and only folders.
    assert not [label for label in labels if "(/sposta/" in label]
    assert not [label for label in labels if "(/il-consiglio/)" in label]  # a page
    form["destination"] = destination_value(form, "/arrivo/")
    response = form.submit("save", status=303)
    assert response.location == "http://localhost/arrivo/sotto/?saved=1"
    assert at_path(dbsession, "/arrivo/sotto/foglia/") is not None
    assert testapp.get("/sposta/sotto/foglia/", status=301).location == (
        "http://localhost/arrivo/sotto/foglia/"
    )


def test_moving_into_itself_is_refused(testapp, login_as, dbsession, tree):
    login_as("admin")
    form = move_form(testapp, "/sposta/")
    for inside in ("/sposta/", "/sposta/sotto/"):
        form["destination"].force_value(str(at_path(dbsession, inside).id))
        page = form.submit("save", status=200)
        assert errors(page) == [
            "Un elemento non può essere spostato dentro sé stesso né in ciò che contiene."
        ]
        form = page.forms["deform"]
    assert at_path(dbsession, "/sposta/sotto/foglia/") is not None


@pytest.mark.parametrize(
    ("destination", "message"),
    [
        ("/", "L'elemento è già in questa cartella."),
        ("/il-consiglio/", "Questo tipo di contenuto non può stare nella cartella scelta."),
        ("/nessuna/", "La cartella scelta non esiste più."),
    ],
)
def test_impossible_destinations_are_explained(
    testapp, login_as, dbsession, tree, destination, message
):
    login_as("admin")
    form = move_form(testapp, "/sposta/")
    target = at_path(dbsession, destination)
    form["destination"].force_value(str(target.id) if target else "999999")
    page = form.submit("save", status=200)
    assert errors(page) == [message]
    assert at_path(dbsession, "/sposta/") is not None


def test_a_name_taken_in_the_destination_is_explained(testapp, login_as, dbsession, tree):
    make(dbsession, "/arrivo/", "page", "sotto", "Omonima")
    dbsession.flush()
    login_as("admin")
    form = move_form(testapp, "/sposta/sotto/")
    form["destination"] = destination_value(form, "/arrivo/")
    page = form.submit("save", status=200)
    assert errors(page) == [
        "Nella cartella scelta c'è già un elemento chiamato «sotto»: rinominalo prima di spostarlo."
    ]
    assert at_path(dbsession, "/sposta/sotto/") is not None


def test_the_add_permission_on_the_destination_is_checked_at_save(testapp, login_as, dbsession):
    """Prefecture staff edit the reserved area and own the news folder, not the site root."""
    login_as("prefettura")
    path = f"{DOCUMENTS}bozza-documento-intesa.pdf/"
    form = move_form(testapp, path)
    labels = destination_labels(form)
    assert any(label.endswith("(/area-riservata/archivio/)") for label in labels)
    assert not any(label.endswith("(/)") for label in labels)
    form["destination"].force_value(str(at_path(dbsession, "/").id))
    page = form.submit("save", status=200)
    assert errors(page) == ["Non hai il permesso di aggiungere contenuti nella cartella scelta."]
    form = page.forms["deform"]
    form["destination"] = destination_value(form, "/area-riservata/archivio/")
    form.submit("save", status=303)
    assert at_path(dbsession, "/area-riservata/archivio/bozza-documento-intesa.pdf/") is not None


def test_move_without_the_csrf_token_is_refused(testapp, login_as, dbsession, tree):
    login_as("admin")
    form = move_form(testapp, "/sposta/")
    form["destination"] = destination_value(form, "/arrivo/")
    form["csrf_token"] = ""
    form.submit("save", status=400)
    assert at_path(dbsession, "/sposta/") is not None


def test_a_stale_move_is_refused(testapp, login_as, dbsession, tree):
    login_as("admin")
    form = move_form(testapp, "/sposta/")
    ContentService(dbsession).update(at_path(dbsession, "/sposta/"), title="Cambiata")
    form["destination"] = destination_value(form, "/arrivo/")
    form.submit("save", status=409)
    assert at_path(dbsession, "/sposta/") is not None


def test_destinations_are_filtered_and_paged(testapp, login_as, dbsession, tree):
    for number in range(DESTINATIONS_PER_PAGE + 5):
        make(dbsession, "/arrivo/", "folder", f"cartella-{number:02d}", f"Cartella {number:02d}")
    dbsession.flush()
    login_as("admin")
    for text in ("Cartella 07", "  cartella   07 "):  # case and extra spaces do not matter
        filtered = move_form(testapp, "/sposta/", q=text)
        assert destination_labels(filtered) == ["Cartella 07 (/arrivo/cartella-07/)"]
    assert destination_labels(move_form(testapp, "/sposta/", q="100%")) == []
    by_path = move_form(testapp, "/sposta/", q="arrivo/cartella-1")
    assert len(destination_labels(by_path)) == 10

    first = testapp.get("/sposta/@@move", {"q": "cartella"})
    shown = destination_labels(first.forms["deform"])
    assert len(shown) == DESTINATIONS_PER_PAGE
    second = first.click(description="Altre cartelle")
    rest = destination_labels(second.forms["deform"])
    assert len(rest) == 5 and not set(rest) & set(shown)
    assert second.html.find("a", string="Altre cartelle") is None
    assert second.html.find("a", string="Dalle prime cartelle") is not None
    # The choice is kept by the page it was made on.
    form = second.forms["deform"]
    form["destination"] = destination_value(form, "/arrivo/cartella-34/")
    assert form.submit("save", status=303).location == (
        "http://localhost/arrivo/cartella-34/sposta/?saved=1"
    )


def test_a_get_never_moves(testapp, login_as, dbsession, tree):
    login_as("admin")
    target = str(at_path(dbsession, "/arrivo/").id)
    testapp.get("/sposta/@@move", {"destination": target, "save": "1"}, status=200)
    assert at_path(dbsession, "/sposta/") is not None


# every type, through the web -------------------------------------------------------------
def make_item(dbsession, type_name: str) -> Node:
    name, title = f"prova-{type_name}", f"Prova {TYPES[type_name].title}"
    if type_name in ("file", "image"):
        return make_file(
            dbsession,
            "/origine/",
            name,
            title,
            b"%PDF-1.4 prova" if type_name == "file" else b"\x89PNG\r\n\x1a\nprova",
            "prova.pdf" if type_name == "file" else "prova.png",
            "application/pdf" if type_name == "file" else "image/png",
            type_name=type_name,
        )
    fields = {
        "link": {"url": "https://www.normattiva.it/"},
        "event": {"start": at(2026, 3, 10, 10), "end": at(2026, 3, 10, 12)},
        "legislation": {"act_type": "circolare"},
    }.get(type_name, {})
    return make(dbsession, "/origine/", type_name, name, title, **fields)


# Types that live in folders (a Vademecum's chapters and sections live only in it, and are
# tested there: tests/vademecum).
@pytest.mark.parametrize(
    "type_name", sorted(name for name, info in TYPES.items() if "folder" in info.addable_to)
)
def test_each_type_is_renamed_moved_copied_and_deleted_through_the_web(
    testapp, login_as, dbsession, type_name
):
    make(dbsession, "/", "folder", "origine", "Origine")
    make(dbsession, "/", "folder", "arrivo", "Arrivo")
    item_id = make_item(dbsession, type_name).id
    dbsession.flush()
    login_as("admin")

    form = rename_form(testapp, f"/origine/prova-{type_name}/")
    form["name"] = f"rinominato-{type_name}"
    form.submit("save", status=303)
    renamed = f"/origine/rinominato-{type_name}/"
    assert at_path(dbsession, renamed).id == item_id
    assert testapp.get(f"/origine/prova-{type_name}/", status=301).location.endswith(renamed)

    form = move_form(testapp, renamed)
    form["destination"] = destination_value(form, "/arrivo/")
    form.submit("save", status=303)
    moved = f"/arrivo/rinominato-{type_name}/"
    assert at_path(dbsession, moved).id == item_id
    assert testapp.get(renamed, status=301).location.endswith(moved)

    contents = testapp.get("/arrivo/@@contents")
    csrf = contents.forms["contents-form"]["csrf_token"].value
    for action in ("copy", "paste"):
        params = {"csrf_token": csrf, "action": action, "ids": str(item_id)}
        testapp.post("/arrivo/@@contents", params, status=303)
    copy = at_path(dbsession, f"/arrivo/rinominato-{type_name}-copia/")
    assert copy is not None and copy.type == type_name and copy.state == "private"

    params = [("csrf_token", csrf), ("action", "delete"), ("ids", str(item_id))]
    confirm = testapp.post("/arrivo/@@contents", params, status=200)
    confirm.forms["delete-selection-form"].submit("action", value="trash", status=303)
    dbsession.expire_all()
    assert dbsession.get(Node, item_id).trashed_at is not None
    assert dbsession.scalar(select(Node.id).where(Node.path == moved)) == item_id
