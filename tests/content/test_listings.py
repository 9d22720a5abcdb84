"""Listings for visitors, through HTTP: a folder shown as news or as an agenda, the month
calendar and the latest documents - each showing only what the viewer may see."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import event

from tavolo.content import listings
from tavolo.content.services import ContentService
from tavolo.db import utcnow
from tavolo.i18n.dates import SITE_TIMEZONE
from tavolo.i18n.negotiation import LANGUAGE_COOKIE
from tavolo.security.models import LocalRole
from tavolo.security.roles import READER
from tests.content.helpers import at, make, make_file, user_id
from tests.content.test_views_pages import assert_headings_in_order

NEWS = "/notizie/"
EVENTS = "/eventi/"
RESERVED = "/area-riservata/documenti/"
DAY = dt.timedelta(days=1)
PNG = b"\x89PNG\r\n\x1a\n fake"


def titles(page, selector="ul.tavolo-listing > li h3 a") -> list[str]:
    return [a.get_text(strip=True) for a in page.html.select(selector)]


def entry(page, title: str):
    """The ``<li>`` of the listing whose heading is ``title``."""
    for li in page.html.select("ul.tavolo-listing > li"):
        if li.select_one("h3").get_text(strip=True) == title:
            return li
    raise AssertionError(f"{title!r} not listed")


def image(dbsession, parent, name, title, state="published", **kw):
    return make_file(
        dbsession,
        parent,
        name,
        title,
        PNG,
        f"{name}.png",
        "image/png",
        type_name="image",
        state=state,
        **kw,
    )


@contextmanager
def counted_statements(connection):
    """The SQL statements the application runs meanwhile (on the test's connection)."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(connection, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(connection, "before_cursor_execute", record)


# the folder's layout ----------------------------------------------------------------------
def test_an_editor_chooses_a_folders_layout(testapp, login_as):
    login_as("admin")
    form = testapp.get("/normativa/@@edit").forms["deform"]
    options = [value for value, _selected, _text in form["layout"].options]
    assert options == ["listing", "news", "agenda"]
    assert form["layout"].value == "listing"
    form["layout"] = "agenda"
    form.submit("save", status=303)
    page = testapp.get("/normativa/")
    assert page.html.select_one("a[href$='/normativa/@@calendario']")
    assert "Prossimi eventi" in page.text


def test_an_unknown_layout_is_refused(testapp, login_as):
    login_as("admin")
    form = testapp.get("/normativa/@@edit").forms["deform"]
    form["layout"].force_value("griglia")
    page = form.submit("save", status=200)
    assert page.html.select_one(".is-invalid, .invalid-feedback")
    assert testapp.get("/normativa/").html.select_one("ul.tavolo-listing")


# news -------------------------------------------------------------------------------------
def test_news_newest_first_with_dates_summaries_and_images(testapp, dbsession):
    photo = image(dbsession, NEWS, "foto", "La sala", width=640, height=480)
    make(dbsession, NEWS, "news", "marzo", "Notizia di marzo", effective=at(2024, 3, 21, 11))
    make(
        dbsession,
        NEWS,
        "news",
        "maggio",
        "Notizia di maggio",
        description="In breve, maggio.",
        effective=at(2024, 5, 2, 9),
        image_id=photo.id,
    )
    fresh = make(dbsession, NEWS, "news", "oggi", "Notizia di oggi", lead="Il sommario.")
    make(dbsession, NEWS, "event", "evento", "Un evento", start=at(2024, 4, 1), end=at(2024, 4, 1))

    page = testapp.get(NEWS, status=200)
    shown = titles(page)
    assert shown[:3] == ["Notizia di oggi", "Notizia di maggio", "Notizia di marzo"]
    # The demo's news of 2023 follow; what is not news stays out of this layout.
    assert shown[3:] == [
        "Al via il Vademecum degli enti della rete",
        "Riunione del Consiglio del 15 febbraio 2023",
    ]
    assert "Un evento" not in page.text and "La sala" not in shown

    may = entry(page, "Notizia di maggio")
    time = may.select_one(".tavolo-news-date time")
    assert time.get_text(strip=True) == "2 maggio 2024"
    assert time["datetime"] == at(2024, 5, 2, 9).isoformat()
    assert "In breve, maggio." in may.get_text()
    img = may.select_one("img")
    # The listing preview: 640 x 480 shown at 480 x 360.
    assert img["src"].endswith("/notizie/foto/@@image/listing")
    assert img["alt"] == "" and img["width"] == "480" and img["height"] == "360"
    today = entry(page, "Notizia di oggi")
    assert today.select_one("time")["datetime"] == fresh.created.isoformat()
    assert "Il sommario." in today.get_text()  # the lead stands in for a description
    assert today.select_one("img") is None
    assert_headings_in_order(page)


@pytest.mark.parametrize("login", [None, "comune"])
def test_news_images_cost_no_query_each(testapp, dbsession, connection, login_as, login):
    if login:
        login_as(login)

    def add(count, start):
        for number in range(start, start + count):
            photo = image(dbsession, NEWS, f"foto-{number}", f"Foto {number}")
            make(dbsession, NEWS, "news", f"n-{number}", f"Notizia {number}", image_id=photo.id)

    add(1, 0)
    testapp.get(NEWS)  # warm up: templates, the first queries of a new app
    # The demo's news of 15 February 2023 has its own image.
    with counted_statements(connection) as few:
        assert len(testapp.get(NEWS).html.select(".tavolo-news-list img")) == 2
    add(6, 1)
    with counted_statements(connection) as many:
        assert len(testapp.get(NEWS).html.select(".tavolo-news-list img")) == 8
    assert len(many) == len(few)


def test_an_image_the_visitor_may_not_see_is_left_out(testapp, dbsession, login_as):
    inside = image(dbsession, RESERVED, "interna", "Foto interna", state="internal")
    make(dbsession, NEWS, "news", "con-foto", "Notizia con foto interna", image_id=inside.id)
    public = image(dbsession, "/normativa/", "pubblica", "Foto pubblica")
    make(dbsession, NEWS, "news", "altra", "Notizia con foto altrove", image_id=public.id)
    hidden = image(dbsession, NEWS, "bozza", "Foto in bozza", state="private")
    make(dbsession, NEWS, "news", "terza", "Notizia con foto in bozza", image_id=hidden.id)
    page = testapp.get(NEWS)
    assert entry(page, "Notizia con foto interna").select_one("img") is None
    assert entry(page, "Notizia con foto in bozza").select_one("img") is None
    elsewhere = entry(page, "Notizia con foto altrove").select_one("img")
    assert elsewhere["src"].endswith("/normativa/pubblica/@@image")
    login_as("comune")  # partners see the reserved area
    item = entry(testapp.get(NEWS), "Notizia con foto interna")
    assert item.select_one("img")["src"].endswith("/area-riservata/documenti/interna/@@image")


def test_a_trashed_image_is_left_out(testapp, dbsession):
    photo = image(dbsession, NEWS, "cestinata", "Foto nel cestino")
    make(dbsession, NEWS, "news", "con-foto", "Notizia", image_id=photo.id)
    photo.trashed_at = utcnow()
    dbsession.flush()
    assert entry(testapp.get(NEWS), "Notizia").select_one("img") is None


def test_private_and_out_of_date_news_are_not_listed(testapp, dbsession, login_as):
    now = utcnow()
    make(dbsession, NEWS, "news", "bozza", "Bozza privata", state="private")
    make(dbsession, NEWS, "news", "futura", "Notizia futura", effective=now + DAY)
    make(
        dbsession,
        NEWS,
        "news",
        "scaduta",
        "Notizia scaduta",
        effective=now - 3 * DAY,
        expires=now - DAY,
    )
    hidden = {"Bozza privata", "Notizia futura", "Notizia scaduta"}
    assert hidden.isdisjoint(titles(testapp.get(NEWS)))
    login_as("comune")
    assert hidden.isdisjoint(titles(testapp.get(NEWS)))
    testapp.reset()
    login_as("prefettura")  # owner of /notizie/: edits them, so sees them
    assert hidden <= set(titles(testapp.get(NEWS)))


def test_news_are_paginated(testapp, dbsession):
    for number in range(12):
        make(dbsession, NEWS, "news", f"n-{number}", f"Notizia {number:02d}")
    first = testapp.get(NEWS)
    assert len(titles(first)) == 10
    second = first.click(href=r"page=2", index=0)
    assert len(titles(second)) == 4  # 12 new ones and the demo's 2
    assert set(titles(first)).isdisjoint(titles(second))


# the agenda -------------------------------------------------------------------------------
@pytest.fixture
def agenda(dbsession):
    now = utcnow()
    at_hour = lambda day, hour: (now + day * DAY).replace(hour=hour, minute=0)  # noqa: E731
    made = {}
    made["ongoing"] = make(
        dbsession,
        EVENTS,
        "event",
        "in-corso",
        "Convegno in corso",
        start=now - DAY,
        end=now + DAY,
        location="Teatro civico",
    )
    made["soon"] = make(
        dbsession,
        EVENTS,
        "event",
        "presto",
        "Sportello aperto",
        start=at_hour(2, 9),
        end=at_hour(2, 11),
        location="Comune della Spezia",
    )
    made["later"] = make(
        dbsession, EVENTS, "event", "dopo", "Incontro dopo", start=at_hour(5, 9), end=at_hour(5, 10)
    )
    made["past"] = make(
        dbsession,
        EVENTS,
        "event",
        "passato",
        "Incontro passato",
        start=at_hour(-10, 9),
        end=at_hour(-10, 10),
    )
    made["private"] = make(
        dbsession,
        EVENTS,
        "event",
        "privato",
        "Evento privato",
        state="private",
        start=at_hour(3, 9),
        end=at_hour(3, 10),
    )
    return made


def test_agenda_lists_upcoming_events_by_start(testapp, agenda):
    page = testapp.get(EVENTS, status=200)
    assert titles(page) == [
        "Convegno in corso",
        "Sportello aperto",
        "Incontro dopo",
        "Aggiornamento per gli operatori degli sportelli",  # the demo's, in three weeks
    ]
    soon = entry(page, "Sportello aperto")
    assert "Comune della Spezia" in soon.select_one(".tavolo-event-location").get_text()
    when = soon.select_one(".tavolo-event-when time")
    assert when["datetime"] == agenda["soon"].start.isoformat()
    assert "dalle" in when.get_text() and "alle" in when.get_text()
    assert page.html.select_one("a[href$='/eventi/@@calendario']")
    assert_headings_in_order(page)


def test_agenda_past_events_newest_first(testapp, agenda):
    page = testapp.get(EVENTS).click(description="Eventi passati")
    assert urlsplit(page.request.url).query == "passati=1"
    assert titles(page) == [
        "Incontro passato",
        "Riunione del Consiglio Territoriale per l'Immigrazione",  # the demo's, of 2023
    ]
    back = page.html.select_one(".tavolo-agenda-links a[href$='/eventi/']")
    assert back.get_text(strip=True) == "Prossimi eventi"
    assert_headings_in_order(page)


def test_agenda_pages_keep_to_past_events(testapp, dbsession):
    for number in range(21):
        start = at(2020, 1, 1, 9) + number * DAY
        make(
            dbsession,
            EVENTS,
            "event",
            f"e-{number}",
            f"Evento {number:02d}",
            start=start,
            end=start,
        )
    first = testapp.get(EVENTS, {"passati": "1"})
    assert (
        len(titles(first)) == 20
        and titles(first)[0] == "Riunione del Consiglio Territoriale per l'Immigrazione"
    )
    link = first.html.select_one("a.page-link[href*='page=2']")["href"]
    assert parse_qs(urlsplit(link).query) == {"passati": ["1"], "page": ["2"]}
    second = testapp.get(link)
    assert titles(second) == ["Evento 01", "Evento 00"]


def test_agenda_hides_private_events_from_visitors(testapp, agenda, login_as):
    assert "Evento privato" not in titles(testapp.get(EVENTS))
    login_as("prefettura")
    assert "Evento privato" in titles(testapp.get(EVENTS))


# the month calendar -----------------------------------------------------------------------
def cell(page, day: dt.date):
    time = page.html.select_one(f"table.tavolo-calendar time[datetime='{day.isoformat()}']")
    return time.find_parent("td") if time is not None else None


def events_on(page, day: dt.date) -> list[str]:
    found = cell(page, day)
    assert found is not None, day
    return [a.get_text(strip=True) for a in found.select("a")]


def test_calendar_places_an_event_on_each_of_its_days(testapp, dbsession):
    make(
        dbsession,
        EVENTS,
        "event",
        "corso",
        "Corso di tre giorni",
        start=at(2026, 11, 27, 10),
        end=at(2026, 11, 29, 12),
    )
    make(
        dbsession,
        EVENTS,
        "event",
        "serata",
        "Serata fino a mezzanotte",
        start=at(2026, 11, 10, 21),
        end=at(2026, 11, 11, 0),
    )
    make(
        dbsession,
        EVENTS,
        "event",
        "festa",
        "Festa a cavallo del mese",
        start=at(2026, 11, 30),
        end=at(2026, 12, 2),
        whole_day=True,
    )
    page = testapp.get("/eventi/@@calendario", {"mese": "2026-11"}, status=200)
    table = page.html.select_one("table.tavolo-calendar")
    assert table.caption.get_text(strip=True) == "Novembre 2026"
    headers = table.select("thead th[scope=col]")
    assert len(headers) == 7
    assert headers[0].select_one(".visually-hidden").get_text(strip=True) == "lunedì"
    assert headers[0].select_one("[aria-hidden]").get_text(strip=True) == "lun"
    for day in (27, 28, 29):
        assert "Corso di tre giorni" in events_on(page, dt.date(2026, 11, day))
    assert "Corso di tre giorni" not in events_on(page, dt.date(2026, 11, 26))
    assert "Corso di tre giorni" not in events_on(page, dt.date(2026, 11, 30))
    # The start time is shown on the first day only.
    assert "10:00" in cell(page, dt.date(2026, 11, 27)).get_text()
    assert "10:00" not in cell(page, dt.date(2026, 11, 28)).get_text()
    # Ending at midnight is an evening, not two days.
    assert events_on(page, dt.date(2026, 11, 10)) == ["Serata fino a mezzanotte"]
    assert events_on(page, dt.date(2026, 11, 11)) == []
    assert events_on(page, dt.date(2026, 11, 30)) == ["Festa a cavallo del mese"]
    # November 2026 starts on a Sunday: six days of October fill the first week, empty.
    first_week = table.select("tbody tr")[0].select("td")
    assert [td.get_text(strip=True) for td in first_week[:6]] == [""] * 6
    # The month's list repeats the events once each, for small screens and screen readers.
    listed = titles(page, "section ul.tavolo-listing > li h3 a")
    assert listed == ["Serata fino a mezzanotte", "Corso di tre giorni", "Festa a cavallo del mese"]
    assert_headings_in_order(page)

    december = page.click(href=r"mese=2026-12", index=0)
    assert december.html.select_one("table caption").get_text(strip=True) == "Dicembre 2026"
    assert events_on(december, dt.date(2026, 12, 1)) == ["Festa a cavallo del mese"]
    assert events_on(december, dt.date(2026, 12, 2)) == ["Festa a cavallo del mese"]
    assert events_on(december, dt.date(2026, 12, 3)) == []
    back = december.click(href=r"mese=2026-11", index=0)
    assert back.html.select_one("table caption").get_text(strip=True) == "Novembre 2026"


def test_calendar_shows_this_month_with_today_marked(testapp):
    today = dt.datetime.now(SITE_TIMEZONE).date()
    page = testapp.get("/eventi/@@calendario", status=200)
    current = page.html.select("table.tavolo-calendar td[aria-current=date]")
    assert len(current) == 1
    assert current[0].select_one("time")["datetime"] == today.isoformat()
    # No link to "this month" on this month's page.
    assert page.html.select_one(".tavolo-calendar-current") is None


@pytest.mark.parametrize("value", ["2026-13", "2026-1", "novembre", "99999-01", "1200-05", ""])
def test_calendar_takes_a_bad_month_for_this_month(testapp, value):
    today = dt.datetime.now(SITE_TIMEZONE).date()
    page = testapp.get("/eventi/@@calendario", {"mese": value}, status=200)
    today_cell = page.html.select_one("table.tavolo-calendar td[aria-current=date]")
    assert today_cell.select_one("time")["datetime"] == today.isoformat()


def test_calendar_in_english_and_hides_private_events(testapp, dbsession):
    make(
        dbsession,
        EVENTS,
        "event",
        "privato",
        "Evento privato",
        state="private",
        start=at(2026, 11, 5, 9),
        end=at(2026, 11, 5, 10),
    )
    testapp.set_cookie(LANGUAGE_COOKIE, "en")
    page = testapp.get("/eventi/@@calendario", {"mese": "2026-11"})
    assert page.html.select_one("table caption").get_text(strip=True) == "November 2026"
    assert page.html.select_one("thead th .visually-hidden").get_text(strip=True) == "Monday"
    assert events_on(page, dt.date(2026, 11, 5)) == []
    assert "Evento privato" not in page.text


def test_calendar_of_a_private_folder_is_refused_to_visitors(testapp):
    response = testapp.get("/area-riservata/archivio/@@calendario", status=303)
    assert "/login?came_from=" in response.headers["Location"]


# the latest documents ---------------------------------------------------------------------
@pytest.fixture
def documents(dbsession):
    """Recent documents in every situation a listing must get right."""
    now = utcnow()
    made = {}
    # No effective date: dated by its last change, now - the latest of all for a visitor.
    made["public"] = make(dbsession, "/normativa/", "page", "recente", "Pagina recente")
    # A public page in a private folder of the public area: hidden with its folder.
    hidden_folder = make(dbsession, "/", "folder", "cassetto", "Cassetto privato", state="private")
    made["under_private"] = make(
        dbsession,
        hidden_folder.path,
        "page",
        "dentro",
        "Pubblica in cartella privata",
        effective=now,
    )
    made["private"] = make(
        dbsession, "/normativa/", "page", "bozza", "Bozza privata", state="private"
    )
    made["trashed"] = make(dbsession, "/normativa/", "page", "cestinata", "Pagina cestinata")
    made["trashed"].trashed_at = now
    trashed_folder = make(dbsession, "/normativa/", "folder", "vecchia", "Cartella cestinata")
    made["under_trashed"] = make(
        dbsession, trashed_folder.path, "page", "sotto", "Sotto il cestino", effective=now
    )
    trashed_folder.trashed_at = now
    made["future"] = make(
        dbsession, "/normativa/", "page", "futura", "Pagina futura", effective=now + DAY
    )
    made["folder"] = make(
        dbsession, "/normativa/", "folder", "nuova", "Cartella nuova", effective=now
    )
    dbsession.flush()
    return made


NEVER_SHOWN = {"Pagina cestinata", "Sotto il cestino", "Cartella nuova", "Cartella cestinata"}
HIDDEN_FROM_VISITORS = {"Pubblica in cartella privata", "Bozza privata", "Pagina futura"}


def test_latest_documents_for_a_visitor(testapp, documents):
    page = testapp.get("/@@ultimi-documenti", status=200)
    shown = titles(page)
    assert shown[0] == "Pagina recente"
    assert NEVER_SHOWN.isdisjoint(shown) and HIDDEN_FROM_VISITORS.isdisjoint(shown)
    assert "Bozza del documento d'intesa" not in shown  # the reserved area's
    recent = entry(page, "Pagina recente")
    meta = recent.select_one(".tavolo-item-meta")
    assert meta.select_one(".tavolo-item-type").get_text(strip=True) == "Pagina"
    assert meta.select_one("time")["datetime"] == documents["public"].modified.isoformat()
    assert_headings_in_order(page)


def test_latest_documents_for_those_who_may_see_more(testapp, documents, login_as):
    login_as("admin")
    shown = titles(testapp.get("/@@ultimi-documenti"))
    assert set(shown) >= HIDDEN_FROM_VISITORS
    assert NEVER_SHOWN.isdisjoint(shown)
    # The reserved area's documents too.
    assert "Bozza del documento d'intesa" in shown
    # Not the Vademecum's sections (the demo saves fifteen of them): they are read in the
    # Vademecum, and their drafts would bury every document.
    assert "Coop. Soc. Mondo Aperto" not in shown


def test_a_grant_on_the_private_folder_opens_its_documents(testapp, dbsession, documents, login_as):
    login_as("comune")
    assert "Pubblica in cartella privata" not in titles(testapp.get("/@@ultimi-documenti"))
    folder = ContentService(dbsession).by_path("/cassetto/")
    dbsession.add(LocalRole(node_id=folder.id, user_id=user_id(dbsession, "comune"), role=READER))
    dbsession.flush()
    assert "Pubblica in cartella privata" in titles(testapp.get("/@@ultimi-documenti"))


def test_latest_documents_of_a_folder_stay_inside_it(testapp, documents):
    shown = titles(testapp.get("/normativa/@@ultimi-documenti"))
    assert "Pagina recente" in shown
    assert all(title != "Pubblica in cartella privata" for title in shown)
    assert "Il Consiglio" not in shown  # a page outside /normativa/


def test_latest_documents_page_forward_without_repeats(testapp, dbsession):
    base = utcnow() - dt.timedelta(hours=1)
    for number in range(45):
        make(
            dbsession,
            "/normativa/",
            "page",
            f"p-{number}",
            f"Pagina {number:02d}",
            effective=base - number * dt.timedelta(minutes=1),
        )
    seen: list[str] = []
    page = testapp.get("/normativa/@@ultimi-documenti")
    while True:
        seen += titles(page)
        more = page.html.select_one("a[rel=next]")
        if more is None:
            break
        page = testapp.get(more["href"])
        assert page.html.select_one("a[href$='/normativa/@@ultimi-documenti']")  # back to the top
    ours = [title for title in seen if title.startswith("Pagina ")]
    assert ours == [f"Pagina {number:02d}" for number in range(45)]
    assert len(seen) == len(set(seen))


def test_latest_documents_scan_is_bounded(testapp, dbsession, monkeypatch):
    """Many recent items a visitor may not see cost a bounded page, and "more" goes on."""
    now = utcnow()
    hidden_folder = make(dbsession, "/", "folder", "cassetto", "Cassetto privato", state="private")
    for number in range(8):
        make(
            dbsession, hidden_folder.path, "page", f"d-{number}", f"Dentro {number}", effective=now
        )
    make(
        dbsession,
        "/normativa/",
        "page",
        "vecchia",
        "Pagina visibile",
        effective=now - dt.timedelta(milliseconds=1),
    )
    monkeypatch.setattr(listings, "LATEST_SCAN_LIMIT", 5)
    monkeypatch.setattr(listings, "LATEST_BATCH", 3)
    page = testapp.get("/@@ultimi-documenti")
    assert titles(page) == []
    assert "Non ci sono documenti che tu possa vedere." in page.text
    page = testapp.get(page.html.select_one("a[rel=next]")["href"])
    assert titles(page)[:1] == ["Pagina visibile"]


@pytest.mark.parametrize(
    "query", [{"prima": "ieri", "id": "1"}, {"prima": "2024-01-01T00:00:00", "id": "x"}]
)
def test_latest_documents_ignore_a_bad_cursor(testapp, documents, query):
    page = testapp.get("/@@ultimi-documenti", query, status=200)
    assert titles(page)[0] == "Pagina recente"


def test_home_shows_the_five_latest_documents(testapp, documents, dbsession):
    page = testapp.get("/", status=200)
    section = page.html.select_one("section.tavolo-home-latest")
    assert section.select_one("h2").get_text(strip=True) == "Ultimi documenti pubblicati"
    shown = [a.get_text(strip=True) for a in section.select("li h3 a")]
    assert len(shown) == 5 and shown[0] == "Pagina recente"
    assert NEVER_SHOWN.isdisjoint(shown) and HIDDEN_FROM_VISITORS.isdisjoint(shown)
    assert section.select_one("a[href$='/@@ultimi-documenti']")
    assert_headings_in_order(page)
