"""Every page of the Vademecum's core answers for the prefecture, with its headings and
tables labelled (the accessibility basics the browser checks build on)."""

from tests.vademecum.helpers import COMUNE, section, url, vademecum


def test_pages_answer_with_labelled_tables(testapp, login_as, dbsession):
    login_as("prefettura")
    v = vademecum(dbsession)
    s = section(dbsession, COMUNE)
    pages = [url(v, view) for view in ("", "struttura", "cruscotto", "promemoria")]
    pages += [url(s), url(s, "proposte"), url(s, "proponi-modifica")]
    for path in pages:
        page = testapp.get(path)
        assert len(page.html.select("h1")) == 1, path
        for table in page.html.select("table"):
            assert table.select_one("caption") is not None, path
            assert all(th.get("scope") for th in table.select("th")), path


def test_every_reader_finds_the_editions_from_the_vademecum(testapp, login_as, dbsession):
    # A partner, not only the prefecture: editions are read by the whole network.
    login_as("mondoaperto")
    v = vademecum(dbsession)
    page = testapp.get(url(v))
    link = page.html.select_one("#vademecum-editions-link")
    assert link is not None and link["href"].endswith("@@edizioni")
    testapp.get(link["href"], status=200)
