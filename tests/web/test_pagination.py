"""Pagination: which page links a long listing offers."""

from __future__ import annotations

import pytest

from tavolo.web.pagination import Page
from tests.content.helpers import make


@pytest.mark.parametrize(
    ("number", "total", "expected"),
    [
        (1, 50, [1]),
        (1, 150, [1, 2, 3]),
        (1, 5000, [1, 2, 3, None, 100]),
        (50, 5000, [1, None, 48, 49, 50, 51, 52, None, 100]),
        (100, 5000, [1, None, 98, 99, 100]),
        # A gap of one page shows that page, not an ellipsis standing for it.
        (5, 500, [1, 2, 3, 4, 5, 6, 7, None, 10]),
    ],
)
def test_long_listings_offer_a_window_of_pages(number, total, expected):
    assert Page(number=number, size=50, total=total).window() == expected


def test_a_long_folder_shows_a_short_pager(testapp, login_as, dbsession):
    folder = make(dbsession, "/area-riservata/", "folder", "tanti", "Tanti", state="internal")
    for number in range(260):
        make(dbsession, folder.path, "page", f"d{number:03d}", f"Documento {number:03d}")
    login_as("admin")
    page = testapp.get("/area-riservata/tanti/?page=7", status=200)
    links = [a.get_text(" ", strip=True) for a in page.html.select(".pagination a.page-link")]
    numbered = [text for text in links if text.startswith("Pagina")]
    assert numbered == [f"Pagina {n}" for n in (1, 5, 6, 7, 8, 9, 13)]
    current = page.html.select_one(".pagination a[aria-current=page]")
    assert current.get_text(" ", strip=True) == "Pagina 7"
    assert "Documento 120" in page.text and "Documento 140" not in page.text
