"""The "Raccolta" type: a saved search whose page lists what matches now, as the reader
may see it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tavolo.content.models import Collection, Node
from tavolo.search.indexer import reindex_all
from tests.content.helpers import at, make

AREA = "/prova-raccolte/"


@pytest.fixture
def items(dbsession):
    make(dbsession, "/", "folder", AREA.strip("/"), "Prova raccolte")
    for number in range(22):
        make(
            dbsession,
            AREA,
            "legislation",
            f"circolare-{number}",
            f"Circolare sul soggiorno {number}",
            act_type="circolare",
            effective=at(2024, 2, 1 + number, 12),
        )
    make(
        dbsession,
        AREA,
        "legislation",
        "circolare-riservata",
        "Circolare sul soggiorno ancora riservata",
        act_type="circolare",
        state="private",
        effective=at(2024, 5, 1, 12),
    )
    make(
        dbsession,
        AREA,
        "page",
        "pagina-soggiorno",
        "Pagina sul soggiorno",
        effective=at(2024, 5, 1, 12),
    )
    make(
        dbsession,
        AREA,
        "collection",
        "normativa-2024",
        "Normativa 2024",
        description="Le circolari del 2024 sul soggiorno.",
        search_words="soggiorno",
        filter_type="legislation",
        filter_year="2024",
    )
    dbsession.flush()


@pytest.fixture
def indexed(items, dbsession, search_index, search_budget):
    reindex_all(dbsession.connection(), search_index)
    return search_index


def titles(page) -> list[str]:
    return [a.text.strip() for a in page.html.select("#search-results h3 a")]


def test_a_collection_lists_what_matches_in_pages(testapp, indexed):
    page = testapp.get(f"{AREA}normativa-2024/", status=200)
    assert page.html.select_one("h1").text == "Normativa 2024"
    assert "22 contenuti" in page.html.select_one("#collection-results-title").text
    assert titles(page)[0] == "Circolare sul soggiorno 21"
    assert len(titles(page)) == 20
    assert "Pagina sul soggiorno" not in page.text  # another type
    assert "ancora riservata" not in page.text  # private
    second = testapp.get(f"{AREA}normativa-2024/", {"page": "2"}, status=200)
    assert titles(second) == ["Circolare sul soggiorno 1", "Circolare sul soggiorno 0"]
    testapp.get(f"{AREA}normativa-2024/", {"page": "zero"}, status=200)
    refine = page.html.find("a", string="Affina questa ricerca")["href"]
    assert "q=soggiorno" in refine and "type=legislation" in refine and "year=2024" in refine


def test_a_collection_respects_the_readers_permissions(testapp, login_as, indexed):
    login_as("comune")
    page = testapp.get(f"{AREA}normativa-2024/", status=200)
    assert "ancora riservata" not in page.text
    testapp.post(
        "/logout",
        {"csrf_token": page.html.find("input", attrs={"name": "csrf_token"})["value"]},
        status=303,
    )
    login_as("admin")
    page = testapp.get(f"{AREA}normativa-2024/", status=200)
    assert "23 contenuti" in page.html.select_one("#collection-results-title").text


def test_a_private_collection_is_not_shown_to_visitors(testapp, dbsession, indexed):
    node = dbsession.scalar(select(Node).where(Node.path == f"{AREA}normativa-2024/"))
    node.state = "private"
    dbsession.flush()
    response = testapp.get(f"{AREA}normativa-2024/", status=(303, 403))
    assert "Circolare sul soggiorno" not in response.text


def test_an_editor_adds_a_collection_through_the_form(testapp, login_as, dbsession, indexed):
    login_as("admin")
    page = testapp.get(f"{AREA}@@add", status=200)
    assert any(a["href"].endswith("@@add?type=collection") for a in page.html.select("a[href]"))
    form = testapp.get(f"{AREA}@@add?type=collection", status=200).forms["deform"]
    form["title"] = "Vuota"
    response = form.submit("save", status=200)
    assert "almeno le parole da cercare o un filtro" in response.text
    form = response.forms["deform"]
    form["title"] = "Circolari 2024"
    form["filter_type"] = "legislation"
    form["filter_year"] = "24"
    response = form.submit("save", status=200)
    assert "quattro cifre" in response.text
    form = response.forms["deform"]
    form["filter_year"] = "2024"
    response = form.submit("save", status=303)
    collection = dbsession.scalar(
        select(Collection).where(Collection.path == f"{AREA}circolari-2024/")
    )
    assert (collection.filter_type, collection.filter_year, collection.state) == (
        "legislation",
        "2024",
        "private",
    )
    page = testapp.get(response.location, status=200)
    assert "23 contenuti" in page.html.select_one("#collection-results-title").text
    # A collection never lists itself nor another collection.
    assert "Normativa 2024" not in titles(page)
    # Editing keeps the filters.
    form = testapp.get(f"{AREA}circolari-2024/@@edit", status=200).forms["deform"]
    assert form["filter_type"].value == "legislation"
    form["search_words"] = "soggiorno 21"
    form.submit("save", status=303)
    page = testapp.get(f"{AREA}circolari-2024/", status=200)
    assert titles(page) == ["Circolare sul soggiorno 21"]


def test_a_partner_without_rights_cannot_add_a_collection(testapp, login_as, indexed):
    login_as("comune")
    testapp.get(f"{AREA}@@add?type=collection", status=(403, 404))
    testapp.post(f"{AREA}@@add?type=collection", {"title": "x"}, status=(400, 403, 404))
