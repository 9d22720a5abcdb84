"""The contract with editions, exports and search (``tavolo.vademecum.snapshot``), and the
generic tools that sections share with every item (versions, comparison, chapters)."""

from __future__ import annotations

import json

from tavolo.vademecum.snapshot import (
    SECTION_FIELDS,
    approved_content,
    consolidated,
    section_content,
)
from tests.vademecum.helpers import COMUNE, CPI, ISA, csrf, reload, section, take, url, vademecum

SECTION_KEYS = {
    "node_id",
    "organisation",
    "revision",
    "title",
    "competences",
    "network_role",
    "services",
    "offices",
    "contacts",
    "contact_person",
    "languages",
    "documents",
    "last_checked",
    "approved_at",
    "approved_by",
}


def test_consolidated_has_the_agreed_shape(dbsession):
    guide = consolidated(dbsession, vademecum(dbsession))
    json.dumps(guide)  # serialisable as it is
    assert set(guide) == {"vademecum", "chapters", "sections"}
    assert set(guide["vademecum"]) == {"id", "title", "path"}
    assert set(guide["chapters"][0]) == {"node_id", "key", "title", "body", "position"}
    # Only approved sections: the Comune and the Centro per l'Impiego in the demo.
    names = [s["organisation"]["name"] for s in guide["sections"]]
    assert COMUNE in names and ISA not in names
    for entry in guide["sections"]:
        assert set(entry) == SECTION_KEYS
        assert set(entry["organisation"]) == {"id", "name", "kind"}
        assert set(entry["contacts"]) == {"phone", "email", "pec", "website"}
        assert set(entry["contact_person"]) == {"name", "role", "phone", "email", "public"}
        for service in entry["services"]:
            assert set(service) == {"name", "description", "eligibility", "access", "documents"}
        assert entry["approved_by"] == "Laura Bianchi"
    cpi = section(dbsession, CPI)
    [entry] = [s for s in guide["sections"] if s["node_id"] == cpi.id]
    assert entry["languages"] == approved_content(cpi)["languages"] != cpi.languages
    assert entry["revision"] == cpi.approved_revision


def test_drafts_can_be_included_for_a_reader_who_sees_them(dbsession):
    cpi = section(dbsession, CPI)
    guide = consolidated(dbsession, vademecum(dbsession), include_drafts_for=lambda s: True)
    [entry] = [s for s in guide["sections"] if s["node_id"] == cpi.id]
    assert entry["languages"] == cpi.languages
    assert ISA in [s["organisation"]["name"] for s in guide["sections"]]


def test_section_content_has_no_approval_keys(dbsession):
    content = section_content(section(dbsession, COMUNE))
    assert set(content) == SECTION_KEYS - {"revision", "approved_at", "approved_by"}
    assert set(SECTION_FIELDS) <= set(content)


def test_versions_and_comparison_work_for_sections(testapp, login_as, dbsession):
    node = section(dbsession, COMUNE)
    login_as("comune")
    form = testapp.get(url(node, "edit")).forms["deform"]
    form.set("phone", "+39 0187 999 999", index=0)
    form["languages"] = "Italiano e spagnolo."
    form.submit("save", status=303)
    testapp.get(url(node, "versioni"))
    latest = dbsession.execute(
        __import__("sqlalchemy").text("SELECT max(number) FROM revisions WHERE node_id = :i"),
        {"i": node.id},
    ).scalar()
    page = testapp.get(url(node, "confronta") + f"?da={latest - 1}&a={latest}")
    assert "spagnolo" in page.text


def test_a_reviewer_edits_the_common_chapters(testapp, login_as, dbsession):
    from tavolo.vademecum.structure import chapter_of

    chapter = chapter_of(dbsession, vademecum(dbsession), "glossario")
    login_as("prefettura")
    form = testapp.get(url(chapter, "edit")).forms["deform"]
    form["body"] = "<p>Glossario rivisto.</p>"
    form.submit("save", status=303)
    assert "rivisto" in reload(dbsession, chapter).body
    testapp.get("/logout")
    login_as("comune")
    testapp.get(url(chapter, "edit"), status=403)
    assert "rivisto" in testapp.get(url(chapter)).text


def test_a_vademecum_added_with_the_form_gets_its_chapters(testapp, login_as, dbsession):
    login_as("admin")
    form = testapp.get("/area-riservata/@@add?type=vademecum").forms["deform"]
    form["title"] = "Vademecum di prova"
    done = form.submit("save", status=303)
    page = testapp.get(done.location)
    assert "Glossario" in page.text
    token = csrf(testapp)
    path = done.location.split("localhost", 1)[1].split("?")[0]
    testapp.post(f"{path}@@crea-sezioni", {"csrf_token": token}, status=303)
    assert COMUNE in testapp.get(f"{path}@@struttura").text


def test_reverting_an_approved_section_starts_a_new_draft(testapp, login_as, dbsession):
    node = section(dbsession, COMUNE)
    assert node.state == "approved"
    login_as("comune")
    form = testapp.get(url(node, "edit")).forms["deform"]
    form["languages"] = "Solo italiano."
    form.submit("save", status=303)
    take(testapp, node, "submit")
    testapp.get("/logout")
    login_as("prefettura")
    take(testapp, node, "approve")
    testapp.get("/logout")
    node = reload(dbsession, node)
    assert node.state == "approved" and node.languages == "Solo italiano."
    login_as("comune")
    previous = node.approved_revision - 1  # before "Solo italiano."
    testapp.get(url(node, "ripristina") + f"?n={previous}").forms["revert-form"].submit(status=303)
    node = reload(dbsession, node)
    assert node.state == "draft"
    assert approved_content(node)["languages"] == "Solo italiano."


def test_useful_documents_are_files_inside_the_section(testapp, login_as, dbsession):
    import webtest

    from tavolo.scripts.demo_site import tiny_pdf

    node = section(dbsession, COMUNE)
    login_as("comune")
    form = testapp.get(url(node, "add") + "?type=file").forms["deform"]
    form["title"] = "Modulo di iscrizione anagrafica"
    form["upload"] = webtest.Upload("modulo.pdf", tiny_pdf("Modulo", ["Dati"]), "application/pdf")
    form.submit("save", status=303)
    [doc] = section_content(reload(dbsession, node))["documents"]
    assert (doc["title"], doc["filename"]) == ("Modulo di iscrizione anagrafica", "modulo.pdf")
    # Like the draft it belongs to, it is the organisation's and the prefecture's only...
    from tavolo.content.models import File

    path = dbsession.get(File, doc["node_id"]).path
    testapp.get("/logout")
    login_as("mondoaperto")
    testapp.get(path, status=403)
    # ...until the prefecture approves the section, which releases it to the network.
    testapp.get("/logout")
    login_as("comune")
    take(testapp, node, "submit")
    testapp.get("/logout")
    login_as("prefettura")
    take(testapp, node, "approve")
    testapp.get("/logout")
    login_as("mondoaperto")
    assert "Modulo di iscrizione anagrafica" in testapp.get(path).text
    assert "Modulo di iscrizione anagrafica" in testapp.get(url(node)).text
    testapp.get(f"{path}@@edit", status=403)
