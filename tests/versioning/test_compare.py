"""Comparing two versions: rich text with insertions and deletions inline (always safe
HTML), other fields as before -> after, refused to those who may not edit."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from tavolo.content.services import ContentService
from tavolo.versioning.diff import compare, diff_html, tokenise
from tavolo.versioning.models import Revision
from tavolo.versioning.service import RevisionService, canonical
from tests.content.test_editing import node_at, set_field
from tests.versioning.test_revisions import RESERVED, edit, page, stored_file  # noqa: F401

VOID = {"br", "hr", "img", "wbr"}


class _Balance(HTMLParser):
    """Fails on any end tag that does not close the innermost open element."""

    def __init__(self):
        super().__init__()
        self.stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack.pop() == tag, f"unbalanced </{tag}>"


def assert_well_formed(html: str) -> None:
    parser = _Balance()
    parser.feed(html)
    parser.close()
    assert parser.stack == [], f"unclosed {parser.stack}"


# diff.py ---------------------------------------------------------------------------------
def test_tokens_keep_tags_whole_and_give_the_text_back():
    html = '<p title="a>b">Ciao  <a href="/x?a=1&amp;b=2">mondo</a> </p>'
    tokens = tokenise(html)
    assert tokens == [
        '<p title="a>b">',
        "Ciao  ",
        '<a href="/x?a=1&amp;b=2">',
        "mondo",
        "</a>",
        " ",
        "</p>",
    ]
    assert "".join(tokens) == html


def test_changed_words_are_marked_inline():
    html = diff_html("<p>Prima stesura del testo</p>", "<p>Seconda stesura del nuovo testo</p>")
    assert html == "<p><del>Prima </del><ins>Seconda </ins>stesura del <ins>nuovo </ins>testo</p>"


def test_whitespace_reflowed_is_no_change():
    assert "<ins>" not in diff_html("<p>a  b\nc</p>", "<p>a b c</p>")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("<ul><li>a</li><li>b c</li></ul>", "<ul><li>a</li></ul>"),
        ("<p>a b</p>", "<p>a</p><p>b x</p>"),
        ("<p>a</p><p>b x</p>", "<p>a b</p>"),
        ("<p>a <strong>b <em>c</em></strong> d</p>", "<p>a d</p>"),
        ("<p>a d</p>", "<p>a <strong>b <em>c</em></strong> d</p>"),
        ("<p>uno <em>due</em> tre</p>", "<h2>uno</h2><p><strong>due tre</strong> quattro</p>"),
        (
            "<table><tbody><tr><td>a</td><td>b</td></tr></tbody></table>",
            "<table><tbody><tr><td>a</td></tr><tr><td>c</td></tr></tbody></table>",
        ),
        ('<p>foto <img src="/a.png" alt="a"></p>', "<p>foto</p>"),
    ],
)
def test_nested_markup_stays_well_formed(old, new):
    html = diff_html(old, new)
    assert_well_formed(html)
    assert "<del>" in html or "<ins>" in html


def test_a_removed_list_item_keeps_its_structure():
    html = diff_html("<ul><li>a</li><li>b c</li></ul>", "<ul><li>a</li></ul>")
    assert html == "<ul><li>a</li><li><del>b c</del></li></ul>"


def test_a_removed_image_is_marked():
    html = diff_html('<p>foto <img src="/a.png" alt="a"></p>', "<p>foto</p>")
    assert html == '<p>foto<del><img src="/a.png" alt="a"></del></p>'


def test_the_diff_is_safe_even_from_unsafe_snapshots():
    old = '<p>Ciao<script>alert(1)</script><img src="x" onerror="alert(2)"></p>'
    new = '<p onclick="alert(3)">Ciao <a href="javascript:alert(4)">qui</a></p><style>p{}</style>'
    html = diff_html(old, new).lower()
    for bad in ("script", "alert", "onerror", "onclick", "javascript", "style"):
        assert bad not in html
    assert "<ins>" in html
    assert_well_formed(html)


def test_compare_lists_only_changed_fields_in_form_order(dbsession):
    service = ContentService(dbsession)
    node = service.create(service.by_path(RESERVED), "page", "confronto", "Confronto")
    old = {"title": "Verbale", "tags": [], "body": "<p>a</p>", "exclude_from_nav": False}
    new = {"title": "Verbale 2", "tags": ["x", "y"], "body": "<p>a</p>", "exclude_from_nav": True}
    changes = compare(node, old, new)
    assert [c.name for c in changes] == ["title", "tags", "exclude_from_nav"]
    title, tags, nav = changes
    assert (title.kind, title.before, title.after) == ("text", "Verbale", "Verbale 2")
    assert (tags.before, tags.after) == ("—", "x, y")
    assert (nav.before, nav.after) == ("No", "Sì")
    assert compare(node, {"body": None, "tags": []}, {"body": "", "tags": []}) == []


def test_dates_are_shown_in_the_language_asked(dbsession):
    service = ContentService(dbsession)
    node = service.create(service.by_path(RESERVED), "page", "date", "Date")
    old, new = {"effective": None}, {"effective": "2024-03-21T10:17:00+00:00"}
    [it] = compare(node, old, new)
    [en] = compare(node, old, new, locale="en")
    assert it.after == "giovedì 21 marzo 2024, ore 11:17"
    assert en.after == "Thursday 21 March 2024 at 11:17"


# the page --------------------------------------------------------------------------------
def test_comparing_shows_words_inserted_and_deleted(page, testapp):  # noqa: F811
    # Revision 1 is "<p>Prima stesura</p>".
    edit(testapp, page.path, body="<p>Prima stesura approvata</p>")
    edit(testapp, page.path, body="<p>Seconda stesura approvata</p>")
    shown = testapp.get(f"{page.path}@@confronta?da=1&a=3", status=200)
    assert shown.html.h1.get_text(" ", strip=True) == "Confronto tra la versione 1 e la versione 3"
    [label] = shown.html.select("dl.tavolo-compare dt")
    assert label.get_text(strip=True) == "Testo"
    text = shown.html.select_one(".tavolo-compare-text")
    assert str(text.p) == "<p><del>Prima </del><ins>Seconda </ins>stesura <ins>approvata</ins></p>"
    assert shown.html.select_one(".tavolo-compare-legend")
    assert shown.html.find("a", string="Tutte le versioni")


def test_other_fields_are_listed_before_and_after(page, testapp):  # noqa: F811
    form = testapp.get(f"{page.path}@@edit").forms["deform"]
    form["title"] = "Verbale del 3 marzo"
    form["tags"] = "lavoro, minori"
    set_field(form, "effective", {"date": "2026-03-03", "time": "09:30"})
    form["change_note"] = ""
    form.submit("save", status=303)
    shown = testapp.get(f"{page.path}@@confronta?da=1&a=2", status=200)
    rows = {
        dt.get_text(strip=True): dt.find_next_sibling("dd")
        for dt in shown.html.select("dl.tavolo-compare dt")
    }
    assert list(rows) == ["Titolo", "Etichette", "Data di pubblicazione"]
    title = rows["Titolo"]
    assert (title.find("del").get_text(), title.find("ins").get_text()) == (
        "Verbale",
        "Verbale del 3 marzo",
    )
    assert rows["Etichette"].find("ins").get_text() == "lavoro, minori"
    assert rows["Data di pubblicazione"].find("ins").get_text() == "martedì 3 marzo 2026, ore 09:30"


def test_references_are_named(page, testapp, dbsession):  # noqa: F811
    service = ContentService(dbsession)
    target = service.create(service.by_path(RESERVED), "page", "altra", "Altra pagina")
    node = node_at(dbsession, page.path)
    service.update(node, related_ids=[target.id])
    RevisionService(dbsession).record(node)
    shown = testapp.get(f"{page.path}@@confronta?da=2&a=1")
    [label] = shown.html.select("dl.tavolo-compare dt")
    assert label.get_text(strip=True) == "Contenuti correlati"
    assert label.find_next_sibling("dd").find("ins").get_text() == "Altra pagina"


def test_the_order_of_the_numbers_does_not_matter(page, testapp):  # noqa: F811
    edit(testapp, page.path, title="Verbale rivisto")
    forward = testapp.get(f"{page.path}@@confronta?da=1&a=2")
    backward = testapp.get(f"{page.path}@@confronta?da=2&a=1")
    assert (
        forward.html.select_one("main, body").get_text()
        == backward.html.select_one("main, body").get_text()
    )
    assert backward.html.select_one("dl.tavolo-compare ins").get_text() == "Verbale rivisto"


def test_no_difference_is_said(page, testapp, dbsession):  # noqa: F811
    edit(testapp, page.path, title="Verbale rivisto")
    edit(testapp, page.path, title="Verbale")
    shown = testapp.get(f"{page.path}@@confronta?da=1&a=3")
    assert shown.html.select_one(".tavolo-compare-none").get_text(strip=True) == (
        "Nessuna differenza."
    )


def test_an_unsafe_snapshot_is_shown_safely(page, testapp, dbsession):  # noqa: F811
    edit(testapp, page.path, body="<p>Seconda stesura</p>")
    revision = dbsession.scalars(
        select(Revision).where(Revision.node_id == page.id, Revision.number == 2)
    ).one()
    revision.snapshot = canonical(
        {
            "title": "Verbale",
            "body": '<p>Seconda <script>alert(1)</script><img src=x onerror="alert(2)"></p>',
        }
    )
    dbsession.flush()
    shown = testapp.get(f"{page.path}@@confronta?da=1&a=2")
    text = shown.html.select_one(".tavolo-compare-text")
    assert text.select("script") == []
    assert all("onerror" not in img.attrs for img in text.select("img"))
    assert "alert" not in str(text)


def test_the_list_offers_to_compare_the_latest_two(page, testapp):  # noqa: F811
    assert "compare-form" not in testapp.get(f"{page.path}@@versioni").forms
    edit(testapp, page.path, title="Verbale rivisto")
    edit(testapp, page.path, title="Verbale definitivo")
    form = testapp.get(f"{page.path}@@versioni").forms["compare-form"]
    assert (form["da"].value, form["a"].value) == ("2", "3")
    form["da"] = "1"
    shown = form.submit(status=200)
    assert "Confronto tra la versione 1 e la versione 3" in shown.html.h1.get_text(" ", strip=True)


@pytest.mark.parametrize(
    "query",
    ["", "?da=1", "?a=1", "?da=1&a=1", "?da=1&a=9", "?da=0&a=1", "?da=x&a=1", "?da=1&a=1.0"],
)
def test_same_unknown_or_malformed_numbers_are_not_found(page, testapp, query):  # noqa: F811
    edit(testapp, page.path, title="Verbale rivisto")
    testapp.get(f"{page.path}@@confronta{query}", status=404)


def test_a_partner_without_edit_rights_is_refused(stored_file, testapp, login_as):  # noqa: F811
    login_as("comune")
    testapp.get(f"{stored_file.path}@@confronta?da=1&a=2", status=403)


def test_anonymous_visitors_are_sent_to_login(stored_file, testapp):  # noqa: F811
    response = testapp.get(f"{stored_file.path}@@confronta?da=1&a=2", status=303)
    assert "/login?came_from=" in response.location
