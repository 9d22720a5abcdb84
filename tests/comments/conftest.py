"""An item in the reserved area to discuss (comments are on there, as on the demo site),
and helpers that act through the real web pages."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tavolo.comments.models import Comment
from tavolo.content.services import ContentService
from tests.content.helpers import make, user_id
from tests.notify.conftest import mailbox  # noqa: F401 - the SMTP fixture, reused

FOLDER = "/area-riservata/prova-commenti/"
ITEM = FOLDER + "proposta/"
PASSAGE = "Le parti si impegnano a condividere informazioni"
BODY = (
    "<p>Le parti si impegnano a condividere   informazioni e buone pratiche.</p>"
    "<p>Ogni ente descrive le proprie competenze nel Vademecum.</p>"
)


@pytest.fixture
def item(dbsession):
    """An internal page of the prefecture in an internal folder of the reserved area."""
    make(dbsession, "/area-riservata/", "folder", "prova-commenti", "Prova", state="internal")
    page = make(
        dbsession,
        FOLDER,
        "page",
        "proposta",
        "Proposta di protocollo",
        state="internal",
        description="Una proposta da discutere.",
        body=BODY,
        owner_id=user_id(dbsession, "prefettura"),
    )
    dbsession.flush()
    return page


def token_of(page) -> str:
    return page.html.find("input", attrs={"name": "csrf_token"})["value"]


def comment_form(page):
    for form in page.forms.values():
        if "@@commenta" in (form.action or "") or "@@modifica-commento" in (form.action or ""):
            return form
    raise AssertionError("no comment form on the page")


def post_comment(testapp, path=ITEM, text="Un commento.", quote="", reply_to=None, status=303):
    """Post through the form of the item's page (or of the reply page, ``reply_to``)."""
    url = path if reply_to is None else f"{path}@@commenta?risposta={reply_to}"
    form = comment_form(testapp.get(url))
    form["text"] = text
    if "quote" in form.fields:
        form["quote"] = quote
    return form.submit(status=status)


def comments_of(dbsession, path=ITEM) -> list[Comment]:
    dbsession.expire_all()
    node = ContentService(dbsession).by_path(path)
    return list(
        dbsession.scalars(select(Comment).where(Comment.node_id == node.id).order_by(Comment.id))
    )


def section(page):
    return page.html.select_one("section#commenti")


def shown_texts(page) -> list[str]:
    found = section(page)
    if found is None:
        return []
    return [" ".join(div.get_text(" ").split()) for div in found.select(".tavolo-comment-text")]
