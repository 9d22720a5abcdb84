"""After each transition, the item's page, its folder's listing, the folder's Atom feed and
the file's download agree on who can see it - for a visitor, a partner and a reviewer -
and agree with the state's permission map."""

from __future__ import annotations

import feedparser
import pytest
from sqlalchemy import select

from tavolo.accounts.feed_tokens import FeedTokenService
from tavolo.accounts.models import User
from tavolo.content.services import ContentService
from tavolo.security.policy import RoleCalculator
from tavolo.security.principals import principals_for
from tavolo.security.roles import ANONYMOUS, AUTHENTICATED, REVIEWER, VIEW
from tavolo.workflow.engine import WorkflowEngine
from tavolo.workflow.states import permission_roles
from tests.conftest import client_for, login
from tests.content.helpers import make_file
from tests.files.makers import tiny_pdf

FOLDER = "/prova-flusso/"
ITEM = f"{FOLDER}verbale.pdf/"
TITLE = "Verbale della riunione"
# private -> pending -> internal -> published -> private, and pending -> private by reject.
WALK = (
    ("submit", ""),
    ("publish_internally", ""),
    ("publish", ""),
    ("retract", ""),
    ("submit", ""),
    ("reject", "Manca l'elenco dei presenti."),
)
# What each viewer holds on the item (nothing is shared with the partner).
VIEWERS = {
    "anonymous": frozenset({ANONYMOUS}),
    "comune": frozenset({ANONYMOUS, AUTHENTICATED}),
    "prefettura": frozenset({ANONYMOUS, AUTHENTICATED, REVIEWER}),
}


def _user(dbsession, login_name) -> User:
    return dbsession.scalars(select(User).where(User.login == login_name)).one()


@pytest.fixture
def viewers(wsgi_app, testapp, dbsession):
    """A browser per viewer, and the feed URL each one reads (with a personal token)."""
    clients = {"anonymous": (testapp, "")}
    for name in ("comune", "prefettura"):
        client = client_for(wsgi_app)
        login(client, name)
        token, _row = FeedTokenService(dbsession).create(_user(dbsession, name))
        clients[name] = (client, f"?token={token}")
    return clients


def _sees(client, feed_query, *, anonymous: bool) -> dict[str, bool]:
    page = client.get(ITEM, expect_errors=True)
    if anonymous and page.status_int == 303:
        assert "/login" in page.location
    else:
        assert page.status_int in (200, 403), page.status
    listing = client.get(FOLDER, status=200)
    download = client.get(f"{ITEM}@@download", expect_errors=True)
    feed = client.get(f"{FOLDER}@@atom.xml{feed_query}", status=200)
    entries = {entry.title for entry in feedparser.parse(feed.body).entries}
    return {
        "page": page.status_int == 200,
        "listing": TITLE in listing.text,
        "download": download.status_int == 200,
        "feed": TITLE in entries,
    }


def test_every_channel_agrees_with_the_state_after_each_transition(dbsession, viewers):
    service = ContentService(dbsession)
    service.create(service.root(), "folder", FOLDER.strip("/"), "Prova flusso", state="published")
    admin = _user(dbsession, "admin")
    node = make_file(
        dbsession,
        FOLDER,
        "verbale.pdf",
        TITLE,
        tiny_pdf("Verbale", ["Presenti."]),
        "verbale.pdf",
        "application/pdf",
        owner_id=admin.id,
        state=None,  # the workflow's initial state
    )
    assert node.state == "private"  # where the publication workflow starts

    for transition, comment in (None, ""), *WALK:
        if transition is not None:
            calculator = RoleCalculator(dbsession, principals_for(dbsession, admin))
            WorkflowEngine(dbsession, calculator, admin).take(node, transition, comment)
            dbsession.flush()
        allowed = permission_roles(node.state, VIEW)
        for name, (client, feed_query) in viewers.items():
            expected = bool(VIEWERS[name] & allowed)
            seen = _sees(client, feed_query, anonymous=name == "anonymous")
            assert seen == dict.fromkeys(seen, expected), (transition, node.state, name, seen)
