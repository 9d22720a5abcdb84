"""Discussing an item through the web: comments and replies, quoted passages (anchored,
then detached by an edit, never dropped), editing and deleting by the author, and the
folder and type settings that turn comments on and off."""

from __future__ import annotations

from tavolo.comments.models import DELETED
from tavolo.content.services import ContentService
from tests.comments.conftest import (
    FOLDER,
    ITEM,
    PASSAGE,
    comment_form,
    comments_of,
    post_comment,
    section,
    shown_texts,
    token_of,
)
from tests.content.helpers import make


def test_a_partner_comments_and_another_replies(item, testapp, login_as, dbsession):
    login_as("comune")
    page = testapp.get(ITEM)
    assert section(page).select_one("h2").get_text(strip=True) == "Commenti"
    assert "Non ci sono ancora commenti." in section(page).get_text()
    response = post_comment(testapp, text="Prima riga.\nSeconda riga <b>non HTML</b>.")
    (comment,) = comments_of(dbsession)
    assert response.location.endswith(f"{ITEM}#commento-{comment.id}")
    page = response.follow()
    shown = page.html.select_one(f"#commento-{comment.id}")
    assert "Comune" in shown.select_one(".tavolo-comment-author").get_text() or shown
    text = shown.select_one(".tavolo-comment-text p")
    # Escaped, newlines kept as line breaks: the markup typed is shown as text.
    assert text.select("br") and text.select("b") == []
    assert "<b>non HTML</b>" in text.get_text()

    testapp.post("/logout", {"csrf_token": token_of(page)})
    login_as("prefettura")
    post_comment(testapp, text="Ne parliamo al Tavolo.", reply_to=comment.id)
    first, reply = comments_of(dbsession)
    assert reply.parent_id == first.id
    page = testapp.get(ITEM)
    thread = page.html.select_one(f"#commento-{first.id}").find_parent("li")
    assert thread.select_one(f"#commento-{reply.id}") is not None
    # A reply to a reply joins the same thread (one level deep).
    post_comment(testapp, text="Ancora io.", reply_to=reply.id)
    assert comments_of(dbsession)[-1].parent_id == first.id


def test_an_anchored_comment_shows_its_quote_and_is_detached_after_an_edit(
    item, testapp, login_as, dbsession
):
    login_as("comune")
    # Spaces and line breaks as a browser selection gives them do not matter.
    post_comment(
        testapp,
        text="Quali informazioni?",
        quote="  Le parti si impegnano\n a condividere informazioni ",
    )
    (comment,) = comments_of(dbsession)
    assert comment.quote == PASSAGE
    shown = testapp.get(ITEM).html.select_one(f"#commento-{comment.id}")
    assert shown.select_one("blockquote").get_text(strip=True) == PASSAGE
    assert shown.select_one(".tavolo-detached-note") is None

    # The prefecture rewrites the sentence through the edit form.
    node = ContentService(dbsession).by_path(ITEM)
    ContentService(dbsession).update(node, body="<p>Ogni ente descrive le proprie competenze.</p>")
    dbsession.flush()
    page = testapp.get(ITEM)
    shown = page.html.select_one(f"#commento-{comment.id}")
    assert shown is not None, "a detached comment is still listed"
    assert shown.select_one("blockquote").get_text(strip=True) == PASSAGE
    note = shown.select_one(".tavolo-detached-note").get_text(" ", strip=True)
    assert "Passaggio non più presente nel testo" in note
    assert "Quali informazioni?" in shown_texts(page)[0]


def test_a_quote_that_is_not_in_the_text_is_a_form_error(item, testapp, login_as, dbsession):
    login_as("comune")
    response = post_comment(
        testapp, text="Commento.", quote="Una frase che non c'è nel testo", status=400
    )
    error = response.html.select_one("#comment-quote-error")
    assert "non si trova nel testo attuale" in error.get_text()
    assert error["role"] == "alert"
    # What was typed is kept.
    form = comment_form(response)
    assert form["text"].value == "Commento."
    assert comments_of(dbsession) == []


def test_an_empty_comment_is_a_form_error(item, testapp, login_as, dbsession):
    login_as("comune")
    response = post_comment(testapp, text="   ", status=400)
    assert "Scrivi il testo del commento." in response.html.select_one("#comment-text-error").text
    assert comments_of(dbsession) == []


def test_the_author_edits_until_someone_else_replies(item, testapp, login_as, dbsession):
    login_as("comune")
    post_comment(testapp, text="Prima versione.")
    (comment,) = comments_of(dbsession)
    form = comment_form(testapp.get(f"{ITEM}@@modifica-commento?id={comment.id}"))
    form["text"] = "Seconda versione."
    page = form.submit(status=303).follow()
    shown = page.html.select_one(f"#commento-{comment.id}")
    assert "Seconda versione." in shown.get_text()
    assert "modificato" in shown.select_one(".tavolo-comment-modified").get_text()
    # Another partner may not edit it.
    testapp.post("/logout", {"csrf_token": token_of(page)})
    login_as("mondoaperto")
    testapp.get(f"{ITEM}@@modifica-commento?id={comment.id}", status=403)
    post_comment(testapp, text="Risposta.", reply_to=comment.id)
    testapp.post("/logout", {"csrf_token": token_of(testapp.get(ITEM))})

    login_as("comune")
    page = testapp.get(ITEM)
    assert page.html.select_one(f"#commento-{comment.id} a[href*='modifica-commento']") is None
    refused = testapp.get(f"{ITEM}@@modifica-commento?id={comment.id}", status=409)
    assert "non si può più modificare" in refused.text
    refused = testapp.post(
        f"{ITEM}@@modifica-commento?id={comment.id}",
        {"csrf_token": token_of(page), "text": "Terza versione."},
        status=409,
    )
    assert comments_of(dbsession)[0].text == "Seconda versione."


def test_deleting_without_replies_removes_it_from_the_thread(item, testapp, login_as, dbsession):
    login_as("comune")
    post_comment(testapp, text="Da eliminare.")
    (comment,) = comments_of(dbsession)
    confirm = testapp.get(f"{ITEM}@@elimina-commento?id={comment.id}")
    assert "Il commento sparirà dalla discussione." in confirm.text
    assert comments_of(dbsession)[0].status != DELETED  # the GET only asks
    confirm.forms["comment-delete-form"].submit("delete", status=303)
    (comment,) = comments_of(dbsession)
    assert comment.status == DELETED and comment.text == ""
    page = testapp.get(ITEM)
    assert page.html.select_one(f"#commento-{comment.id}") is None
    assert "Da eliminare." not in page.text


def test_deleting_with_replies_leaves_a_placeholder(item, testapp, login_as, dbsession):
    login_as("comune")
    post_comment(testapp, text="Con risposte.")
    (comment,) = comments_of(dbsession)
    post_comment(testapp, text="Mi rispondo da solo.", reply_to=comment.id)
    confirm = testapp.get(f"{ITEM}@@elimina-commento?id={comment.id}")
    assert "commento eliminato" in confirm.text
    confirm.forms["comment-delete-form"].submit("delete", status=303)
    page = testapp.get(ITEM)
    shown = page.html.select_one(f"#commento-{comment.id}")
    assert "Commento eliminato dal suo autore." in shown.get_text()
    assert "Con risposte." not in page.text
    assert "Mi rispondo da solo." in page.text


def test_only_the_author_deletes(item, testapp, login_as, dbsession):
    login_as("comune")
    post_comment(testapp, text="Mio.")
    (comment,) = comments_of(dbsession)
    page = testapp.get(ITEM)
    testapp.post("/logout", {"csrf_token": token_of(page)})
    login_as("prefettura")  # a reviewer moderates, but does not delete others' words
    page = testapp.get(ITEM)
    testapp.get(f"{ITEM}@@elimina-commento?id={comment.id}", status=403)
    testapp.post(
        f"{ITEM}@@elimina-commento?id={comment.id}", {"csrf_token": token_of(page)}, status=403
    )
    assert comments_of(dbsession)[0].status != DELETED


def test_comments_turned_off_by_a_folder_and_on_again_below(item, testapp, login_as, dbsession):
    login_as("prefettura")  # Editor of the reserved area
    settings = testapp.get(f"{FOLDER}@@impostazioni-commenti")
    form = settings.forms["comment-policy-form"]
    assert form["policy"].value == "inherit"
    assert "Ora, dalla cartella superiore: attivi." in settings.text
    form["policy"] = "disabled"
    form.submit(status=303).follow()
    page = testapp.get(ITEM)
    assert section(page) is None  # no comments yet: nothing to show, no form
    token = token_of(page)
    testapp.post(f"{ITEM}@@commenta", {"csrf_token": token, "text": "Chiuso?"}, status=403)
    testapp.get(f"{ITEM}@@commenta", status=403)
    assert comments_of(dbsession) == []

    # A subfolder turns them on again for its own subtree.
    make(dbsession, FOLDER, "folder", "aperta", "Aperta", state="internal")
    make(dbsession, f"{FOLDER}aperta/", "page", "nota", "Nota", state="internal", body="<p>x</p>")
    form = testapp.get(f"{FOLDER}aperta/@@impostazioni-commenti").forms["comment-policy-form"]
    form["policy"] = "enabled"
    form.submit(status=303)
    post_comment(testapp, path=f"{FOLDER}aperta/nota/", text="Qui sì.")


def test_comments_already_written_stay_visible_when_comments_close(
    item, testapp, login_as, dbsession
):
    login_as("prefettura")
    post_comment(testapp, text="Scritto prima.")
    form = testapp.get(f"{FOLDER}@@impostazioni-commenti").forms["comment-policy-form"]
    form["policy"] = "disabled"
    form.submit(status=303)
    page = testapp.get(ITEM)
    assert "Scritto prima." in page.text
    assert "I commenti su questo elemento sono chiusi." in page.text
    assert page.html.select("form[action$='@@commenta']") == []


def test_types_without_comments_have_none(item, testapp, login_as, dbsession):
    make(dbsession, FOLDER, "link", "sito", "Sito", state="internal", url="https://example.org/")
    make(dbsession, "/", "folder", "pubblica", "Pubblica", state="published")
    make(dbsession, "/pubblica/", "page", "pagina", "Pagina", state="published", body="<p>Ciao</p>")
    login_as("admin")
    # A folder never has a discussion of its own; a link (shown to editors) neither when
    # no folder above turns comments on - and below /pubblica/ nobody did, but pages have
    # them by type.
    assert section(testapp.get(FOLDER)) is None
    assert section(testapp.get("/pubblica/pagina/")) is not None
    make(
        dbsession,
        "/pubblica/",
        "link",
        "altro",
        "Altro",
        state="published",
        url="https://example.org/",
    )
    page = testapp.get("/pubblica/altro/")
    assert section(page) is None
    testapp.post(
        "/pubblica/altro/@@commenta", {"csrf_token": token_of(page), "text": "No"}, status=403
    )


def test_the_settings_page_needs_edit_on_the_folder(item, testapp, login_as):
    testapp.get(f"{FOLDER}@@impostazioni-commenti", status=303)  # visitors log in first
    login_as("comune")
    page = testapp.get(FOLDER)
    testapp.get(f"{FOLDER}@@impostazioni-commenti", status=403)
    testapp.post(
        f"{FOLDER}@@impostazioni-commenti",
        {"csrf_token": token_of(page), "policy": "disabled"},
        status=403,
    )


def test_the_link_of_a_comment_finds_its_page_of_threads(item, testapp, login_as, dbsession):
    login_as("comune")
    for number in range(21):
        post_comment(testapp, text=f"Commento {number}.")
    last = comments_of(dbsession)[-1]
    response = testapp.get(f"{ITEM}@@commento?id={last.id}", status=303)
    assert response.location.endswith(f"{ITEM}?commenti=2#commento-{last.id}")
    page = response.follow()
    assert page.html.select_one(f"#commento-{last.id}") is not None
    assert "Commento 0." not in shown_texts(page)
    assert page.html.select_one("section#commenti nav.pagination-wrapper") is not None
    testapp.get(f"{ITEM}@@commento?id=999999999", status=404)


def test_the_demo_document_has_an_anchored_discussion(testapp, login_as):
    login_as("comune")
    page = testapp.get("/area-riservata/documenti/bozza-documento-intesa.pdf/")
    found = section(page)
    assert found is not None
    assert found.select_one("blockquote").get_text(strip=True) == "da discutere nel Tavolo tecnico"
    assert len(found.select(".tavolo-comment-replies .tavolo-comment")) == 1
