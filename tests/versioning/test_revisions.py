"""Revisions: written on creation and on every save that changes something, listed,
viewed, reverted to (which never rewrites history), refused to those who may not edit."""

from __future__ import annotations

import hashlib
import json

import pytest
import webtest
from sqlalchemy import select

from tavolo.content.services import ContentService
from tavolo.files.garbage import referenced_hashes
from tavolo.versioning.models import Revision
from tavolo.versioning.service import BASELINE_NOTE, RevisionService, canonical, snapshot_hash
from tests.content.test_editing import TYPE_VALUES, add_through_form, node_at
from tests.files.makers import png_bytes, tiny_pdf

RESERVED = "/area-riservata/"


def revisions(dbsession, node) -> list[Revision]:
    dbsession.expire_all()
    return list(
        dbsession.scalars(
            select(Revision).where(Revision.node_id == node.id).order_by(Revision.number)
        )
    )


def edit(testapp, path, note="", **values):
    form = testapp.get(f"{path}@@edit").forms["deform"]
    for name, value in values.items():
        form[name] = value
    form["change_note"] = note
    return form.submit("save", status=303)


@pytest.fixture
def page(testapp, login_as, dbsession):
    login_as("admin")
    add_through_form(testapp, RESERVED, "page", "Verbale", body="<p>Prima stesura</p>")
    return node_at(dbsession, f"{RESERVED}verbale/")


def test_adding_through_the_form_writes_revision_one(page, dbsession):
    [first] = revisions(dbsession, page)
    assert (first.number, first.author_login, first.note) == (1, "admin", "")
    snapshot = json.loads(first.snapshot)
    assert snapshot["title"] == "Verbale"
    assert snapshot["body"] == "<p>Prima stesura</p>"
    assert snapshot["tags"] == [] and snapshot["related_ids"] == []
    assert first.blob_sha256 is None


def test_each_save_writes_a_revision_with_its_note(page, testapp, dbsession):
    edit(testapp, page.path, "Corretto il titolo", title="Verbale del 3 marzo")
    edit(testapp, page.path, "Etichette", tags="lavoro, minori")
    found = revisions(dbsession, page)
    assert [(r.number, r.note) for r in found] == [
        (1, ""),
        (2, "Corretto il titolo"),
        (3, "Etichette"),
    ]
    assert json.loads(found[1].snapshot)["title"] == "Verbale del 3 marzo"
    assert json.loads(found[2].snapshot)["tags"] == ["lavoro", "minori"]
    # A save that changes nothing writes nothing (the note alone is no change).
    edit(testapp, page.path, "Niente di nuovo")
    assert len(revisions(dbsession, page)) == 3


def test_the_change_note_is_limited(page, testapp, dbsession):
    form = testapp.get(f"{page.path}@@edit").forms["deform"]
    form["title"] = "Altro"
    form["change_note"] = "x" * 501
    form.submit("save", status=200)
    assert len(revisions(dbsession, page)) == 1


def test_the_snapshot_hash_is_canonical_and_stable(page, testapp, dbsession):
    edit(testapp, page.path, title="Verbale è città")
    for revision in revisions(dbsession, page):
        assert revision.sha256 == hashlib.sha256(revision.snapshot.encode("utf-8")).hexdigest()
        assert revision.sha256 == snapshot_hash(json.loads(revision.snapshot))
        assert revision.snapshot == canonical(json.loads(revision.snapshot))
    latest = revisions(dbsession, page)[-1]
    assert "è città" in latest.snapshot  # UTF-8, not \u escapes
    # The same content always hashes the same: recording again finds nothing new.
    assert RevisionService(dbsession).record(node_at(dbsession, page.path)) is None


def test_a_service_save_without_a_request_records_too(dbsession):
    service = ContentService(dbsession)
    node = service.create(service.by_path(RESERVED), "page", "script", "Da script")
    revisions_ = RevisionService(dbsession)
    first = revisions_.record(node)
    assert (first.number, first.author_id, first.author_login) == (1, None, "")
    service.update(node, title="Da script, corretto")
    assert revisions_.record(node, note="x" * 600).note == "x" * 500


# files -----------------------------------------------------------------------------------
def test_an_old_file_stays_downloadable_and_referenced(testapp, login_as, dbsession, blobs):
    login_as("admin")
    old = tiny_pdf("Verbale", ["Prima versione"])
    add_through_form(
        testapp,
        RESERVED,
        "file",
        "Allegato",
        upload=webtest.Upload("verbale.pdf", old, "application/pdf"),
    )
    node = node_at(dbsession, f"{RESERVED}allegato/")
    edit(
        testapp, node.path, "Nuovo file", upload=webtest.Upload("nuovo.txt", b"nuovo", "text/plain")
    )
    first, second = revisions(dbsession, node)
    old_hash = hashlib.sha256(old).hexdigest()
    assert first.blob_sha256 == old_hash == json.loads(first.snapshot)["sha256"]
    assert second.blob_sha256 == hashlib.sha256(b"nuovo").hexdigest()
    assert node_at(dbsession, node.path).sha256 != old_hash
    # Garbage collection keeps the old blob: a revision names it.
    assert old_hash in referenced_hashes(dbsession)

    page = testapp.get(f"{node.path}@@versione?n=1")
    link = page.html.select_one("a.tavolo-version-file")
    response = testapp.get(link["href"], status=200)
    assert response.body == old
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "sandbox"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "verbale.pdf" in response.headers["Content-Disposition"]


def test_a_page_revision_has_no_file(page, testapp):
    testapp.get(f"{page.path}@@versione-file?n=1", status=404)


def test_an_image_revision_keeps_its_size(testapp, login_as, dbsession):
    login_as("admin")
    upload = webtest.Upload("foto.png", png_bytes(8, 4), "image/png")
    add_through_form(testapp, RESERVED, "image", "Foto", upload=upload)
    [first] = revisions(dbsession, node_at(dbsession, f"{RESERVED}foto/"))
    snapshot = json.loads(first.snapshot)
    assert (snapshot["width"], snapshot["height"], snapshot["filename"]) == (8, 4, "foto.png")
    assert first.blob_sha256 == snapshot["sha256"]


# pages -----------------------------------------------------------------------------------
def test_the_list_shows_versions_newest_first(page, testapp):
    edit(testapp, page.path, "Seconda", title="Verbale 2")
    listing = testapp.get(f"{page.path}@@versioni", status=200)
    rows = listing.html.select("table.tavolo-versions tbody tr")
    assert [row.select("td")[0].get_text(strip=True) for row in rows] == ["2", "1"]
    assert "Seconda" in rows[0].get_text()
    assert "Amministratore" in rows[0].get_text() or "admin" in rows[0].get_text()
    first = rows[1].select_one("a")
    assert first["href"].endswith("@@versione?n=1")
    shown = testapp.get(first["href"], status=200)
    assert shown.html.select_one("h1").get_text(strip=True) == "Verbale"
    assert "<p>Prima stesura</p>" in shown.text
    assert shown.html.select_one("a[href$='@@ripristina?n=1']") is not None


def test_the_list_is_paginated(page, testapp, dbsession):
    node = node_at(dbsession, page.path)
    service, revisions_ = ContentService(dbsession), RevisionService(dbsession)
    for number in range(2, 28):
        service.update(node, title=f"Verbale {number}")
        revisions_.record(node)
    dbsession.flush()
    first = testapp.get(f"{page.path}@@versioni")
    assert len(first.html.select("table.tavolo-versions tbody tr")) == 25
    second = testapp.get(f"{page.path}@@versioni?page=2")
    numbers = [r.select("td")[0].get_text(strip=True) for r in second.html.select("tbody tr")]
    assert numbers == ["2", "1"]


def test_the_editor_bar_links_the_versions(page, testapp):
    shown = testapp.get(page.path)
    bar = shown.html.select_one("nav.tavolo-editor-bar")
    assert bar.select_one(f"a[href$='{page.path}@@versioni']") is not None


def test_the_edit_form_asks_for_a_note(page, testapp):
    form = testapp.get(f"{page.path}@@edit").forms["deform"]
    assert form["change_note"].value == ""
    assert "Nota sulla modifica" in testapp.get(f"{page.path}@@edit").text


# revert ----------------------------------------------------------------------------------
def test_revert_writes_a_new_revision_and_keeps_history(page, testapp, dbsession):
    edit(testapp, page.path, "Due", title="Verbale rivisto", tags="lavoro")
    before = [(r.number, r.snapshot, r.sha256, r.note) for r in revisions(dbsession, page)]
    confirm = testapp.get(f"{page.path}@@ripristina?n=1", status=200)
    form = confirm.forms["revert-form"]
    form["note"] = "Il titolo era giusto"
    response = form.submit("revert", status=303)
    assert response.location == f"http://localhost{page.path}?saved=1"
    node = node_at(dbsession, page.path)
    assert (node.title, node.tags, node.body) == ("Verbale", [], "<p>Prima stesura</p>")
    assert node.version == 3
    found = revisions(dbsession, page)
    assert [(r.number, r.snapshot, r.sha256, r.note) for r in found[:2]] == before
    assert found[2].number == 3
    assert found[2].note == "Ripristinata la versione 1: Il titolo era giusto"
    assert found[2].sha256 == found[0].sha256  # the same fields, the same hash
    assert found[2].author_login == "admin"


def test_revert_restores_an_old_file(testapp, login_as, dbsession, blobs):
    login_as("admin")
    old = tiny_pdf("Verbale", ["Prima versione"])
    upload = webtest.Upload("verbale.pdf", old, "application/pdf")
    add_through_form(testapp, RESERVED, "file", "Allegato", upload=upload)
    path = f"{RESERVED}allegato/"
    edit(testapp, path, upload=webtest.Upload("nuovo.txt", b"nuovo", "text/plain"))
    testapp.get(f"{path}@@ripristina?n=1").forms["revert-form"].submit("revert", status=303)
    node = node_at(dbsession, path)
    assert (node.sha256, node.filename, node.size) == (
        hashlib.sha256(old).hexdigest(),
        "verbale.pdf",
        len(old),
    )
    assert testapp.get(f"{path}@@download").body == old
    assert revisions(dbsession, node)[-1].note == "Ripristinata la versione 1"


def test_a_stale_revert_changes_nothing(page, testapp, dbsession):
    edit(testapp, page.path, title="Verbale rivisto")
    form = testapp.get(f"{page.path}@@ripristina?n=1").forms["revert-form"]
    node = node_at(dbsession, page.path)
    ContentService(dbsession).update(node, title="Cambiato da un altro")
    dbsession.flush()
    conflict = form.submit("revert", status=409)
    assert conflict.html.select_one(".tavolo-revert-conflict") is not None
    assert node_at(dbsession, page.path).title == "Cambiato da un altro"
    assert len(revisions(dbsession, page)) == 2


def test_cancelling_a_revert_changes_nothing(page, testapp, dbsession):
    edit(testapp, page.path, title="Verbale rivisto")
    form = testapp.get(f"{page.path}@@ripristina?n=1").forms["revert-form"]
    response = form.submit("cancel", status=303)
    assert response.location.endswith("@@versioni")
    assert node_at(dbsession, page.path).title == "Verbale rivisto"
    assert len(revisions(dbsession, page)) == 2


def test_a_revert_note_is_limited(page, testapp, dbsession):
    form = testapp.get(f"{page.path}@@ripristina?n=1").forms["revert-form"]
    form["note"] = "x" * 501
    shown = form.submit("revert", status=200)
    assert shown.html.select_one(".invalid-feedback") is not None
    assert len(revisions(dbsession, page)) == 1


# refusals --------------------------------------------------------------------------------
def _pages(path):
    return [
        f"{path}@@versioni",
        f"{path}@@versione?n=1",
        f"{path}@@versione-file?n=1",
        f"{path}@@ripristina?n=1",
    ]


@pytest.fixture
def stored_file(testapp, login_as, dbsession):
    login_as("admin")
    upload = webtest.Upload("verbale.pdf", tiny_pdf("Verbale", []), "application/pdf")
    add_through_form(testapp, RESERVED, "file", "Allegato", upload=upload)
    testapp.get("/logout")
    testapp.reset()
    return node_at(dbsession, f"{RESERVED}allegato/")


def test_a_partner_without_edit_rights_is_refused(stored_file, testapp, login_as, dbsession):
    login_as("comune")
    for url in _pages(stored_file.path):
        testapp.get(url, status=403)
    token = testapp.get("/").forms["language-form"]["csrf_token"].value
    testapp.post(
        f"{stored_file.path}@@ripristina?n=1",
        {"csrf_token": token, "expected_version": "1", "revert": "1"},
        status=403,
    )
    assert len(revisions(dbsession, stored_file)) == 1


def test_anonymous_visitors_are_sent_to_login(stored_file, testapp, dbsession):
    for url in _pages(stored_file.path):
        response = testapp.get(url, status=303)
        assert "/login?came_from=" in response.location
    token = testapp.get("/login").forms["login-form"]["csrf_token"].value
    response = testapp.post(
        f"{stored_file.path}@@ripristina?n=1",
        {"csrf_token": token, "expected_version": "1", "revert": "1"},
        status=303,
    )
    assert "/login?came_from=" in response.location
    assert len(revisions(dbsession, stored_file)) == 1


def test_a_revert_without_csrf_token_is_refused(page, testapp, dbsession):
    edit(testapp, page.path, title="Verbale rivisto")
    testapp.post(
        f"{page.path}@@ripristina?n=1", {"expected_version": "2", "revert": "1"}, status=400
    )
    assert node_at(dbsession, page.path).title == "Verbale rivisto"
    assert len(revisions(dbsession, page)) == 2


@pytest.mark.parametrize(
    "query", ["", "?n=", "?n=2", "?n=0", "?n=-1", "?n=abc", "?n=1.0", "?n=%EF%BC%99", "?n=1&n=x"]
)
def test_unknown_or_malformed_numbers_are_not_found(page, testapp, query):
    for view in ("versione", "versione-file", "ripristina"):
        testapp.get(f"{page.path}@@{view}{query}", status=404)


@pytest.mark.parametrize("type_name", sorted(TYPE_VALUES))
def test_every_type_has_a_readable_revision(testapp, login_as, dbsession, type_name):
    login_as("admin")
    add_through_form(testapp, RESERVED, type_name, "Elemento", **TYPE_VALUES[type_name])
    node = node_at(dbsession, f"{RESERVED}elemento/")
    assert len(revisions(dbsession, node)) == 1
    shown = testapp.get(f"{node.path}@@versione?n=1", status=200)
    labels = [dt.get_text(strip=True) for dt in shown.html.select("dl.tavolo-version-fields dt")]
    assert "Lingua" in labels and "Etichette" in labels
    values = shown.html.select_one("dl.tavolo-version-fields").get_text(" ", strip=True)
    assert "Italiano" in values or "italiano" in values
    if type_name == "event":
        assert "2026" in values and "10:00" in values
    if type_name == "legislation":
        assert "Circolare" in values and "2012" in values


def test_a_rename_writes_a_revision_only_for_a_new_title(page, testapp, dbsession):
    form = testapp.get(f"{page.path}@@rename").forms["deform"]
    form["name"] = "verbale-marzo"
    form.submit("save", status=303)
    path = f"{RESERVED}verbale-marzo/"
    assert len(revisions(dbsession, page)) == 1  # the name is not a versioned field
    form = testapp.get(f"{path}@@rename").forms["deform"]
    form["name"] = "verbale-3-marzo"
    form["title"] = "Verbale del 3 marzo"
    form.submit("save", status=303)
    found = revisions(dbsession, page)
    assert [r.number for r in found] == [1, 2]
    assert json.loads(found[1].snapshot)["title"] == "Verbale del 3 marzo"


def test_revert_drops_references_to_what_is_gone(dbsession):
    service = ContentService(dbsession)
    reserved = service.by_path(RESERVED)
    target = service.create(reserved, "page", "altra", "Altra")
    node = service.create(reserved, "page", "con-rimandi", "Con rimandi", related_ids=[target.id])
    revisions_ = RevisionService(dbsession, service)
    first = revisions_.record(node)
    service.update(node, related_ids=[], title="Senza rimandi")
    revisions_.record(node)
    dbsession.delete(target)
    dbsession.flush()
    dbsession.expire_all()
    reverted = revisions_.revert(node, first, note="")
    assert (node.title, node.related_ids) == ("Con rimandi", [])
    assert (reverted.number, reverted.note) == (3, "Ripristinata la versione 1")
    assert json.loads(first.snapshot)["related_ids"] == [target.id]


def test_restoring_from_the_trash_writes_nothing(page, testapp, dbsession):
    form = testapp.get(f"{page.path}@@delete").forms["delete-form"]
    form.submit("delete", status=303)
    trash = testapp.get("/@@trash")
    form = next(f for f in trash.forms.values() if "restore" in f.fields)
    form.submit("restore", status=303)
    assert node_at(dbsession, page.path) is not None
    assert len(revisions(dbsession, page)) == 1


def test_the_fields_are_shown_in_the_order_of_the_form(page, testapp):
    shown = testapp.get(f"{page.path}@@versione?n=1")
    labels = [dt.get_text(strip=True) for dt in shown.html.select("dl.tavolo-version-fields dt")]
    assert labels == [
        "Etichette",
        "Organizzazione responsabile",
        "Data di pubblicazione",
        "Data di scadenza",
        "Lingua",
        "Escludi dalla navigazione",
        "Contenuti correlati",
        "Testo",
    ]


def test_an_item_without_revisions_keeps_how_it_was_before_its_first_edit(
    testapp, login_as, dbsession
):
    """Items made before versioning (or by scripts) have no revision: the first edit
    records the old state first, by nobody, then the edit."""
    node = ContentService(dbsession).by_path("/privacy/")  # demo content: no revision
    assert dbsession.scalars(select(Revision).where(Revision.node_id == node.id)).all() == []
    old_title = node.title
    login_as("admin")
    form = testapp.get("/privacy/@@edit").forms["deform"]
    form["title"] = "Privacy: come trattiamo i dati"
    form.submit("save", status=303)
    dbsession.expire_all()
    revisions = dbsession.scalars(
        select(Revision).where(Revision.node_id == node.id).order_by(Revision.number)
    ).all()
    assert [(r.number, r.author_id, r.note) for r in revisions[:1]] == [(1, None, BASELINE_NOTE)]
    assert json.loads(revisions[0].snapshot)["title"] == old_title
    assert json.loads(revisions[1].snapshot)["title"] == "Privacy: come trattiamo i dati"
