"""Folder contents: who may see it, sorting and paging, reorder, cut/copy/paste."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tavolo.accounts.models import User
from tavolo.content.contents import CLIPBOARD_COOKIE
from tavolo.content.services import ContentService
from tavolo.security.models import LocalRole
from tavolo.security.roles import CONTRIBUTOR


@pytest.fixture
def service(dbsession):
    return ContentService(dbsession)


def contents_form(page):
    return page.forms["contents-form"]


def row_titles(page) -> list[str]:
    return [a.get_text(strip=True) for a in page.html.select("table tbody tr td:nth-of-type(2) a")]


def test_visitors_and_partners_without_add_rights_cannot_open_it(testapp, login_as):
    assert "/login" in testapp.get("/notizie/@@contents", status=303).location
    login_as("comune")
    testapp.get("/notizie/@@contents", status=403)


def test_sorted_and_paginated_for_large_folders(dbsession, service, testapp, login_as):
    folder = service.create(service.root(), "folder", "molti", "Molti", state="published")
    for number in range(60):
        service.create(
            folder, "page", f"p{number:02d}", f"Pagina {59 - number:02d}", state="published"
        )
    dbsession.flush()
    login_as("admin")
    first = testapp.get("/molti/@@contents", status=200)
    assert len(row_titles(first)) == 50
    assert row_titles(first)[0] == "Pagina 59"
    second = testapp.get("/molti/@@contents?page=2")
    assert len(row_titles(second)) == 10
    by_title = testapp.get("/molti/@@contents?sort=title")
    assert row_titles(by_title)[0] == "Pagina 00"


def test_cut_and_paste_moves_and_the_old_url_redirects(dbsession, service, testapp, login_as):
    login_as("admin")
    news = service.by_path("/notizie/al-via-il-vademecum/")
    form = contents_form(testapp.get("/notizie/@@contents"))
    response = testapp.post(
        "/notizie/@@contents",
        {"csrf_token": form["csrf_token"].value, "action": "cut", "ids": str(news.id)},
        status=303,
    )
    assert CLIPBOARD_COOKIE in testapp.cookies
    assert "1 elementi tagliati" in response.follow().text
    page = testapp.get("/eventi/@@contents")
    assert "Incolla qui (1)" in page.text
    pasted = testapp.post(
        "/eventi/@@contents",
        {"csrf_token": contents_form(page)["csrf_token"].value, "action": "paste"},
        status=303,
    )
    assert "1 elementi incollati" in pasted.follow().text
    assert CLIPBOARD_COOKIE not in testapp.cookies
    dbsession.expire_all()
    assert service.by_path("/eventi/al-via-il-vademecum/") is not None
    assert testapp.get("/notizie/al-via-il-vademecum/", status=301).location.endswith(
        "/eventi/al-via-il-vademecum/"
    )


def test_copy_and_paste_makes_a_private_copy(dbsession, service, testapp, login_as):
    login_as("admin")
    page = testapp.get("/normativa/@@contents")
    token = contents_form(page)["csrf_token"].value
    circular = service.by_path("/normativa/circolare-2649-2012/")
    testapp.post(
        "/normativa/@@contents",
        {"csrf_token": token, "action": "copy", "ids": str(circular.id)},
        status=303,
    )
    testapp.post("/normativa/@@contents", {"csrf_token": token, "action": "paste"}, status=303)
    dbsession.expire_all()
    copy = service.by_path("/normativa/circolare-2649-2012-copia/")
    assert copy is not None and copy.state == "private"
    assert service.by_path("/normativa/circolare-2649-2012-copia/sintesi-circolare-2649.pdf/")
    # A copy may be pasted again.
    assert CLIPBOARD_COOKIE in testapp.cookies


def test_paste_needs_add_on_the_target(dbsession, service, testapp, login_as):
    login_as("prefettura")  # Editor of the reserved area only
    page = testapp.get("/area-riservata/documenti/@@contents", status=200)
    token = contents_form(page)["csrf_token"].value
    doc = service.by_path("/area-riservata/documenti/bozza-documento-intesa.pdf/")
    testapp.post(
        "/area-riservata/documenti/@@contents",
        {"csrf_token": token, "action": "copy", "ids": str(doc.id)},
        status=303,
    )
    # The site root is not theirs to add to (/notizie/ would be: they own it).
    testapp.post("/@@contents", {"csrf_token": token, "action": "paste"}, status=403)
    dbsession.expire_all()
    assert service.by_path("/bozza-documento-intesa.pdf/") is None


def test_a_contributor_cannot_cut_what_they_may_not_delete(dbsession, service, testapp, login_as):
    comune = dbsession.scalars(select(User.id).where(User.login == "comune")).one()
    folder = service.by_path("/area-riservata/documenti/")
    dbsession.add(LocalRole(node_id=folder.id, user_id=comune, role=CONTRIBUTOR))
    dbsession.flush()
    login_as("comune")
    page = testapp.get("/area-riservata/documenti/@@contents", status=200)
    doc = service.by_path("/area-riservata/documenti/bozza-documento-intesa.pdf/")
    response = testapp.post(
        "/area-riservata/documenti/@@contents",
        {
            "csrf_token": contents_form(page)["csrf_token"].value,
            "action": "cut",
            "ids": str(doc.id),
        },
        status=303,
    )
    assert "0 elementi tagliati" in response.follow().text
    assert CLIPBOARD_COOKIE not in testapp.cookies


def test_a_forged_clipboard_is_refused(testapp, login_as):
    login_as("admin")
    page = testapp.get("/eventi/@@contents")
    testapp.set_cookie(CLIPBOARD_COOKIE, "forged")
    testapp.post(
        "/eventi/@@contents",
        {"csrf_token": contents_form(page)["csrf_token"].value, "action": "paste"},
        status=400,
    )


def test_reorder_by_post_only_with_the_token(dbsession, service, testapp, login_as):
    login_as("admin")
    page = testapp.get("/domande-e-risposte/@@contents")
    before = row_titles(page)
    last = service.by_path("/domande-e-risposte/centro-impiego-documenti/")
    testapp.post(
        "/domande-e-risposte/@@contents",
        {"action": "reorder", "ids": str(last.id), "position": "0"},
        status=400,
    )
    testapp.post(
        "/domande-e-risposte/@@contents",
        {
            "csrf_token": contents_form(page)["csrf_token"].value,
            "action": "reorder",
            "ids": str(last.id),
            "position": "0",
        },
        status=303,
    )
    after = row_titles(testapp.get("/domande-e-risposte/@@contents"))
    assert after[0] == before[-1]
    assert sorted(after) == sorted(before)


def test_the_editor_bar_leads_to_the_contents_of_a_folder(testapp, login_as):
    login_as("admin")
    bar = testapp.get("/notizie/").html.select_one("nav.tavolo-editor-bar")
    links = {a.get_text(strip=True): a["href"] for a in bar.select("a")}
    assert links["Contenuti"] == "http://localhost/notizie/@@contents"
    # Not on a page, which holds nothing.
    page_bar = testapp.get("/il-consiglio/").html.select_one("nav.tavolo-editor-bar")
    assert "Contenuti" not in page_bar.get_text()


def test_no_contents_link_for_a_partner_without_add_rights(testapp, login_as):
    login_as("comune")
    assert "@@contents" not in testapp.get("/area-riservata/").text
