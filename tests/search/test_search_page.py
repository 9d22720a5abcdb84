"""The search page through the web: words with Italian stemming, filters and facets,
order, pagination, snippets, bad input - and never a document the caller may not see."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from tavolo.content.models import Node
from tavolo.search.indexer import reindex_all
from tavolo.security.models import LocalRole
from tavolo.security.roles import READER
from tests.content.helpers import at, make, user_id

AREA = "/prova-ricerca/"


@pytest.fixture
def corpus(dbsession):
    """A published folder with documents about "documento", one private page, one page in a
    private folder, and a news item of another year and organisation."""
    make(dbsession, "/", "folder", AREA.strip("/"), "Prova ricerca")
    make(
        dbsession,
        AREA,
        "page",
        "documento-pubblico",
        "Documento pubblico sul lavoro",
        description="Una guida per gli sportelli di Pontremoli",
        body="<p>Il documento spiega la documentazione necessaria per il permesso.</p>",
        effective=at(2024, 3, 1),
    )
    news = make(
        dbsession,
        AREA,
        "news",
        "notizia-documenti",
        "Notizia sui documenti",
        body="<p>Nuovi documenti per le scuole.</p>",
        effective=at(2023, 6, 1),
    )
    news.tags = ["Scuola", "lavoro"]
    make(
        dbsession,
        AREA,
        "page",
        "documento-privato",
        "Documento privato riservatissimo",
        state="private",
        body="<p>Documento che nessun visitatore deve trovare.</p>",
    ).tags = ["segreto"]
    make(dbsession, AREA, "folder", "cartella-privata", "Cartella privata", state="private")
    make(
        dbsession,
        f"{AREA}cartella-privata/",
        "page",
        "pubblicato-dentro",
        "Documento pubblicato nascosto",
        body="<p>Pubblicato ma dentro una cartella privata: riservatissimo.</p>",
    )
    dbsession.flush()


@pytest.fixture
def indexed(corpus, search_index, search_budget):
    return search_index


def reindex(dbsession, index) -> None:
    """Rebuild the test's index from the test's database (changes made here, not through
    a request, fire no event and queue nothing)."""
    reindex_all(dbsession.connection(), index)


def csrf(testapp) -> str:
    return testapp.get("/").html.find("input", attrs={"name": "csrf_token"})["value"]


def titles(page) -> list[str]:
    return [a.text.strip() for a in page.html.select("#search-results h3 a")]


def facet(page, name) -> dict[str, str]:
    section = page.html.select_one(f"#facet-{name}")
    if section is None:
        return {}
    result = {}
    for link in section.select("a"):
        count = link.select_one(".badge").text.strip()
        label = link.text.replace(count, "").split("(")[0].strip()
        result[label] = count
    return result


def test_words_are_found_with_italian_stemming(testapp, indexed):
    page = testapp.get("/@@search", {"q": "documenti"}, status=200)
    found = titles(page)
    assert "Documento pubblico sul lavoro" in found
    assert "Notizia sui documenti" in found
    assert "Documento privato riservatissimo" not in found
    assert "Documento pubblicato nascosto" not in found


def test_a_word_in_the_title_ranks_above_a_mention_in_the_text(
    testapp, dbsession, corpus, search_index, search_budget
):
    # Created first and with the word twice in its text: without the title's weight it
    # would come first.
    make(
        dbsession,
        AREA,
        "page",
        "verbale-riunione",
        "Verbale della riunione di marzo",
        body="<p>Si parla anche di mediazione culturale e di mediazione linguistica, "
        "tra molti altri argomenti dell'ordine del giorno.</p>",
    )
    make(
        dbsession,
        AREA,
        "page",
        "mediazione",
        "Mediazione culturale negli ospedali",
        body="<p>Il servizio affianca il personale sanitario negli ambulatori, "
        "su richiesta dei reparti e con un interprete per ogni lingua.</p>",
    )
    dbsession.flush()
    reindex(dbsession, search_index)
    page = testapp.get(f"{AREA}@@search", {"q": "mediazione"}, status=200)
    assert titles(page) == [
        "Mediazione culturale negli ospedali",
        "Verbale della riunione di marzo",
    ]


def test_a_private_item_never_appears_nor_counts_for_a_visitor_or_a_partner(
    testapp, login_as, indexed
):
    for who in (None, "comune"):
        if who:
            login_as(who)
        page = testapp.get("/@@search", {"q": "riservatissimo"}, status=200)
        assert titles(page) == []
        assert page.html.select_one("#search-no-results") is not None
        page = testapp.get("/@@search", {"q": "documento"}, status=200)
        assert "Documento privato riservatissimo" not in titles(page)
        assert "segreto" not in facet(page, "tag")
        assert "riservatissimo" not in page.text
    # Its creator's peers who may see it find it (the prefecture reviews everything).
    login_as("admin")
    page = testapp.get("/@@search", {"q": "riservatissimo"}, status=200)
    assert sorted(titles(page)) == [
        "Documento privato riservatissimo",
        "Documento pubblicato nascosto",
    ]
    assert facet(page, "tag") == {"segreto": "1"}


def test_a_local_role_opens_the_private_item_to_that_partner_only(
    testapp, login_as, dbsession, corpus, search_index, search_budget
):
    private = dbsession.scalar(select(Node).where(Node.path == f"{AREA}documento-privato/"))
    dbsession.add(LocalRole(node_id=private.id, user_id=user_id(dbsession, "comune"), role=READER))
    dbsession.flush()
    reindex(dbsession, search_index)
    assert titles(testapp.get("/@@search", {"q": "riservatissimo"})) == []  # anonymous
    login_as("comune")
    assert titles(testapp.get("/@@search", {"q": "riservatissimo"})) == [
        "Documento privato riservatissimo"
    ]
    testapp.post("/logout", {"csrf_token": csrf(testapp)}, status=303)
    login_as("mondoaperto")
    assert titles(testapp.get("/@@search", {"q": "riservatissimo"})) == []


def test_a_stale_index_entry_is_dropped_by_the_recheck(testapp, dbsession, indexed):
    """The index still says "published, Anonymous may view": the database says private.
    Neither the hit nor its facet counts reach the visitor."""
    page = testapp.get("/@@search", {"q": "Pontremoli"}, status=200)
    assert titles(page) == ["Documento pubblico sul lavoro"]
    dbsession.execute(
        update(Node).where(Node.path == f"{AREA}documento-pubblico/").values(state="private")
    )
    dbsession.flush()
    page = testapp.get("/@@search", {"q": "Pontremoli"}, status=200)
    assert titles(page) == []
    page = testapp.get("/@@search", {"q": "documento"}, status=200)
    assert "Documento pubblico sul lavoro" not in titles(page)
    assert "2024" not in facet(page, "year")


def test_a_trashed_item_is_dropped_by_the_recheck(testapp, dbsession, indexed):
    dbsession.execute(update(Node).where(Node.path == AREA).values(trashed_at=at(2026, 1, 1)))
    dbsession.flush()
    assert titles(testapp.get("/@@search", {"q": "Pontremoli"})) == []


def test_filters_narrow_and_facets_count(testapp, indexed):
    page = testapp.get("/@@search", {"q": "documenti"}, status=200)
    types = facet(page, "type")
    assert types["Pagina"] == "1" and "Notizia" in types
    news_link = page.html.select_one('#facet-type a[href*="type=news"]')["href"]
    narrowed = testapp.get(news_link, status=200)
    assert all(meta.text.strip() == "Notizia" for meta in narrowed.html.select(".tavolo-item-type"))
    assert "Notizia sui documenti" in titles(narrowed)
    # The filter in use is shown, with a link that removes it.
    active = narrowed.html.select_one("#search-active-filters a")
    assert "Tipo: Notizia" in active.text
    assert "type=" not in active["href"]
    # Year and tag (any case) together.
    page = testapp.get("/@@search", {"q": "documenti", "year": "2023", "tag": "scuola"})
    assert titles(page) == ["Notizia sui documenti"]
    assert facet(page, "year") == {"2023": "1"}
    # Below a folder: its search page looks only inside it.
    page = testapp.get(f"{AREA}@@search", {"q": "documenti"}, status=200)
    assert sorted(titles(page)) == ["Documento pubblico sul lavoro", "Notizia sui documenti"]
    assert "Cerca in: Prova ricerca" in page.html.select_one("h1").text


def test_the_state_facet_is_only_for_editors(testapp, login_as, indexed):
    assert facet(testapp.get("/@@search", {"q": "documento"}), "state") == {}
    login_as("admin")
    states = facet(testapp.get("/@@search", {"q": "riservatissimo"}), "state")
    assert states == {"Privato": "1", "Pubblicato": "1"}


def test_order_by_date_and_pagination(testapp, dbsession, corpus, search_index, search_budget):
    for number in range(25):
        make(
            dbsession,
            AREA,
            "page",
            f"verbale-{number}",
            f"Verbale numero {number}",
            body="<p>Verbale della riunione.</p>",
            effective=at(2020, 1, 1 + number),
        )
    dbsession.flush()
    reindex(dbsession, search_index)
    first = testapp.get("/@@search", {"q": "verbale", "sort": "date"}, status=200)
    assert "25 risultati" in first.html.select_one("#search-count").text
    assert titles(first)[:2] == ["Verbale numero 24", "Verbale numero 23"]
    assert len(titles(first)) == 20
    second = testapp.get("/@@search", {"q": "verbale", "sort": "date", "page": "2"})
    assert titles(second) == [f"Verbale numero {n}" for n in range(4, -1, -1)]
    # A page past the end shows the last one; a page that is not a number, the first.
    assert titles(testapp.get("/@@search", {"q": "verbale", "sort": "date", "page": "9"})) == (
        titles(second)
    )
    bad = testapp.get("/@@search", {"q": "verbale", "sort": "date", "page": "due"}, status=200)
    assert titles(bad) == titles(first)
    assert "numero di pagina non è valido" in bad.html.select_one("#search-errors").text
    # The pagination links keep the words and the order.
    next_link = first.html.select_one(".pagination a[aria-current]").find_parent("ul")
    assert any(
        "sort=date" in a["href"] and "page=2" in a["href"] for a in next_link.select("a[href]")
    )


def test_snippets_and_titles_are_escaped(testapp, dbsession, corpus, search_index, search_budget):
    make(
        dbsession,
        AREA,
        "page",
        "trappola",
        "<script>alert('titolo')</script> trappola",
        description="<img src=x onerror=alert(1)>",
        body="<p>Testo &lt;script&gt;alert('corpo')&lt;/script&gt; della trappola.</p>",
    )
    dbsession.flush()
    reindex(dbsession, search_index)
    page = testapp.get("/@@search", {"q": "trappola"}, status=200)
    assert titles(page) == ["<script>alert('titolo')</script> trappola"]
    assert "<script>alert(" not in page.text
    assert "<img src=x" not in page.text
    snippet = page.html.select_one(".tavolo-snippet")
    assert snippet.select("mark")[0].text.lower() == "trappola"
    assert "&lt;/script&gt;" in str(snippet)


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({"q": ""}, 200, "Scrivi una o più parole"),
        ({"q": "x" * 600}, 400, "troppo lunga"),
        ({"q": "documento", "type": "nessuno"}, 400, "filtro non valido"),
        ({"q": "documento", "year": "duemila"}, 400, "filtro non valido"),
        ({"q": "documento", "organisation": "abc"}, 400, "filtro non valido"),
        ({"q": "documento", "state": "boh"}, 400, "filtro non valido"),
        ({"q": "documento", "sort": "casuale"}, 400, "Ordine non valido"),
        ({"q": "documento", "page": "-3"}, 200, "numero di pagina non è valido"),
        ({"q": '"documento AND ( OR'}, 200, "risultat"),
        ({"q": "il la di"}, 200, "Nessun risultato"),
        ({"q": "documento\x00\x07"}, 200, "risultat"),
    ],
)
def test_bad_input_is_a_page_that_says_so(testapp, indexed, params, status, message):
    page = testapp.get("/@@search", params, status=status)
    assert message in page.text
    assert "Errore del sistema" not in page.text


def test_a_slow_search_shows_what_it_found_and_says_so(testapp, indexed, monkeypatch):
    from tavolo.search.collectors import Budget

    original = Budget.start

    def out_of_time(self):
        original(self)
        self.deadline -= self.seconds + 1  # as if it ran out before the first match

    monkeypatch.setattr(Budget, "start", out_of_time)
    # By relevance, by date, and the archive's browsing without words.
    for params in ({"q": "documenti"}, {"q": "documenti", "sort": "date"}, {"year": "2024"}):
        page = testapp.get("/@@search", params, status=200)
        assert page.html.select_one("#search-incomplete") is not None, params
        assert "incompleti" in page.text


def test_every_page_has_a_search_box_in_its_header(testapp, login_as):
    for path in ("/", "/il-consiglio/", "/login"):
        page = testapp.get(path)
        form = page.html.select_one('header form[role="search"]')
        assert form["action"] == "http://localhost/@@search"
        # The label wraps the field (no ``for``: forms' tests find their own labels by it).
        label = form.select_one("label")
        assert label.select_one('input[name="q"]') is not None
        assert label.get_text(strip=True) == "Cerca nel sito"


def test_search_is_a_get_only_view(testapp, indexed):
    testapp.post("/@@search", {"q": "documento"}, status=(400, 404))


def test_the_page_in_english(testapp, indexed):
    testapp.set_cookie("_LOCALE_", "en")
    page = testapp.get("/@@search", {"q": "documenti"}, status=200)
    assert page.html.select_one("#search-results") is not None


def test_a_capped_search_says_its_counts_cover_the_first_hits(
    testapp, wsgi_app, indexed, monkeypatch
):
    # Pages of two, two hits checked: the first page re-checks four (enough to know that a
    # second page exists) and more match.
    monkeypatch.setattr("tavolo.search.views.PAGE_SIZE", 2)
    settings = wsgi_app.registry.settings
    settings["tavolo.search_check_cap"] = "2"
    try:
        page = testapp.get("/@@search", {"q": "documenti"}, status=200)
    finally:
        del settings["tavolo.search_check_cap"]
    assert page.html.select_one("#search-capped") is not None
    assert "primi risultati" in page.text
    assert "Oltre 4 risultati" in page.html.select_one("#search-count").text
    assert len(titles(page)) == 2
    # The next page is offered: paging on checks more.
    assert page.html.select_one("a[href*='page=2']") is not None
    monkeypatch.setattr("tavolo.search.views.PAGE_SIZE", 20)
    uncapped = testapp.get("/@@search", {"q": "documenti"})
    assert uncapped.html.select_one("#search-capped") is None
    assert "Oltre" not in uncapped.html.select_one("#search-count").text
