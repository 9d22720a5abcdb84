"""The conflict page: a save based on an old version is refused (409), shows what the other
person changed, and gives back a form where both edits are merged where that is safe; saving
it keeps both. Also: every other unsafe path that changes an item checks its version."""

from __future__ import annotations

import datetime as dt

import pytest
from pyramid_retry import IRetryableError
from transaction.interfaces import TransientError

from tavolo.content.concurrency import EditConflict
from tavolo.versioning.merge import (
    CONFLICT,
    MERGED,
    MINE,
    SAME,
    THEIRS,
    blocks,
    merge_field,
    merge_html,
    merge_lists,
)
from tests.conftest import client_for, login
from tests.content.test_editing import add_through_form, node_at
from tests.versioning.test_revisions import revisions

RESERVED = "/area-riservata/"
BASE_BODY = "<p>Primo paragrafo.</p><p>Secondo paragrafo.</p><p>Terzo paragrafo.</p>"


# the merge, as pure functions -----------------------------------------------------------------
def test_blocks_join_back_to_the_text():
    html = "<h2>Titolo</h2>\n<p>Uno</p><ul><li>a</li><li>b</li></ul><p>coda"
    assert "".join(blocks(html)) == html
    assert blocks(html)[:2] == ["<h2>Titolo</h2>\n", "<p>Uno</p>"]


def test_edits_of_different_paragraphs_are_merged():
    theirs = BASE_BODY.replace("Primo", "Il primo")
    mine = BASE_BODY.replace("Terzo", "Il terzo")
    assert merge_html(BASE_BODY, theirs, mine) == (
        "<p>Il primo paragrafo.</p><p>Secondo paragrafo.</p><p>Il terzo paragrafo.</p>"
    )


def test_adjacent_paragraph_edits_are_merged_but_the_same_paragraph_is_not():
    theirs = BASE_BODY.replace("Primo", "Il primo")
    assert merge_html(BASE_BODY, theirs, BASE_BODY.replace("Secondo", "Il secondo")) == (
        "<p>Il primo paragrafo.</p><p>Il secondo paragrafo.</p><p>Terzo paragrafo.</p>"
    )
    assert merge_html(BASE_BODY, theirs, BASE_BODY.replace("Primo", "Un primo")) is None


def test_two_insertions_at_the_same_place_are_a_conflict_unless_equal():
    theirs = BASE_BODY + "<p>Loro.</p>"
    assert merge_html(BASE_BODY, theirs, BASE_BODY + "<p>Mio.</p>") is None
    assert merge_html(BASE_BODY, theirs, theirs) == theirs


def test_lists_take_both_sides_additions_and_removals():
    assert merge_lists(
        ["lavoro", "minori"], ["lavoro", "minori", "casa"], ["minori", "salute"]
    ) == [
        "minori",
        "casa",
        "salute",
    ]


def test_field_outcomes():
    assert merge_field("title", "A", "A", "B", rich=False).outcome == MINE
    assert merge_field("title", "A", "B", "A", rich=False) == merge_field(
        "title", "A", "B", "A", rich=False
    )
    assert merge_field("title", "A", "B", "A", rich=False).outcome == THEIRS
    assert merge_field("title", "A", "B", "A", rich=False).value == "B"
    assert merge_field("title", "A", "B", "B", rich=False).outcome == SAME
    assert merge_field("title", "A", "B", "C", rich=False).outcome == CONFLICT
    assert merge_field("title", "A", "B", "C", rich=False).value == "C"
    assert merge_field("tags", ["a"], ["a", "b"], ["c"], rich=False).outcome == MERGED
    # Unknown ancestor: any difference is a conflict, even one only "they" seem to have made.
    assert merge_field("title", None, "B", "A", rich=False, known_base=False).outcome == CONFLICT
    # The same instant in another time zone is no change; blanks are all alike.
    rome = dt.timezone(dt.timedelta(hours=1))
    when = dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.UTC)
    assert merge_field("start", when, when, when.astimezone(rome), rich=False).outcome == MINE
    assert merge_field("description", None, "", None, rich=False).outcome == MINE


def test_the_conflict_is_our_own_error_never_retried():
    exc = EditConflict.__new__(EditConflict)
    assert not isinstance(exc, TransientError)
    assert not IRetryableError.providedBy(exc)


# through the web ----------------------------------------------------------------------------
@pytest.fixture
def page(testapp, login_as, dbsession):
    login_as("admin")
    add_through_form(testapp, RESERVED, "page", "Verbale", body=BASE_BODY)
    return node_at(dbsession, f"{RESERVED}verbale/")


@pytest.fixture
def other(wsgi_app, connection):
    """A second person editing at the same time: prefettura, in their own browser."""
    client = client_for(wsgi_app)
    login(client, "prefettura")
    return client


def _form(client, page):
    return client.get(f"{page.path}@@edit").forms["deform"]


def test_a_stale_save_shows_their_change_and_keeps_both(testapp, other, page, dbsession):
    mine, theirs = _form(testapp, page), _form(other, page)
    theirs["title"] = "Verbale del 3 marzo"
    theirs["change_note"] = "Data nel titolo"
    theirs.submit("save", status=303)

    mine["body"] = BASE_BODY.replace("Terzo", "Il terzo")
    conflict = mine.submit("save", status=409)
    section = conflict.html.select_one(".tavolo-conflict")
    assert "Data nel titolo" in section.text
    assert "salvata da Laura Bianchi" in section.text
    assert section.select_one(".tavolo-outcome-theirs") is not None
    # The form: their title kept, my body, on top of the version just seen.
    form = conflict.forms["deform"]
    assert form["title"].value == "Verbale del 3 marzo"
    assert "Il terzo paragrafo." in form["body"].value
    form.submit("save", status=303)
    saved = node_at(dbsession, page.path)
    assert saved.title == "Verbale del 3 marzo"
    assert saved.body == BASE_BODY.replace("Terzo", "Il terzo")
    assert [r.author_login for r in revisions(dbsession, saved)][-2:] == ["prefettura", "admin"]


def test_edits_of_different_paragraphs_are_merged_in_the_form(testapp, other, page, dbsession):
    mine, theirs = _form(testapp, page), _form(other, page)
    theirs["body"] = BASE_BODY.replace("Primo", "Il primo")
    theirs.submit("save", status=303)
    mine["body"] = BASE_BODY.replace("Terzo", "Il terzo")
    conflict = mine.submit("save", status=409)
    assert conflict.html.select_one(".tavolo-outcome-merged") is not None
    # What they changed is shown inline.
    assert "Il" in conflict.html.select_one(".tavolo-conflict-changes ins").text
    conflict.forms["deform"].submit("save", status=303)
    assert node_at(dbsession, page.path).body == (
        "<p>Il primo paragrafo.</p><p>Secondo paragrafo.</p><p>Il terzo paragrafo.</p>"
    )


def test_the_same_paragraph_changed_twice_is_left_to_the_user(testapp, other, page, dbsession):
    mine, theirs = _form(testapp, page), _form(other, page)
    theirs["body"] = BASE_BODY.replace("Primo", "Il primo")
    theirs.submit("save", status=303)
    mine["body"] = BASE_BODY.replace("Primo", "Un primo")
    conflict = mine.submit("save", status=409)
    assert conflict.html.select_one(".tavolo-outcome-conflict") is not None
    form = conflict.forms["deform"]
    assert "Un primo" in form["body"].value
    # Nothing was saved by the refused attempt.
    assert "Il primo" in node_at(dbsession, page.path).body
    form["body"] = BASE_BODY.replace("Primo", "Il primo e unico")
    form.submit("save", status=303)
    assert "Il primo e unico" in node_at(dbsession, page.path).body


def test_a_second_conflict_on_the_conflict_page_is_caught_too(testapp, other, page, dbsession):
    mine, theirs = _form(testapp, page), _form(other, page)
    theirs["title"] = "Primo cambio"
    theirs.submit("save", status=303)
    mine["title"] = "Mio"
    conflict_form = mine.submit("save", status=409).forms["deform"]
    again = _form(other, page)
    again["title"] = "Secondo cambio"
    again.submit("save", status=303)
    conflict_form.submit("save", status=409)
    assert node_at(dbsession, page.path).title == "Secondo cambio"


def test_a_state_change_meanwhile_is_named_as_such(testapp, other, page, dbsession):
    mine = _form(testapp, page)
    # The owner submits it for review: a new version, no field changed.
    testapp.post(
        f"{page.path}@@transizione?nome=submit",
        {"csrf_token": mine["csrf_token"].value, "expected_version": str(page.version)},
    )
    mine["title"] = "Verbale rivisto"
    conflict = mine.submit("save", status=409)
    assert conflict.html.select_one(".tavolo-conflict-none") is not None
    conflict.forms["deform"].submit("save", status=303)
    assert node_at(dbsession, page.path).title == "Verbale rivisto"


def test_an_unknown_base_makes_every_difference_a_conflict(testapp, other, page, dbsession):
    mine, theirs = _form(testapp, page), _form(other, page)
    theirs["title"] = "Loro"
    theirs.submit("save", status=303)
    mine["base_revision"].force_value("999")
    mine["body"] = BASE_BODY.replace("Terzo", "Il terzo")
    conflict = mine.submit("save", status=409)
    form = conflict.forms["deform"]
    # Not silently "merged": my stale title is in the form, marked as a conflict.
    assert form["title"].value == "Verbale"
    assert len(conflict.html.select(".tavolo-outcome-conflict")) == 2


def test_a_stale_delete_confirmation_deletes_nothing(testapp, other, page, dbsession):
    confirm = testapp.get(f"{page.path}@@delete").forms["delete-form"]
    theirs = _form(other, page)
    theirs["title"] = "Cambiato nel frattempo"
    theirs.submit("save", status=303)
    answer = confirm.submit("delete", status=409)
    assert answer.html.select_one(".tavolo-delete-conflict") is not None
    assert node_at(dbsession, page.path).trashed_at is None
    # Confirming again, having seen it, deletes.
    answer.forms["delete-form"].submit("delete", status=303)
    dbsession.expire_all()
    assert node_at(dbsession, page.path) is None


def test_the_conflict_page_needs_the_edit_permission_like_the_form(wsgi_app, page):
    partner = client_for(wsgi_app)
    login(partner, "mondoaperto")
    partner.get(f"{page.path}@@edit", status=403)
