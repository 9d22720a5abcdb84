"""Personal feed tokens: the service, and the @@feed-tokens page."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from tavolo.accounts.feed_tokens import FeedTokenNotFound, FeedTokenService
from tavolo.accounts.models import FeedToken
from tests.content.feed_tree import build_tree, user_named


# the service ------------------------------------------------------------------------------
def test_only_the_hash_is_stored_and_the_token_authenticates(dbsession):
    service = FeedTokenService(dbsession)
    user = user_named(dbsession, "comune")
    token, row = service.create(user, "  lettore dell'ufficio  ")
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {row.token_hash, row.label}
    assert row.label == "lettore dell'ufficio"
    found_row, found_user = service.authenticate(token)
    assert found_row.id == row.id and found_user.id == user.id
    assert service.authenticate("non-una-chiave") is None
    assert service.authenticate("") is None


def test_revoked_tokens_and_disabled_accounts_open_nothing(dbsession):
    service = FeedTokenService(dbsession)
    user = user_named(dbsession, "comune")
    revoked, row = service.create(user)
    service.revoke(user, row.id)
    assert row.revoked is not None
    assert service.authenticate(revoked) is None
    live, _row = service.create(user)
    assert service.authenticate(live) is not None
    user.active = False
    dbsession.flush()
    assert service.authenticate(live) is None


def test_nobody_revokes_someone_elses_token(dbsession):
    service = FeedTokenService(dbsession)
    owner = user_named(dbsession, "comune")
    token, row = service.create(owner)
    with pytest.raises(FeedTokenNotFound):
        service.revoke(user_named(dbsession, "mondoaperto"), row.id)
    assert row.revoked is None
    assert service.authenticate(token) is not None


# the page -----------------------------------------------------------------------------------
def _csrf(page) -> str:
    return page.html.find("input", attrs={"name": "csrf_token"})["value"]


def _tokens(dbsession, login):
    user = user_named(dbsession, login)
    dbsession.expire_all()
    return list(dbsession.scalars(select(FeedToken).where(FeedToken.user_id == user.id)))


def test_visitors_are_sent_to_login(testapp):
    response = testapp.get("/@@feed-tokens", status=303)
    assert "/login?came_from=%2F%40%40feed-tokens" in response.location


def test_the_page_lives_on_the_root_only(testapp, login_as):
    login_as("comune")
    testapp.get("/area-riservata/@@feed-tokens", status=404)


def test_create_shows_the_token_once_and_it_opens_the_owners_feeds(testapp, login_as, dbsession):
    tree = build_tree(dbsession)
    login_as("comune")
    page = testapp.get("/@@feed-tokens", status=200)
    assert "Non hai ancora creato chiavi" in page.text
    form = page.forms["feed-token-form"]
    form["label"] = "Thunderbird"
    created = form.submit(status=200)
    token = created.html.select_one("code.tavolo-feed-token").text
    assert f"http://localhost/@@atom.xml?token={token}" in created.text
    (row,) = _tokens(dbsession, "comune")
    assert row.label == "Thunderbird"
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    # Never shown again.
    listing = testapp.get("/@@feed-tokens", status=200)
    assert token not in listing.text and "Thunderbird" in listing.text
    # The token works in a feed reader, which has no login cookie.
    testapp.reset()
    feed = testapp.get(f"/prova-feed/@@atom.xml?token={token}", status=200)
    assert "Notizia interna" in feed.text
    assert tree.internal_news.title in feed.text


def test_create_needs_the_csrf_token(testapp, login_as, dbsession):
    login_as("comune")
    testapp.post("/@@feed-tokens", {"action": "create", "label": "x"}, status=400)
    assert _tokens(dbsession, "comune") == []


def test_revoke_own_token(testapp, login_as, dbsession):
    token, row = FeedTokenService(dbsession).create(user_named(dbsession, "comune"), "vecchia")
    dbsession.flush()
    login_as("comune")
    page = testapp.get("/@@feed-tokens", status=200)
    testapp.post(
        "/@@feed-tokens",
        {"action": "revoke", "token_id": str(row.id), "csrf_token": _csrf(page)},
        status=303,
    )
    (stored,) = _tokens(dbsession, "comune")
    assert stored.revoked is not None
    assert "revocata il" in testapp.get("/@@feed-tokens").text
    testapp.reset()
    testapp.get(f"/@@atom.xml?token={token}", status=403)


def test_revoke_needs_the_csrf_token(testapp, login_as, dbsession):
    _token, row = FeedTokenService(dbsession).create(user_named(dbsession, "comune"))
    dbsession.flush()
    login_as("comune")
    testapp.post("/@@feed-tokens", {"action": "revoke", "token_id": str(row.id)}, status=400)
    (stored,) = _tokens(dbsession, "comune")
    assert stored.revoked is None


@pytest.mark.parametrize("token_id", ["other", "9999999", "abc"])
def test_revoking_someone_elses_or_no_token_is_not_found(testapp, login_as, dbsession, token_id):
    token, row = FeedTokenService(dbsession).create(user_named(dbsession, "mondoaperto"))
    dbsession.flush()
    login_as("comune")
    page = testapp.get("/@@feed-tokens", status=200)
    assert "mondoaperto" not in page.text
    value = str(row.id) if token_id == "other" else token_id
    testapp.post(
        "/@@feed-tokens",
        {"action": "revoke", "token_id": value, "csrf_token": _csrf(page)},
        status=404,
    )
    (stored,) = _tokens(dbsession, "mondoaperto")
    assert stored.revoked is None
    assert FeedTokenService(dbsession).authenticate(token) is not None
