"""Effective and expiry dates: content outside its dates is seen only by its editors.

The rule lives in the security policy (direct URLs, ancestors) and in its SQL twin
(listings and counts); both are checked here through HTTP, for a visitor, a partner, and
the editor (the prefecture, owner of /notizie/).
"""

from __future__ import annotations

import datetime as dt

import pytest

from tavolo.db import utcnow
from tests.content.helpers import make, relate

NEWS = "/notizie/"
DAY = dt.timedelta(days=1)


def listing_titles(page) -> list[str]:
    return [a.get_text(strip=True) for a in page.html.select("ul.tavolo-listing h3 a")]


def refused(testapp, url: str, anonymous: bool):
    if anonymous:
        response = testapp.get(url, status=303)
        assert "/login?came_from=" in response.headers["Location"]
    else:
        testapp.get(url, status=403)


@pytest.fixture(params=["future", "expired"])
def dated_out(request, dbsession):
    now = utcnow()
    dates = (
        {"effective": now + DAY}
        if request.param == "future"
        else {"effective": now - 2 * DAY, "expires": now - DAY}
    )
    return make(dbsession, NEWS, "news", "fuori-data", "Notizia fuori data", **dates)


@pytest.mark.parametrize("login", [None, "comune", "mondoaperto", "archivio"])
def test_outside_its_dates_an_item_is_hidden(testapp, login_as, dated_out, login):
    if login:
        login_as(login)
    refused(testapp, "/notizie/fuori-data/", anonymous=login is None)
    assert "Notizia fuori data" not in listing_titles(testapp.get(NEWS))


def test_its_editors_still_see_it(testapp, login_as, dated_out):
    login_as("prefettura")
    assert "Notizia fuori data" in testapp.get("/notizie/fuori-data/", status=200).text
    assert "Notizia fuori data" in listing_titles(testapp.get(NEWS))
    testapp.reset()
    login_as("admin")
    testapp.get("/notizie/fuori-data/", status=200)


def test_within_its_dates_everyone_sees_it(testapp, dbsession):
    now = utcnow()
    make(
        dbsession,
        NEWS,
        "news",
        "in-corso",
        "Notizia in corso",
        effective=now - DAY,
        expires=now + DAY,
    )
    testapp.get("/notizie/in-corso/", status=200)
    assert "Notizia in corso" in listing_titles(testapp.get(NEWS))


def test_a_folder_outside_its_dates_hides_its_children(testapp, dbsession, login_as):
    make(dbsession, NEWS, "folder", "archivio-2030", "Cartella futura", effective=utcnow() + DAY)
    make(dbsession, "/notizie/archivio-2030/", "page", "dentro", "Pagina dentro")
    refused(testapp, "/notizie/archivio-2030/dentro/", anonymous=True)
    login_as("comune")
    refused(testapp, "/notizie/archivio-2030/dentro/", anonymous=False)
    testapp.reset()
    login_as("prefettura")
    testapp.get("/notizie/archivio-2030/dentro/", status=200)


def test_listing_counts_agree_with_what_is_shown(testapp, dbsession, login_as):
    """Pages are counted in SQL with the same rule: 25 hidden items make no extra page."""
    now = utcnow()
    folder = make(dbsession, NEWS, "folder", "molte", "Molte notizie")
    for number in range(25):
        make(
            dbsession,
            "/notizie/molte/",
            "news",
            f"futura-{number}",
            f"Futura {number}",
            effective=now + DAY,
        )
    make(dbsession, "/notizie/molte/", "news", "visibile", "Visibile")
    page = testapp.get("/notizie/molte/")
    assert listing_titles(page) == ["Visibile"]
    assert page.html.select(".pagination") == []
    login_as("prefettura")
    page = testapp.get("/notizie/molte/")
    assert len(listing_titles(page)) == 20
    assert page.html.select_one(".pagination")
    assert listing_titles(testapp.get("/notizie/molte/?page=2"))[-1] == "Visibile"
    assert folder.path == "/notizie/molte/"


def test_related_items_outside_their_dates_are_left_out(testapp, dbsession):
    news = make(dbsession, NEWS, "news", "con-correlati", "Con correlati")
    future = make(dbsession, NEWS, "page", "futura", "Pagina futura", effective=utcnow() + DAY)
    relate(dbsession, news, future)
    page = testapp.get("/notizie/con-correlati/")
    assert "Pagina futura" not in page.text
