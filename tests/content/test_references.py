"""Related items and a news item's image, chosen in the forms by address: only items the
editor may view, stored by id so that renames and moves do not break them."""

from __future__ import annotations

import pytest

from tavolo.content.models import NodeRelation
from tavolo.content.moving import TreeChanges
from tavolo.content.references import address_to_path
from tavolo.content.services import ContentService
from tavolo.security.models import LocalRole
from tavolo.security.roles import CONTRIBUTOR
from tests.content.helpers import make, make_file, user_id

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
CIRCULAR = "/normativa/circolare-2649-2012/"


@pytest.fixture
def service(dbsession):
    return ContentService(dbsession)


def node_at(dbsession, path):
    dbsession.expire_all()
    return ContentService(dbsession).by_path(path)


def error_texts(page) -> list[str]:
    return [p.get_text(" ", strip=True) for p in page.html.select(".invalid-feedback")]


def add_page(testapp, folder, title, related):
    form = testapp.get(f"{folder}@@add?type=page", status=200).forms["deform"]
    form["title"] = title
    form["related_ids"] = related
    return form.submit("save")


@pytest.mark.parametrize(
    ("address", "path"),
    [
        ("/normativa/circolare-2649-2012/", "/normativa/circolare-2649-2012/"),
        ("/normativa/circolare-2649-2012", "/normativa/circolare-2649-2012/"),
        (
            "http://localhost/normativa/circolare-2649-2012/?x=1#a",
            "/normativa/circolare-2649-2012/",
        ),
        (
            "http://localhost/normativa/circolare-2649-2012/@@edit",
            "/normativa/circolare-2649-2012/",
        ),
        ("/citt%C3%A0/", "/città/"),
        ("https://example.org/normativa/", None),
        ("javascript:alert(1)", None),
        ("normativa/", None),
    ],
)
def test_addresses_are_read_as_paths_of_this_site(address, path):
    assert address_to_path(address, "localhost") == path


def test_an_editor_relates_items_by_their_addresses(testapp, login_as, dbsession, service):
    login_as("admin")
    response = add_page(
        testapp,
        "/area-riservata/",
        "Con riferimenti",
        f"{CIRCULAR}\n\nhttp://localhost/notizie/\n{CIRCULAR}",
    )
    assert response.status_int == 303, error_texts(response)
    page = node_at(dbsession, "/area-riservata/con-riferimenti/")
    circular = service.by_path(CIRCULAR)
    news = service.by_path("/notizie/")
    assert page.related_ids == [circular.id, news.id]  # in order, once each

    shown = testapp.get(page.path)
    related = [a.get_text(strip=True) for a in shown.html.select(".tavolo-related a")]
    assert related == [circular.title, news.title]
    # The edit form shows them again as addresses, and saving keeps them.
    form = testapp.get(f"{page.path}@@edit").forms["deform"]
    assert form["related_ids"].value.split("\n") == [CIRCULAR, "/notizie/"]
    form["related_ids"] = "/notizie/"
    assert form.submit("save").status_int == 303
    assert node_at(dbsession, page.path).related_ids == [news.id]


def test_unknown_foreign_and_hidden_addresses_are_refused(testapp, login_as, dbsession, service):
    private = make(dbsession, "/normativa/", "page", "segreta", "Segreta", state="private")
    folder = "/area-riservata/vademecum/"
    dbsession.add(
        LocalRole(
            node_id=service.by_path(folder).id,
            user_id=user_id(dbsession, "comune"),
            role=CONTRIBUTOR,
        )
    )
    dbsession.flush()
    login_as("comune")  # may add here, may not see the private page
    for address in (private.path, "/non-esiste/", "https://example.org/notizie/"):
        response = add_page(testapp, folder, "Prova", address)
        assert response.status_int == 200
        errors = " ".join(error_texts(response))
        assert address in errors
        # "Not there" and "not yours to see" read the same: nothing about the page leaks.
        assert "Segreta" not in errors
    assert node_at(dbsession, f"{folder}prova/") is None


def test_an_item_cannot_be_related_to_itself(testapp, login_as, dbsession, service):
    login_as("admin")
    form = testapp.get(f"{CIRCULAR}@@edit").forms["deform"]
    form["related_ids"] = CIRCULAR
    response = form.submit("save")
    assert response.status_int == 200
    assert "se stesso" in " ".join(error_texts(response))


def test_a_moved_item_is_found_at_its_old_address(testapp, login_as, dbsession, service):
    target = make(dbsession, "/notizie/", "page", "vecchio-nome", "Spostata")
    TreeChanges(dbsession).rename(target, "nuovo-nome")
    dbsession.flush()
    login_as("admin")
    response = add_page(testapp, "/area-riservata/", "Rimando", "/notizie/vecchio-nome/")
    assert response.status_int == 303, error_texts(response)
    assert node_at(dbsession, "/area-riservata/rimando/").related_ids == [target.id]


def test_a_news_image_is_chosen_by_address(testapp, login_as, dbsession, service):
    image = make_file(
        dbsession,
        "/notizie/",
        "foto",
        "Foto della riunione",
        PNG,
        "foto.png",
        "image/png",
        type_name="image",
    )
    login_as("admin")
    form = testapp.get("/notizie/@@add?type=news").forms["deform"]
    form["title"] = "Con immagine"
    form["image_id"] = "/notizie/foto/"
    assert form.submit("save").status_int == 303
    news = node_at(dbsession, "/notizie/con-immagine/")
    assert news.image_id == image.id
    page = testapp.get(news.path)
    assert page.html.select_one("img[src*='/notizie/foto/']") is not None

    # Only an image will do; the message says so next to the field.
    form = testapp.get(f"{news.path}@@edit").forms["deform"]
    assert form["image_id"].value == "/notizie/foto/"
    form["image_id"] = CIRCULAR
    refused = form.submit("save")
    assert refused.status_int == 200
    assert "non è un'immagine" in " ".join(error_texts(refused))
    assert node_at(dbsession, news.path).image_id == image.id

    # Deleting the image warns that the news item shows it.
    confirm = testapp.get("/notizie/foto/@@delete")
    assert "Con immagine" in confirm.html.select_one(".tavolo-delete-links").text


def test_a_copy_keeps_its_related_items(dbsession, service):
    source = make(dbsession, "/notizie/", "page", "fonte", "Fonte")
    circular = service.by_path(CIRCULAR)
    source.related_ids = [circular.id]
    dbsession.flush()
    copy = TreeChanges(dbsession).copy(source, service.by_path("/area-riservata/"), owner_id=None)
    dbsession.flush()
    assert copy.related_ids == [circular.id]
    rows = dbsession.query(NodeRelation).filter_by(target_id=circular.id).count()
    assert rows >= 2
