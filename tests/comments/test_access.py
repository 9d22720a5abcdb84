"""Who may read and write comments: logged-in people who may see the item, nobody else -
on every comment URL, whatever the method; every change needs POST and the CSRF token."""

from __future__ import annotations

import datetime as dt

import pytest

from tavolo.comments.service import CommentService
from tavolo.content.services import ContentService
from tavolo.db import utcnow
from tests.comments.conftest import ITEM, comments_of, post_comment, section, token_of
from tests.content.helpers import make, user_id
from tests.notify.conftest import user_named

DEMO_DOCUMENT = "/area-riservata/documenti/bozza-documento-intesa.pdf/"
PRIVATE = "/area-riservata/archivio/"
SECRET = PRIVATE + "riservatissimo/"


def comment_urls(path: str, comment_id: int, writing_only=False) -> list[str]:
    reading = [f"{path}@@commenti", f"{path}@@commento?id={comment_id}"]
    return [
        *([] if writing_only else reading),
        f"{path}@@commenta",
        f"{path}@@commenta?risposta={comment_id}",
        f"{path}@@modifica-commento?id={comment_id}",
        f"{path}@@elimina-commento?id={comment_id}",
        f"{path}@@modera-commento?id={comment_id}",
    ]


@pytest.fixture
def secret(dbsession):
    """A page in the private archive, with a comment by the prefecture."""
    page = make(
        dbsession,
        PRIVATE,
        "page",
        "riservatissimo",
        "Riservatissimo",
        state="private",
        body="<p>Solo per la Prefettura.</p>",
        owner_id=user_id(dbsession, "prefettura"),
    )
    # Comments on in the archive (reserved area: on already).
    comment = CommentService(dbsession).post(
        page, user_named(dbsession, "prefettura"), "Nota interna."
    )
    dbsession.flush()
    return comment


def test_visitors_see_no_comments_on_public_pages(dbsession, testapp):
    make(dbsession, "/", "folder", "pubblica", "Pubblica", state="published")
    page = make(dbsession, "/pubblica/", "page", "pagina", "Pagina", state="published")
    CommentService(dbsession).post(page, user_named(dbsession, "comune"), "Tra partner.")
    dbsession.flush()
    shown = testapp.get("/pubblica/pagina/")
    assert section(shown) is None
    assert "Tra partner." not in shown.text
    # Every comment URL sends a visitor to log in, and writes nothing.
    (comment,) = comments_of(dbsession, "/pubblica/pagina/")
    for url in comment_urls("/pubblica/pagina/", comment.id):
        response = testapp.get(url, status=303)
        assert "/login?came_from=" in response.location
    for url in comment_urls("/pubblica/pagina/", comment.id, writing_only=True):
        testapp.post(url, {"csrf_token": token_of(shown), "text": "x"}, status=303)
    # The reading views answer GET only.
    testapp.post("/pubblica/pagina/@@commenti", {"csrf_token": token_of(shown)}, status=404)
    assert len(comments_of(dbsession, "/pubblica/pagina/")) == 1


def test_visitors_cannot_open_the_reserved_discussion(testapp, dbsession):
    (first, *_rest) = comments_of(dbsession, DEMO_DOCUMENT)
    for url in comment_urls(DEMO_DOCUMENT, first.id):
        assert "/login" in testapp.get(url, status=303).location


def test_who_cannot_see_the_item_gets_403_everywhere(secret, testapp, login_as, dbsession):
    login_as("comune")
    token = token_of(testapp.get("/area-riservata/"))
    testapp.get(SECRET, status=403)
    for url in comment_urls(SECRET, secret.id):
        assert "Nota interna." not in testapp.get(url, status=403).text
    for url in comment_urls(SECRET, secret.id, writing_only=True):
        testapp.post(
            url, {"csrf_token": token, "text": "x", "action": "hide", "reason": "x"}, status=403
        )
    assert [c.text for c in comments_of(dbsession, SECRET)] == ["Nota interna."]
    # Another item's comment id on a page one may see is not found either.
    testapp.get(f"/area-riservata/@@commento?id={secret.id}", status=404)


def test_a_comment_of_another_item_is_not_found(item, secret, testapp, login_as):
    login_as("admin")
    testapp.get(f"{ITEM}@@commento?id={secret.id}", status=404)
    testapp.get(f"{ITEM}@@modera-commento?id={secret.id}", status=404)
    testapp.get(f"{ITEM}@@commento?id=abc", status=404)


def test_an_item_not_yet_in_effect_hides_its_discussion(item, testapp, login_as, dbsession):
    node = ContentService(dbsession).by_path(ITEM)
    node.effective = utcnow() + dt.timedelta(days=3)
    dbsession.flush()
    login_as("comune")
    testapp.get(ITEM, status=403)
    testapp.get(f"{ITEM}@@commenti", status=403)
    testapp.get(f"{ITEM}@@commenta", status=403)


def test_a_trashed_item_has_no_discussion(item, testapp, login_as, dbsession):
    login_as("comune")
    post_comment(testapp, text="Prima del cestino.")
    (comment,) = comments_of(dbsession)
    token = token_of(testapp.get(ITEM))
    node = ContentService(dbsession).by_path(ITEM)
    node.trashed_at = utcnow()
    dbsession.flush()
    for url in comment_urls(ITEM, comment.id):
        testapp.get(url, status=404)
    for url in comment_urls(ITEM, comment.id, writing_only=True):
        testapp.post(url, {"csrf_token": token, "text": "x"}, status=404)


def test_every_change_needs_the_csrf_token(item, testapp, login_as, dbsession):
    login_as("comune")
    post_comment(testapp, text="Con il token.")
    (comment,) = comments_of(dbsession)
    for url, data in (
        (f"{ITEM}@@commenta", {"text": "Senza token."}),
        (f"{ITEM}@@modifica-commento?id={comment.id}", {"text": "Cambiato."}),
        (f"{ITEM}@@elimina-commento?id={comment.id}", {"delete": "1"}),
    ):
        testapp.post(url, data, status=400)
        testapp.post(url, {**data, "csrf_token": "falso"}, status=400)
    (comment,) = comments_of(dbsession)
    assert comment.text == "Con il token." and comment.status == "visible"


def test_get_never_writes(item, testapp, login_as, dbsession):
    login_as("comune")
    post_comment(testapp, text="Intatto.")
    (comment,) = comments_of(dbsession)
    testapp.get(f"{ITEM}@@commenta?text=Da+GET", status=200)
    testapp.get(f"{ITEM}@@modifica-commento?id={comment.id}&text=Da+GET", status=200)
    testapp.get(f"{ITEM}@@elimina-commento?id={comment.id}&delete=1", status=200)
    testapp.post("/logout", {"csrf_token": token_of(testapp.get(ITEM))})
    login_as("prefettura")
    testapp.get(f"{ITEM}@@modera-commento?id={comment.id}&action=hide&reason=x", status=200)
    (comment,) = comments_of(dbsession)
    assert comment.text == "Intatto." and comment.status == "visible"
