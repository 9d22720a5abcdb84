"""The display pages of every type, seen through HTTP by visitors, partners and editors."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from tavolo.i18n.negotiation import LANGUAGE_COOKIE
from tests.content.helpers import at, make, make_file, relate, user_id

NEWS = "/notizie/"
RESERVED = "/area-riservata/documenti/"
# A folder shown as the plain listing (/notizie/ is shown as news: see test_listings).
LISTING = "/normativa/"


def main_text(page) -> str:
    return page.html.select_one("#main-container").get_text(" ", strip=True)


def headings(page) -> list[int]:
    return [
        int(h.name[1])
        for h in page.html.select(
            "#main-container h1, #main-container h2, #main-container h3, #main-container h4"
        )
    ]


def assert_headings_in_order(page):
    levels = headings(page)
    assert levels and levels[0] == 1 and levels.count(1) == 1
    for previous, current in itertools.pairwise(levels):
        assert current <= previous + 1, levels


def assert_last_update(page, node):
    modified = page.html.select_one(".tavolo-modified time")
    assert modified is not None and "Ultimo aggiornamento" in page.text
    assert modified["datetime"] == node.modified.isoformat()


# links ---------------------------------------------------------------------------------
def test_visitors_are_sent_to_a_web_link(testapp, dbsession):
    make(
        dbsession, NEWS, "link", "portale", "Portale integrazione", url="https://example.org/p?a=1"
    )
    response = testapp.get("/notizie/portale/", status=302)
    assert response.headers["Location"] == "https://example.org/p?a=1"


def test_editors_see_the_link_page(testapp, dbsession, login_as):
    link = make(
        dbsession, NEWS, "link", "portale", "Portale integrazione", url="https://example.org/"
    )
    login_as("prefettura")  # owner of /notizie/
    page = testapp.get("/notizie/portale/", status=200)
    anchor = page.html.select_one("#main-container article a[href='https://example.org/']")
    assert anchor is not None and "noopener" in anchor["rel"]
    assert_last_update(page, link)
    assert_headings_in_order(page)


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "mailto:segreteria@example.it", "//evil.example/", "data:text/html,x"],
)
def test_links_elsewhere_than_the_web_are_never_followed(testapp, dbsession, url):
    make(dbsession, NEWS, "link", "altro", "Altro indirizzo", url=url)
    page = testapp.get("/notizie/altro/", status=200)
    assert "Location" not in page.headers
    assert not page.html.select(f"#main-container a[href='{url}']")


def test_a_reserved_link_sends_visitors_to_login(testapp, dbsession):
    make(
        dbsession,
        RESERVED,
        "link",
        "interno",
        "Collegamento interno",
        state="internal",
        url="https://example.org/",
    )
    response = testapp.get("/area-riservata/documenti/interno/", status=303)
    assert "/login?came_from=" in response.headers["Location"]


# news ----------------------------------------------------------------------------------
def test_news_item_shows_date_lead_image_body_tags_and_related(testapp, dbsession):
    image = make_file(
        dbsession,
        NEWS,
        "foto",
        "La sala riunioni",
        b"\x89PNG fake",
        "sala.png",
        "image/png",
        type_name="image",
        width=640,
        height=480,
    )
    page_node = make(dbsession, "/", "page", "approfondimento", "Approfondimento")
    hidden = make(dbsession, RESERVED, "page", "bozza", "Bozza riservata", state="private")
    news = make(
        dbsession,
        NEWS,
        "news",
        "notizia",
        "Riunione del Tavolo",
        lead="In breve: si è deciso.",
        body="<p>Il <strong>testo</strong> completo.</p>",
        image_id=image.id,
        effective=at(2023, 2, 15, 10),
        tags=["rete", "Vademecum"],
    )
    relate(dbsession, news, hidden, page_node)

    page = testapp.get("/notizie/notizia/", status=200)
    article = page.html.select_one("#main-container article")
    date = article.select_one(".tavolo-news-date time")
    assert date.get_text(strip=True) == "15 febbraio 2023"
    assert date["datetime"] == at(2023, 2, 15, 10).isoformat()
    assert "In breve: si è deciso." in article.get_text()
    assert article.select_one(".tavolo-body strong").get_text() == "testo"
    img = article.select_one("img")
    assert img["src"].endswith("/notizie/foto/@@image/listing")
    assert img["alt"] == "La sala riunioni"
    tags = [t.get_text(strip=True) for t in page.html.select(".tavolo-tags li")]
    assert tags == ["Vademecum", "rete"]
    related = [a.get_text(strip=True) for a in page.html.select(".tavolo-related a")]
    assert related == ["Approfondimento"]  # the private draft is left out
    assert "Bozza riservata" not in page.text
    assert_last_update(page, news)
    assert_headings_in_order(page)


def test_news_without_effective_date_shows_its_creation_and_hides_an_unseen_image(
    testapp, dbsession
):
    image = make_file(
        dbsession,
        RESERVED,
        "foto",
        "Foto interna",
        b"GIF89a",
        "f.gif",
        "image/gif",
        type_name="image",
        state="internal",
    )
    news = make(dbsession, NEWS, "news", "senza-data", "Notizia senza data", image_id=image.id)
    page = testapp.get("/notizie/senza-data/", status=200)
    date = page.html.select_one(".tavolo-news-date time")
    assert date["datetime"] == news.created.isoformat()
    assert page.html.select_one("#main-container article img") is None


def test_folder_listing_shows_types_and_dates(testapp, dbsession):
    make(
        dbsession, LISTING, "news", "una-notizia", "Una notizia", effective=at(2024, 3, 21, 11, 17)
    )
    make(
        dbsession,
        LISTING,
        "event",
        "un-evento",
        "Un evento",
        start=at(2024, 4, 9, 10),
        end=at(2024, 4, 9, 12),
    )
    make(
        dbsession,
        LISTING,
        "question",
        "una-domanda",
        "Una domanda",
        question="Come?",
        answer="<p>Così.</p>",
    )
    page = testapp.get(LISTING, status=200)
    items = {
        li.select_one("h3 a").get_text(strip=True): li.select_one(".tavolo-item-meta")
        for li in page.html.select("ul.tavolo-listing > li")
    }
    assert items["Una notizia"].get_text(" ", strip=True) == "Notizia — 21 marzo 2024"
    assert items["Una notizia"].select_one("time")["datetime"].startswith("2024-03-21T10:17")
    assert "Evento" in items["Un evento"].get_text()
    assert "martedì 9 aprile 2024, dalle 10:00 alle 12:00" in items["Un evento"].get_text()
    assert items["Una domanda"].get_text(strip=True) == "Domanda e risposta"


def test_folder_listing_type_names_in_english(testapp, dbsession):
    make(
        dbsession, LISTING, "news", "una-notizia", "Una notizia", effective=at(2024, 3, 21, 11, 17)
    )
    testapp.set_cookie(LANGUAGE_COOKIE, "en")
    page = testapp.get(LISTING, status=200)
    assert page.html.html["lang"] == "en"
    meta = next(
        li.select_one(".tavolo-item-meta").get_text(" ", strip=True)
        for li in page.html.select("ul.tavolo-listing > li")
        if li.select_one("h3").get_text(strip=True) == "Una notizia"
    )
    assert meta == "News item — 21 March 2024"


# events --------------------------------------------------------------------------------
def test_event_on_one_day(testapp, dbsession):
    event = make(
        dbsession,
        NEWS,
        "event",
        "tavolo-tecnico",
        "Tavolo tecnico",
        start=at(2024, 3, 21, 10),
        end=at(2024, 3, 21, 12),
        location="Prefettura, sala A",
        organiser="Prefettura della Spezia",
        contact_name="Laura Bianchi",
        contact_email="segreteria@example.it",
        contact_phone="+39 0187 123 456",
        body="<p>Ordine del giorno.</p>",
    )
    page = testapp.get("/notizie/tavolo-tecnico/", status=200)
    when = page.html.select_one("article .tavolo-event-when time")
    assert when.get_text(strip=True) == "giovedì 21 marzo 2024, dalle 10:00 alle 12:00"
    assert when["datetime"] == at(2024, 3, 21, 10).isoformat()
    details = page.html.select_one(".tavolo-event-details")
    assert "Prefettura, sala A" in details.get_text()
    assert "Prefettura della Spezia" in details.get_text()
    assert details.select_one("a[href='mailto:segreteria@example.it']")
    assert details.select_one("a[href='tel:+390187123456']").get_text() == "+39 0187 123 456"
    assert "Ordine del giorno." in page.text
    assert_last_update(page, event)
    assert_headings_in_order(page)


def test_event_over_several_days_and_whole_days(testapp, dbsession):
    make(
        dbsession,
        NEWS,
        "event",
        "corso",
        "Corso",
        start=at(2024, 3, 21, 9),
        end=at(2024, 3, 22, 13),
    )
    make(
        dbsession,
        NEWS,
        "event",
        "giornata",
        "Giornata",
        start=at(2024, 3, 21),
        end=at(2024, 3, 21),
        whole_day=True,
    )
    make(
        dbsession,
        NEWS,
        "event",
        "festival",
        "Festival",
        start=at(2024, 3, 21),
        end=at(2024, 3, 23),
        whole_day=True,
    )
    text = (
        testapp.get("/notizie/corso/")
        .html.select_one("article .tavolo-event-when")
        .get_text(strip=True)
    )
    assert text == "dal giovedì 21 marzo 2024, ore 09:00 al venerdì 22 marzo 2024, ore 13:00"
    day = testapp.get("/notizie/giornata/").html.select_one("article .tavolo-event-when time")
    assert day.get_text(strip=True) == "giovedì 21 marzo 2024" and day["datetime"] == "2024-03-21"
    text = (
        testapp.get("/notizie/festival/")
        .html.select_one("article .tavolo-event-when")
        .get_text(strip=True)
    )
    assert text == "dal 21 marzo 2024 al 23 marzo 2024"


# legislation ---------------------------------------------------------------------------
URN = (
    "urn:nir:ministero.interno;dipartimento.liberta.civili.immigrazione;"
    "direzione.centrale.politiche.immigrazione.asilo:circolare:2012-04-16;2649"
)


def test_legislation_with_urn_official_text_and_visible_attachments(testapp, dbsession):
    act = make(
        dbsession,
        "/normativa/",
        "legislation",
        "circolare-2649",
        "Circolare n. 2649",
        act_type="circolare",
        number="2649",
        act_date=dt.date(2012, 4, 16),
        issuing_body="Ministero dell'Interno",
        urn=URN,
        official_url="https://www.interno.gov.it/circolare-2649",
        body="<p>Il portale.</p>",
    )
    path = "/normativa/circolare-2649/"
    make_file(
        dbsession,
        path,
        "testo.pdf",
        "Testo della circolare",
        b"%PDF-1.4",
        "testo.pdf",
        "application/pdf",
    )
    make_file(
        dbsession,
        path,
        "nota.pdf",
        "Nota interna",
        b"%PDF-1.4 n",
        "nota.pdf",
        "application/pdf",
        state="private",
    )
    page = testapp.get(path, status=200)
    facts = page.html.select_one("dl.tavolo-legislation").get_text(" ", strip=True)
    assert "Circolare" in facts and "2649" in facts and "Ministero dell'Interno" in facts
    assert page.html.select_one("dl.tavolo-legislation time")["datetime"] == "2012-04-16"
    assert "16 aprile 2012" in facts
    assert page.html.select_one("code.tavolo-urn").get_text() == URN
    official = page.html.select_one("a[href='https://www.interno.gov.it/circolare-2649']")
    assert "noopener" in official["rel"]
    attachments = [
        a.get_text(strip=True) for a in page.html.select(".tavolo-attachments li > a:first-child")
    ]
    assert attachments == ["Testo della circolare"]
    assert page.html.select_one(".tavolo-attachments a[href$='/testo.pdf/@@download']")
    assert "Nota interna" not in page.text
    assert_last_update(page, act)
    assert_headings_in_order(page)


def test_legislation_hides_an_official_url_that_is_not_web(testapp, dbsession):
    make(
        dbsession,
        "/normativa/",
        "legislation",
        "atto",
        "Atto",
        act_type="legge",
        official_url="javascript:alert(1)",
    )
    page = testapp.get("/normativa/atto/", status=200)
    assert "javascript:" not in page.text


# questions -----------------------------------------------------------------------------
def test_question_and_answer(testapp, dbsession):
    question = make(
        dbsession,
        NEWS,
        "question",
        "permesso",
        "Rinnovo del permesso",
        question="Dove si rinnova il permesso?\n\nE con quali documenti?",
        answer="<p>In <em>Questura</em>.</p>",
        topic="Permessi di soggiorno",
    )
    page = testapp.get("/notizie/permesso/", status=200)
    paragraphs = [p.get_text() for p in page.html.select(".tavolo-question p")]
    assert paragraphs == ["Dove si rinnova il permesso?", "E con quali documenti?"]
    assert page.html.select_one(".tavolo-answer em").get_text() == "Questura"
    assert "Permessi di soggiorno" in page.html.select_one(".tavolo-topic").get_text()
    assert_last_update(page, question)
    assert_headings_in_order(page)


# reserved items and related items ------------------------------------------------------
@pytest.mark.parametrize(
    "type_name,fields",
    [
        ("news", {}),
        ("event", {"start": at(2024, 1, 1, 9), "end": at(2024, 1, 1, 10)}),
        ("question", {}),
        ("legislation", {"act_type": "legge"}),
        ("page", {}),
    ],
)
def test_reserved_items_send_visitors_to_login_and_show_to_partners(
    testapp, dbsession, login_as, type_name, fields
):
    make(dbsession, RESERVED, type_name, "elemento", "Elemento interno", state="internal", **fields)
    url = RESERVED + "elemento/"
    response = testapp.get(url, status=303)
    assert "/login?came_from=" in response.headers["Location"]
    login_as("comune")
    assert "Elemento interno" in main_text(testapp.get(url, status=200))


def test_related_items_follow_the_viewer(testapp, dbsession, login_as):
    news = make(dbsession, NEWS, "news", "collegata", "Notizia collegata")
    internal = make(dbsession, RESERVED, "page", "interna", "Pagina interna", state="internal")
    owned = make(
        dbsession,
        RESERVED,
        "page",
        "mia",
        "Bozza di Marco",
        state="private",
        owner_id=user_id(dbsession, "comune"),
    )
    relate(dbsession, news, owned, internal)
    assert testapp.get("/notizie/collegata/").html.select(".tavolo-related") == []
    login_as("comune")
    related = [
        a.get_text(strip=True)
        for a in testapp.get("/notizie/collegata/").html.select(".tavolo-related a")
    ]
    assert related == ["Bozza di Marco", "Pagina interna"]
