"""The archive, ``@@archivio``: by year and month, type, organisation and tag, newest
first, only what the caller may see - and counted after the permission check."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tavolo.accounts.models import Organisation
from tests.content.helpers import at, make

AREA = "/prova-archivio/"


@pytest.fixture
def archive(dbsession, search_index, search_budget):
    """Published items of 2019 (a year the demo has nothing of), one private one."""
    prefecture = dbsession.scalar(
        select(Organisation.id).where(Organisation.name == "Prefettura della Spezia")
    )
    make(dbsession, "/", "folder", AREA.strip("/"), "Prova archivio", effective=at(2018, 5, 5))
    for number in range(23):
        make(
            dbsession,
            AREA,
            "news",
            f"notizia-{number}",
            f"Notizia d'archivio {number}",
            effective=at(2019, 3 if number < 20 else 7, 1 + number, 12),
            responsible_organisation_id=prefecture,
        ).tags = ["storico"]
    make(
        dbsession,
        AREA,
        "page",
        "bozza",
        "Bozza riservata del 2019",
        state="private",
        effective=at(2019, 3, 30, 12),
    ).tags = ["storico"]
    dbsession.flush()
    from tavolo.search.indexer import reindex_all

    reindex_all(dbsession.connection(), search_index)
    return prefecture


def titles(page) -> list[str]:
    return [a.text.strip() for a in page.html.select("#search-results h3 a")]


def badge(link) -> str:
    return link.find_next_sibling("span").text.strip()


def test_the_front_page_counts_years_months_types_and_tags(testapp, archive):
    page = testapp.get("/@@archivio", status=200)
    years = page.html.select_one("#archive-years")
    year_2019 = years.find("a", string="2019")
    assert badge(year_2019) == "23"  # the private draft is not counted
    months = {a.text.strip(): badge(a) for a in year_2019.find_next("ul").select("a")}
    assert months == {"luglio 2019": "3", "marzo 2019": "20"}
    tags = {a.text.strip(): badge(a) for a in page.html.select("#archive-tag a")}
    assert tags["storico"] == "23"
    types = [a.text.strip() for a in page.html.select("#archive-type a")]
    assert "Notizia" in types


def test_a_year_lists_its_items_newest_first_in_pages(testapp, archive):
    page = testapp.get("/@@archivio", {"year": "2019"}, status=200)
    assert "23 contenuti" in page.html.select_one("#search-count").text
    assert titles(page)[0] == "Notizia d'archivio 22"
    assert len(titles(page)) == 20
    assert "Bozza riservata del 2019" not in page.text
    months = page.html.select("#facet-month a")
    assert [m.text.split()[0] for m in months] == ["luglio", "marzo"]
    second = testapp.get("/@@archivio", {"year": "2019", "page": "2"}, status=200)
    assert titles(second) == [f"Notizia d'archivio {n}" for n in (2, 1, 0)]


def test_a_month_a_type_an_organisation_and_a_tag(testapp, archive):
    july = testapp.get("/@@archivio", {"month": "2019-07"}, status=200)
    assert titles(july) == [f"Notizia d'archivio {n}" for n in (22, 21, 20)]
    assert "Mese: luglio 2019" in july.html.select_one("#search-active-filters").text
    by_type = testapp.get("/@@archivio", {"type": "news", "year": "2019"}, status=200)
    assert len(titles(by_type)) == 20
    by_organisation = testapp.get(
        "/@@archivio", {"organisation": str(archive), "year": "2019"}, status=200
    )
    assert "23 contenuti" in by_organisation.html.select_one("#search-count").text
    assert (
        "Prefettura della Spezia" in by_organisation.html.select_one("#search-active-filters").text
    )
    by_tag = testapp.get("/@@archivio", {"tag": "Storico"}, status=200)
    assert "23 contenuti" in by_tag.html.select_one("#search-count").text


def test_editors_see_and_count_what_they_may_see(testapp, login_as, archive):
    login_as("admin")
    page = testapp.get("/@@archivio", {"year": "2019", "tag": "storico"}, status=200)
    assert "24 contenuti" in page.html.select_one("#search-count").text


def test_the_archive_is_on_the_site_root_only_and_refuses_bad_filters(testapp, archive):
    testapp.get(f"{AREA}@@archivio", status=404)
    page = testapp.get("/@@archivio", {"year": "MMXIX"}, status=400)
    assert "filtro non valido" in page.html.select_one("#search-errors").text
    page = testapp.get("/@@archivio", {"month": "2019-13"}, status=400)
    assert "filtro non valido" in page.text
    testapp.get("/@@archivio", {"year": "2019", "page": "x"}, status=200)
    testapp.post("/@@archivio", status=(400, 404))
