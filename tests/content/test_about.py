"""What every item's page says about it: responsible organisation, creation, author."""

from __future__ import annotations

from sqlalchemy import select

from tavolo.accounts.models import Organisation
from tests.content.helpers import make, user_id


def about(page) -> dict[str, str]:
    box = page.html.select_one(".tavolo-about")
    terms = [dt.get_text(strip=True) for dt in box.select("dt")]
    values = [dd.get_text(" ", strip=True) for dd in box.select("dd")]
    return dict(zip(terms, values, strict=True))


def test_visitors_see_the_organisation_partners_also_the_author(testapp, login_as, dbsession):
    prefecture = dbsession.scalars(
        select(Organisation).where(Organisation.name.like("Prefettura%"))
    ).first()
    page = make(
        dbsession,
        "/notizie/",
        "page",
        "chi-risponde",
        "Chi risponde",
        owner_id=user_id(dbsession, "prefettura"),
        responsible_organisation_id=prefecture.id,
    )
    visitor = about(testapp.get(page.path))
    assert visitor["Organizzazione responsabile"] == prefecture.name
    assert "Creato il" in visitor
    assert "Autore" not in visitor  # staff names are not published to visitors

    login_as("comune")
    partner = about(testapp.get(page.path))
    assert partner["Autore"] == "Laura Bianchi"


def test_no_organisation_no_line(testapp, dbsession):
    page = make(dbsession, "/notizie/", "page", "senza", "Senza ente")
    assert "Organizzazione responsabile" not in about(testapp.get(page.path))
