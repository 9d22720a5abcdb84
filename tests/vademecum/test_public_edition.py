"""The public edition: published to the public area with a confirmation, read and
downloaded by anonymous visitors with contact persons' personal details filtered on the
server, withdrawn with a confirmation."""

from __future__ import annotations

import io

import docx
import pypdf
import pytest

from tavolo.content.models import Node
from tavolo.db import utcnow
from tavolo.vademecum.editions import EditionService
from tests.vademecum import edition_fixtures as fx
from tests.vademecum import edition_samples as samples

PATH = fx.PATH
SECRETS = (samples.PRIVATE_NAME, samples.PRIVATE_PHONE, samples.PRIVATE_EMAIL)
SHOWN = (samples.PUBLIC_NAME, samples.PUBLIC_PHONE, samples.PUBLIC_EMAIL)


@pytest.fixture
def edition(dbsession):
    # Private and shared with the Comune only: the public edition does not depend on who
    # may see the Vademecum itself.
    vademecum = fx.build(dbsession, state="private", reader_org="Comune della Spezia")
    return EditionService(dbsession).publish(vademecum, fx.user(dbsession, "prefettura"))


def make_public(testapp, login_as, number=1):
    login_as("prefettura")
    page = testapp.get(PATH + f"@@edizione-pubblica?n={number}")
    assert "Pubblicare l'edizione n. 1 nell'area pubblica?" in page.text
    page.forms["edition-public-form"].submit("confirm", status=303)
    testapp.reset()


def test_only_public_editions_are_visible_anonymously(testapp, login_as, dbsession, edition):
    testapp.get(f"/vademecum-pubblico/{edition.id}", status=404)
    testapp.get(f"/vademecum-pubblico/{edition.id}/pdf", status=404)
    assert f"/vademecum-pubblico/{edition.id}" not in testapp.get("/vademecum-pubblico").text
    make_public(testapp, login_as)
    page = testapp.get(f"/vademecum-pubblico/{edition.id}")
    assert "Edizione n. 1" in page.text
    assert edition.sha256 in page.text
    index = testapp.get("/vademecum-pubblico")
    assert f"/vademecum-pubblico/{edition.id}" in index.text
    # The reserved pages stay reserved.
    testapp.get(PATH + "@@edizione?n=1", status=(302, 303, 403, 404))
    testapp.get("/vademecum-pubblico/999999", status=404)
    testapp.get(f"/vademecum-pubblico/{edition.id}/pdf/x", status=404)
    testapp.get(f"/vademecum-pubblico/{edition.id}/exe", status=404)


def test_public_page_leaves_out_personal_details_unless_public(testapp, login_as, edition):
    make_public(testapp, login_as)
    page = testapp.get(f"/vademecum-pubblico/{edition.id}")
    for secret in SECRETS:
        assert secret not in page.text
    for shown in SHOWN:
        assert shown in page.text
    assert "Responsabile dello sportello" in page.text
    # Who published it inside the prefecture is not the visitors' business either.
    assert "Laura Bianchi" not in page.text


def test_public_exports_use_the_filtered_data(testapp, login_as, edition):
    make_public(testapp, login_as)
    pdf = testapp.get(f"/vademecum-pubblico/{edition.id}/pdf")
    assert pdf.content_type == "application/pdf"
    assert "attachment;" in pdf.headers["Content-Disposition"]
    assert "vademecum-edizione-1-pubblica.pdf" in pdf.headers["Content-Disposition"]
    assert pdf.headers["X-Content-Type-Options"] == "nosniff"
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.body)).pages)
    word = testapp.get(f"/vademecum-pubblico/{edition.id}/docx")
    assert word.headers["X-Content-Type-Options"] == "nosniff"
    word_text = "\n".join(p.text for p in docx.Document(io.BytesIO(word.body)).paragraphs)
    for content in (text, word_text):
        for secret in SECRETS:
            assert secret not in content
        for shown in SHOWN:
            assert shown in content


def test_unpublishing_needs_a_confirmation(testapp, login_as, dbsession, edition):
    make_public(testapp, login_as)
    login_as("prefettura")
    page = testapp.get(PATH + "@@edizione-pubblica?n=1")
    assert "Ritirare l'edizione n. 1 dall'area pubblica?" in page.text
    page.forms["edition-public-form"].submit("cancel", status=303)
    dbsession.expire_all()
    assert EditionService(dbsession).get_public(edition.id) is not None
    page.forms["edition-public-form"].submit("confirm", status=303)
    testapp.reset()
    testapp.get(f"/vademecum-pubblico/{edition.id}", status=404)
    testapp.get(f"/vademecum-pubblico/{edition.id}/docx", status=404)


def test_public_search_within(testapp, login_as, edition):
    make_public(testapp, login_as)
    page = testapp.get(f"/vademecum-pubblico/{edition.id}?q=mondo aperto")
    articles = page.html.find_all("article", attrs={"data-vm-entry": True})
    assert [a.find("h3").text for a in articles] == ["Coop. Soc. Mondo Aperto"]


def test_a_trashed_vademecum_leaves_the_public_area(testapp, login_as, dbsession, edition):
    make_public(testapp, login_as)
    assert f"/vademecum-pubblico/{edition.id}" in testapp.get("/vademecum-pubblico").text
    vademecum = dbsession.get(Node, edition.vademecum_id)
    vademecum.trashed_at = utcnow()
    dbsession.flush()
    assert f"/vademecum-pubblico/{edition.id}" not in testapp.get("/vademecum-pubblico").text
    testapp.get(f"/vademecum-pubblico/{edition.id}", status=404)
