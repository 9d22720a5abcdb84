"""Editions through the web: publishing (who may, CSRF, conflicts), reading, comparing,
exporting; forbidden paths for visitors, non-members and partners without review rights."""

from __future__ import annotations

import io

import docx
import pypdf
import pytest
from sqlalchemy import func, select

from tavolo.scripts.demo import COMUNE
from tavolo.vademecum.edition_models import Edition
from tavolo.vademecum.editions import EditionService
from tests.vademecum import edition_fixtures as fx

PATH = fx.PATH


@pytest.fixture
def vademecum(dbsession):
    vademecum = fx.build(dbsession)
    dbsession.flush()
    return vademecum


@pytest.fixture
def private_vademecum(dbsession):
    """Readable by the Comune (a local Reader grant) and the prefecture, not by others."""
    return fx.build(dbsession, state="private", reader_org=COMUNE)


def publish(testapp, note="", status=303):
    form = testapp.get(PATH + "@@edizioni").forms["edition-publish-form"]
    form["note"] = note
    return form.submit(status=status)


def editions_count(dbsession, vademecum) -> int:
    return dbsession.scalar(
        select(func.count(Edition.id)).where(Edition.vademecum_id == vademecum.id)
    )


def test_prefecture_publishes_and_lists_editions(testapp, login_as, dbsession, vademecum):
    login_as("prefettura")
    response = publish(testapp, "Prima edizione")
    assert response.location.endswith(PATH + "@@edizione?n=1")
    page = response.follow()
    assert "Edizione n. 1" in page.text
    edition = EditionService(dbsession).get(vademecum, 1)
    assert edition.sha256 in page.text
    assert "verificata" in page.text
    for title in fx.approved_titles(dbsession, vademecum):
        assert title in page.text
    publish(testapp)
    listing = testapp.get(PATH + "@@edizioni")
    assert "Edizione n. 2" in listing.text and "Prima edizione" in listing.text
    assert listing.text.index("Edizione n. 2") < listing.text.index("Edizione n. 1")


def test_a_stale_publish_form_gets_a_conflict_not_a_second_edition(
    testapp, login_as, dbsession, vademecum
):
    login_as("admin")
    first = testapp.get(PATH + "@@edizioni").forms["edition-publish-form"]
    second = testapp.get(PATH + "@@edizioni").forms["edition-publish-form"]
    first.submit(status=303)
    conflict = second.submit(status=409)
    assert "Nel frattempo è stata pubblicata l'edizione n. 1" in conflict.text
    assert editions_count(dbsession, vademecum) == 1


def test_publishing_needs_csrf_and_post(testapp, login_as, dbsession, vademecum):
    login_as("prefettura")
    testapp.post(PATH + "@@pubblica-edizione", {"note": "x"}, status=400)
    testapp.get(PATH + "@@pubblica-edizione", status=303)
    assert editions_count(dbsession, vademecum) == 0


@pytest.mark.parametrize("login", ["comune", "mondoaperto"])
def test_partners_read_editions_but_may_not_publish(testapp, login_as, dbsession, vademecum, login):
    EditionService(dbsession).publish(vademecum, fx.user(dbsession, "prefettura"))
    login_as(login)
    page = testapp.get(PATH + "@@edizioni")
    assert "edition-publish-form" not in page.forms
    assert "Edizione n. 1" in page.text
    token = page.html.find("input", attrs={"name": "csrf_token"})["value"]
    testapp.post(PATH + "@@pubblica-edizione", {"csrf_token": token}, status=403)
    testapp.get(PATH + "@@edizione-pubblica?n=1", status=403)
    testapp.post(
        PATH + "@@edizione-pubblica?n=1",
        {"csrf_token": token, "action": "publish"},
        status=403,
    )
    assert editions_count(dbsession, vademecum) == 1
    assert not EditionService(dbsession).get(vademecum, 1).public
    testapp.get(PATH + "@@edizione?n=1", status=200)


def test_visitors_and_non_members_get_nothing(testapp, login_as, dbsession, private_vademecum):
    EditionService(dbsession).publish(private_vademecum, fx.user(dbsession, "prefettura"))
    urls = [
        "@@edizioni",
        "@@edizione?n=1",
        "@@esporta-edizione?n=1&formato=pdf",
        "@@consolidato",
    ]
    for url in urls:
        response = testapp.get(PATH + url, expect_errors=True)
        assert response.status_int in (302, 303, 403, 404), (url, response.status)
        assert b"%PDF" not in response.body
    login_as("mondoaperto")  # a partner the private Vademecum is not shared with
    for url in urls:
        testapp.get(PATH + url, status=(403, 404))
    testapp.reset()
    login_as("comune")  # a member of the organisation it is shared with
    for url in urls:
        testapp.get(PATH + url, status=200)


def test_unknown_edition_and_format_are_404(testapp, login_as, dbsession, vademecum):
    EditionService(dbsession).publish(vademecum, fx.user(dbsession, "prefettura"))
    login_as("comune")
    for url in (
        "@@edizione?n=2",
        "@@edizione?n=x",
        "@@edizione",
        "@@esporta-edizione?n=1&formato=exe",
    ):
        testapp.get(PATH + url, status=404)


def test_exports_download_as_attachments(testapp, login_as, dbsession, vademecum):
    edition = EditionService(dbsession).publish(vademecum, fx.user(dbsession, "prefettura"))
    login_as("comune")
    titles = fx.approved_titles(dbsession, vademecum)
    pdf = testapp.get(PATH + "@@esporta-edizione?n=1&formato=pdf")
    assert pdf.content_type == "application/pdf"
    assert pdf.headers["Content-Disposition"].startswith(
        'attachment; filename="vademecum-edizione-1.pdf"'
    )
    assert pdf.headers["X-Content-Type-Options"] == "nosniff"
    pages = [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.body)).pages]
    assert edition.sha256[:32] in pages[0]
    text = "\n".join(pages[2:])
    positions = [text.index(title) for title in titles]
    assert positions == sorted(positions)
    assert "Introduzione" in text and "Pagina 3" in text
    # The reserved edition keeps the contact persons' details.
    assert fx.samples.PRIVATE_NAME in text

    word = testapp.get(PATH + "@@esporta-edizione?n=1&formato=docx")
    assert word.content_type.startswith("application/vnd.openxmlformats")
    assert "vademecum-edizione-1.docx" in word.headers["Content-Disposition"]
    assert word.headers["X-Content-Type-Options"] == "nosniff"
    document = docx.Document(io.BytesIO(word.body))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert [h for h in headings if h in titles] == titles


def test_compare_two_editions(testapp, login_as, dbsession, vademecum):
    service = EditionService(dbsession)
    service.publish(vademecum, fx.user(dbsession, "prefettura"))
    comune = fx.section_of(dbsession, vademecum)
    comune.competences = "<p>Competenze nuove del Comune.</p>"
    fx.approve(dbsession, comune)
    cgil = fx.section_of(dbsession, vademecum, "CGIL")
    cgil.retired_at = comune.approved_at
    dbsession.flush()
    service.publish(vademecum, fx.user(dbsession, "prefettura"))
    login_as("mondoaperto")
    page = testapp.get(PATH + "@@confronta-edizioni?da=1&a=2")
    assert "Confronto tra l'edizione 1 e l'edizione 2" in page.text
    entries = {
        section.find("h2").contents[0].strip(): section
        for section in page.html.find_all("section", class_="tavolo-vm-change")
    }
    changed = entries[COMUNE]
    assert "modificata" in changed.text
    assert changed.find("ins") is not None and "nuove" in changed.find("ins").text
    removed = entries["CGIL"]
    assert "tolta" in removed.text
    assert set(entries) == {COMUNE, "CGIL"}  # Mondo Aperto's is unchanged: not listed
    # The same page whatever the order; one edition alone is no comparison.
    assert testapp.get(PATH + "@@confronta-edizioni?da=2&a=1").text.count("modificata") >= 1
    testapp.get(PATH + "@@confronta-edizioni?da=1&a=1", status=404)
    testapp.get(PATH + "@@confronta-edizioni?da=1&a=9", status=404)


def test_search_within_an_edition_keeps_its_number(testapp, login_as, dbsession, vademecum):
    service = EditionService(dbsession)
    service.publish(vademecum, fx.user(dbsession, "prefettura"))
    login_as("comune")
    page = testapp.get(PATH + "@@edizione?n=1")
    form = next(f for f in page.forms.values() if "q" in f.fields and "n" in f.fields)
    assert form.method.lower() == "get"
    form["q"] = "mondo aperto"
    found = form.submit()
    articles = found.html.find_all("article", attrs={"data-vm-entry": True})
    assert [a.find("h3").text for a in articles] == ["Coop. Soc. Mondo Aperto"]
    assert "Edizione n. 1" in found.text


def test_a_local_reviewer_of_the_vademecum_may_publish(testapp, login_as, dbsession, vademecum):
    from tavolo.security.models import LocalRole
    from tavolo.security.roles import REVIEWER

    comune = fx.user(dbsession, "comune")
    # Reviewer somewhere else gives nothing here.
    other = fx.section_of(dbsession, vademecum)
    dbsession.add(LocalRole(node_id=other.id, user_id=comune.id, role=REVIEWER))
    dbsession.flush()
    login_as("comune")
    assert "edition-publish-form" not in testapp.get(PATH + "@@edizioni").forms
    dbsession.add(LocalRole(node_id=vademecum.id, user_id=comune.id, role=REVIEWER))
    dbsession.flush()
    publish(testapp, "Dal revisore locale")
    assert EditionService(dbsession).get(vademecum, 1).published_by_name == comune.fullname
