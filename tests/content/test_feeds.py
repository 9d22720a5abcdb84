"""Atom and iCal feeds: they parse, they hold only what their reader may see."""

from __future__ import annotations

import datetime as dt

import feedparser
import icalendar
import pytest

from tavolo.accounts.feed_tokens import FeedTokenService
from tavolo.db import utcnow
from tests.content.feed_tree import build_tree, user_named

PUBLIC_TITLES = {"Notizia pubblica", "Notizia vecchia", "Evento pubblico", "Giornata di formazione"}
NEVER_PUBLIC = {
    "Notizia interna",
    "Pagina privata",
    "Pagina cestinata",
    "Notizia futura",
    "Evento interno",
    "Notizia nascosta",
    "Notizia riservata",
}


@pytest.fixture
def tree(dbsession):
    return build_tree(dbsession)


def atom(testapp, url, status=200):
    response = testapp.get(url, status=status)
    if status != 200:
        return response, None
    assert response.content_type == "application/atom+xml"
    parsed = feedparser.parse(response.body)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return response, parsed


def ical(testapp, url, status=200):
    response = testapp.get(url, status=status)
    if status != 200:
        return response, None
    assert response.content_type == "text/calendar"
    return response, icalendar.Calendar.from_ical(response.body)


def titles(parsed) -> set[str]:
    return {entry.title for entry in parsed.entries}


def summaries(calendar) -> set[str]:
    return {str(event["SUMMARY"]) for event in calendar.walk("VEVENT")}


def token_for(dbsession, login: str) -> str:
    token, _row = FeedTokenService(dbsession).create(user_named(dbsession, login), "prova")
    dbsession.flush()
    return token


# Atom -------------------------------------------------------------------------------------
def test_folder_feed_parses_and_holds_only_public_items(testapp, tree):
    response, parsed = atom(testapp, "/prova-feed/@@atom.xml")
    assert parsed.version == "atom10"
    assert parsed.feed.title == "Prova feed"
    assert titles(parsed) == PUBLIC_TITLES
    assert not titles(parsed) & NEVER_PUBLIC
    assert response.headers["Cache-Control"] == "public, max-age=300"


def test_news_come_newest_first_with_their_lead_and_body(testapp, tree):
    _response, parsed = atom(testapp, "/prova-feed/@@atom.xml")
    news = [e for e in parsed.entries if e.title.startswith("Notizia")]
    assert [e.title for e in news] == ["Notizia pubblica", "Notizia vecchia"]
    entry = news[0]
    assert entry.link == "http://localhost/prova-feed/notizia-pubblica/"
    assert entry.summary == "Il Consiglio si è riunito."
    assert "<strong>notizia</strong>" in entry.content[0].value
    assert entry.published_parsed[:3] == tree.public_news.effective.timetuple()[:3]
    assert entry.id.startswith("tag:localhost,")


def test_a_logged_in_browser_still_gets_the_public_feed(testapp, login_as, tree):
    login_as("prefettura")
    _response, parsed = atom(testapp, "/prova-feed/@@atom.xml")
    assert titles(parsed) == PUBLIC_TITLES


@pytest.mark.parametrize("path", ["/cartella-privata/", "/cartella-interna/"])
def test_a_folder_the_visitor_cannot_see_has_no_feed(testapp, tree, path):
    atom(testapp, f"{path}@@atom.xml", status=404)
    ical(testapp, f"{path}@@ical", status=404)


def test_a_trashed_folder_has_no_feed(testapp, dbsession, tree):
    tree.folder.trashed_at = utcnow()
    dbsession.flush()
    testapp.get("/prova-feed/@@atom.xml", status=404)


def test_a_token_shows_what_its_owner_may_see(testapp, dbsession, tree):
    token = token_for(dbsession, "comune")
    response, parsed = atom(testapp, f"/prova-feed/@@atom.xml?token={token}")
    assert titles(parsed) == PUBLIC_TITLES | {"Notizia interna", "Evento interno"}
    assert response.headers["Cache-Control"] == "private, no-store"
    _response, parsed = atom(testapp, f"/cartella-interna/@@atom.xml?token={token}")
    assert titles(parsed) == {"Notizia riservata"}
    # Private content stays private, token or not.
    atom(testapp, f"/cartella-privata/@@atom.xml?token={token}", status=404)


def test_a_token_opens_feeds_only_never_pages(testapp, dbsession, tree):
    token = token_for(dbsession, "comune")
    response = testapp.get(f"/cartella-interna/?token={token}", status=303)
    assert "/login" in response.location
    response = testapp.get(f"/prova-feed/notizia-interna/?token={token}", status="*")
    assert response.status_int != 200 and "Notizia interna" not in response.text


def _revoked(dbsession):
    service = FeedTokenService(dbsession)
    user = user_named(dbsession, "comune")
    token, row = service.create(user)
    service.revoke(user, row.id)
    return token


def _disabled(dbsession):
    token = token_for(dbsession, "mondoaperto")
    user_named(dbsession, "mondoaperto").active = False
    dbsession.flush()
    return token


@pytest.mark.parametrize(
    "make_token",
    [_revoked, _disabled, lambda dbsession: "non-una-chiave", lambda dbsession: "x" * 500],
    ids=["revoked", "disabled-account", "bogus", "oversized"],
)
def test_a_dead_token_is_refused(testapp, dbsession, tree, make_token):
    token = make_token(dbsession)
    for url in (
        "/prova-feed/@@atom.xml",
        "/prova-feed/@@ical",
        "/prova-feed/evento-pubblico/@@ical",
    ):
        response = testapp.get(f"{url}?token={token}", status=403)
        assert "Notizia" not in response.text and "Evento" not in response.text


def test_last_used_is_recorded_at_most_once_a_minute(testapp, dbsession, tree):
    service = FeedTokenService(dbsession)
    token, row = service.create(user_named(dbsession, "comune"))
    dbsession.flush()
    assert row.last_used is None
    testapp.get(f"/prova-feed/@@atom.xml?token={token}")
    dbsession.refresh(row)
    first = row.last_used
    assert first is not None and utcnow() - first < dt.timedelta(minutes=1)
    testapp.get(f"/prova-feed/@@atom.xml?token={token}")
    dbsession.refresh(row)
    assert row.last_used == first
    row.last_used = first - dt.timedelta(minutes=2)
    dbsession.flush()
    testapp.get(f"/prova-feed/@@ical?token={token}")
    dbsession.refresh(row)
    assert row.last_used > first - dt.timedelta(minutes=2)


# iCal -------------------------------------------------------------------------------------
def test_folder_calendar_holds_the_public_events(testapp, tree):
    response, calendar = ical(testapp, "/prova-feed/@@ical")
    assert summaries(calendar) == {"Evento pubblico", "Giornata di formazione"}
    assert str(calendar["VERSION"]) == "2.0"
    assert 'filename="prova-feed.ics"' in response.headers["Content-Disposition"]


def test_folder_calendar_with_a_token_adds_the_owners_events(testapp, dbsession, tree):
    token = token_for(dbsession, "comune")
    _response, calendar = ical(testapp, f"/prova-feed/@@ical?token={token}")
    assert summaries(calendar) == {"Evento pubblico", "Giornata di formazione", "Evento interno"}


def test_one_event_as_ical(testapp, tree):
    _response, calendar = ical(testapp, "/prova-feed/evento-pubblico/@@ical")
    (event,) = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Evento pubblico"
    assert event.decoded("DTSTART") == tree.public_event.start
    assert event.decoded("DTEND") == tree.public_event.end
    assert str(event["LOCATION"]) == "Prefettura della Spezia, sala riunioni"
    assert str(event["URL"]) == "http://localhost/prova-feed/evento-pubblico/"
    assert str(event["UID"]) == f"event-{tree.public_event.id}@localhost"
    assert "cti@example.org" in str(event["ORGANIZER"])


def test_a_whole_day_event_is_a_date(testapp, tree):
    _response, calendar = ical(testapp, "/prova-feed/giornata-formazione/@@ical")
    (event,) = calendar.walk("VEVENT")
    start = event.decoded("DTSTART")
    assert isinstance(start, dt.date) and not isinstance(start, dt.datetime)
    assert event.decoded("DTEND") == start + dt.timedelta(days=1)


def test_an_internal_event_has_no_public_ical(testapp, dbsession, tree):
    ical(testapp, "/prova-feed/evento-interno/@@ical", status=404)
    token = token_for(dbsession, "comune")
    _response, calendar = ical(testapp, f"/prova-feed/evento-interno/@@ical?token={token}")
    assert summaries(calendar) == {"Evento interno"}


# discovery --------------------------------------------------------------------------------
def _alternates(page):
    return {link["type"]: link["href"] for link in page.html.find_all("link", rel="alternate")}


def test_a_folder_page_advertises_working_feeds(testapp, tree):
    page = testapp.get("/prova-feed/", status=200)
    links = _alternates(page)
    assert set(links) == {"application/atom+xml", "text/calendar"}
    _response, parsed = atom(testapp, links["application/atom+xml"])
    assert titles(parsed) == PUBLIC_TITLES
    _response, calendar = ical(testapp, links["text/calendar"])
    assert summaries(calendar) == {"Evento pubblico", "Giornata di formazione"}


def test_an_event_page_advertises_its_ical(testapp, tree):
    page = testapp.get("/prova-feed/evento-pubblico/", status=200)
    links = _alternates(page)
    assert links == {"text/calendar": "http://localhost/prova-feed/evento-pubblico/@@ical"}
    ical(testapp, links["text/calendar"])


def test_reserved_folders_advertise_no_anonymous_feed(testapp, login_as, tree):
    login_as("comune")
    page = testapp.get("/cartella-interna/", status=200)
    assert _alternates(page) == {}


def test_a_folder_without_events_advertises_only_atom(testapp, dbsession, tree):
    page = testapp.get("/cartella-privata/", status=303)  # not even reachable anonymously
    assert "/login" in page.location
    tree.private_folder.state = "published"
    dbsession.flush()
    page = testapp.get("/cartella-privata/", status=200)
    assert set(_alternates(page)) == {"application/atom+xml"}
