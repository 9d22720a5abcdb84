"""The history of an item, ``@@storia``: its saved versions and its state changes in one
timeline, newest first, a page at a time; for those who may edit it."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from tavolo.versioning.models import Revision
from tavolo.workflow.models import WorkflowHistory
from tests.content.helpers import user_id
from tests.content.test_editing import add_through_form, node_at
from tests.versioning.test_revisions import edit

RESERVED = "/area-riservata/"
PATH = f"{RESERVED}verbale/"


@pytest.fixture
def page(testapp, login_as, dbsession):
    login_as("admin")
    add_through_form(testapp, RESERVED, "page", "Verbale", body="<p>Prima stesura</p>")
    return node_at(dbsession, PATH)


def transition(testapp, name, comment=""):
    form = testapp.get(f"{PATH}@@transizione?nome={name}").forms["deform"]
    form["comment"] = comment
    form.submit("save", status=303)


def rows(page):
    return page.html.select("table.tavolo-timeline tbody tr")


def what(row) -> str:
    return row.select("td")[2].get_text(" ", strip=True)


def test_revisions_and_transitions_in_one_timeline(page, testapp):
    edit(testapp, PATH, "Corretto il titolo", title="Verbale del 3 marzo")
    transition(testapp, "submit", "Pronta per la revisione")
    edit(testapp, PATH, "Etichette", tags="lavoro, minori")
    transition(testapp, "publish_internally")
    shown = testapp.get(PATH).click(description="Storia", href="@@storia")
    assert shown.html.select_one("table.tavolo-timeline caption") is not None
    found = rows(shown)
    assert [what(row) for row in found] == [
        "Pubblica nell'area riservata : In attesa di revisione → diventa"
        " Riservato agli utenti registrati",
        "Versione 3 salvata Etichette Vedi – versione 3 Confronta con la precedente – versione 3",
        "Invia in revisione : Privato → diventa In attesa di revisione Pronta per la revisione",
        "Versione 2 salvata Corretto il titolo Vedi – versione 2"
        " Confronta con la precedente – versione 2",
        "Versione 1 salvata Vedi – versione 1",
    ]
    assert {row.select("td")[1].get_text(strip=True) for row in found} == {
        "Amministratore del sito"
    }
    links = [a["href"] for a in found[1].select("a")]
    assert links == [
        f"http://localhost{PATH}@@versione?n=3",
        f"http://localhost{PATH}@@confronta?da=2&a=3",
    ]
    assert [a["href"] for a in found[4].select("a")] == [f"http://localhost{PATH}@@versione?n=1"]
    # The links lead somewhere.
    testapp.get(links[0], status=200)
    testapp.get(links[1], status=200)


def test_a_long_timeline_pages_each_entry_once(page, testapp, dbsession):
    admin = user_id(dbsession, "admin")
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    for step in range(16):
        at = start + dt.timedelta(days=step)
        dbsession.add(
            Revision(
                node_id=page.id,
                number=step + 2,
                author_id=admin,
                author_login="admin",
                created=at,
                note=f"nota {step}",
                snapshot="{}",
                sha256="0" * 64,
            )
        )
        # Every third transition at the very same moment as a revision: the tie must
        # not make an entry appear on two pages or on none.
        later = dt.timedelta(0) if step % 3 == 0 else dt.timedelta(hours=1)
        dbsession.add(
            WorkflowHistory(
                node_id=page.id,
                at=at + later,
                actor_id=None,
                actor_login="",
                workflow="publication",
                transition="submit" if step % 2 == 0 else "retract",
                from_state="private" if step % 2 == 0 else "pending",
                to_state="pending" if step % 2 == 0 else "private",
                comment=f"passo {step}",
            )
        )
    dbsession.flush()
    first = testapp.get(f"{PATH}@@storia")
    second = testapp.get(f"{PATH}@@storia?page=2")
    found = rows(first) + rows(second)
    assert len(rows(first)) == 25 and len(found) == 33
    texts = [what(row) for row in found]
    assert Counter(texts).most_common(1)[0][1] == 1
    # Revision 1, saved by the fixture just now, is the newest.
    assert texts[0].startswith("Versione 1 salvata")
    times = [row.select_one("time")["datetime"] for row in found]
    assert times == sorted(times, reverse=True)
    # Then a pair a step, newest step first: the transition an hour after its revision
    # comes first, one at the same moment in either order.
    for index, step in enumerate(range(15, -1, -1)):
        pair = texts[1 + 2 * index : 3 + 2 * index]
        revision = next(text for text in pair if text.startswith("Versione"))
        assert revision.startswith(f"Versione {step + 2} salvata nota {step} ")
        moved = next(text for text in pair if text is not revision)
        assert moved.endswith(f"passo {step}")
        if step % 3:
            assert pair == [moved, revision]
    # No account wrote the transitions: the system did.
    assert "Sistema" in first.text


def test_a_page_out_of_range_or_not_a_number_shows_the_first(page, testapp):
    for query in ("page=abc", "page=-3", "page="):
        shown = testapp.get(f"{PATH}@@storia?{query}")
        assert [what(row) for row in rows(shown)] == ["Versione 1 salvata Vedi – versione 1"]


def test_a_partner_without_edit_rights_is_refused(page, testapp, login_as):
    testapp.get("/logout")
    testapp.reset()
    login_as("comune")
    testapp.get(f"{PATH}@@storia", status=403)


def test_anonymous_visitors_are_sent_to_login(page, testapp):
    testapp.get("/logout")
    testapp.reset()
    response = testapp.get(f"{PATH}@@storia", status=303)
    assert "/login?came_from=" in response.location
