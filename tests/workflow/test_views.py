"""The workflow through the web: the state menu of the editor bar, the transition form
(comment, dates, conflicts, refusals) and the history tab."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tavolo import events
from tavolo.content.services import ContentService
from tavolo.security.models import LocalRole
from tavolo.security.roles import CONTRIBUTOR
from tavolo.workflow.models import WorkflowHistory
from tests.content.helpers import at, make, user_id

AREA = "/prova-flusso/"
PAGE = f"{AREA}bozza/"
RESERVED = "/area-riservata/prova-flusso/"


@pytest.fixture
def area(dbsession):
    """A published folder where ``comune`` contributes, holding a private page of theirs."""
    folder = make(dbsession, "/", "folder", AREA.strip("/"), "Prova flusso")
    comune = user_id(dbsession, "comune")
    dbsession.add(LocalRole(node_id=folder.id, user_id=comune, role=CONTRIBUTOR))
    make(dbsession, AREA, "page", "bozza", "Bozza del comune", state="private", owner_id=comune)
    dbsession.flush()
    return folder


def node(dbsession, path):
    dbsession.expire_all()
    return ContentService(dbsession).by_path(path)


def set_state(dbsession, path, state):
    item = node(dbsession, path)
    item.state = state
    dbsession.flush()
    return item


def history_of(dbsession, path) -> list[WorkflowHistory]:
    item = node(dbsession, path)
    return list(
        dbsession.scalars(
            select(WorkflowHistory)
            .where(WorkflowHistory.node_id == item.id)
            .order_by(WorkflowHistory.id)
        )
    )


def workflow_menu(page):
    return page.html.select_one("nav.tavolo-workflow-menu")


def transition_links(page) -> dict[str, str]:
    menu = workflow_menu(page)
    if menu is None:
        return {}
    return {a.get_text(strip=True): a["href"] for a in menu.select("a.tavolo-transition")}


def errors(page) -> list[str]:
    return [p.get_text(" ", strip=True) for p in page.html.select(".invalid-feedback")]


def set_dates(form, effective, expires):
    """The publication and expiry fields (each a date and a time input, in this order)."""
    for index, (date, time) in enumerate((effective, expires)):
        form.set("date", date, index=index)
        form.set("time", time, index=index)


def switch(testapp, login_as, login):
    testapp.get("/logout")
    testapp.reset()
    login_as(login)


# the state menu ------------------------------------------------------------------------
def test_the_owner_sees_the_state_and_may_submit(testapp, login_as, area):
    login_as("comune")
    page = testapp.get(PAGE)
    menu = workflow_menu(page)
    assert "Stato: Privato" in menu.get_text(" ", strip=True)
    assert transition_links(page) == {
        "Invia in revisione": f"http://localhost{PAGE}@@transizione?nome=submit"
    }
    assert menu.select_one("a.tavolo-history-link")["href"] == f"http://localhost{PAGE}@@cronologia"
    # The worklist is linked from the site root, and only for those who review.
    assert menu.select_one("a.tavolo-worklist-link") is None
    assert workflow_menu(testapp.get("/")) is None


def test_a_reviewer_sees_the_review_transitions_of_a_pending_item(
    testapp, login_as, dbsession, area
):
    set_state(dbsession, PAGE, "pending")
    login_as("prefettura")
    page = testapp.get(PAGE)
    assert "Stato: In attesa di revisione" in workflow_menu(page).get_text(" ", strip=True)
    assert list(transition_links(page)) == ["Respingi", "Pubblica nell'area riservata", "Pubblica"]
    root_menu = workflow_menu(testapp.get("/"))
    assert root_menu.select_one("a.tavolo-worklist-link")["href"] == (
        "http://localhost/@@da-revisionare"
    )


def test_no_state_menu_for_who_may_take_no_transition(testapp, login_as, dbsession, area):
    set_state(dbsession, PAGE, "published")
    testapp.get(PAGE)  # visitors see the page...
    assert workflow_menu(testapp.get(PAGE)) is None  # ...and no menu
    login_as("comune.firma")
    assert workflow_menu(testapp.get(PAGE)) is None
    # A reviewer facing a private item may take nothing: no state is shown.
    set_state(dbsession, PAGE, "private")
    switch(testapp, login_as, "prefettura")
    page = testapp.get(PAGE)
    assert transition_links(page) == {}
    assert "Stato:" not in (workflow_menu(page).get_text() if workflow_menu(page) else "")


# the transition form -------------------------------------------------------------------
def test_submitting_through_the_form(testapp, login_as, dbsession, area):
    seen = []
    testapp.app.registry.registerHandler(seen.append, (events.AfterTransition,))
    login_as("comune")
    try:
        page = testapp.get(PAGE).click(description="Invia in revisione")
        assert page.html.select_one(".tavolo-from-state").get_text(strip=True) == "Privato"
        assert page.html.select_one(".tavolo-to-state").get_text(strip=True) == (
            "In attesa di revisione"
        )
        assert "Chiedi a chi revisiona" in page.text
        form = page.forms["deform"]
        assert "effective" not in page.text  # submitting publishes nothing: no dates
        assert form["expected_version"].value == str(node(dbsession, PAGE).version)
        version = node(dbsession, PAGE).version
        form["comment"] = "  Pronta per la revisione  "
        done = form.submit("save", status=303)
    finally:
        testapp.app.registry.unregisterHandler(seen.append, (events.AfterTransition,))
    assert done.location == f"http://localhost{PAGE}?stato=cambiato"
    assert "Stato cambiato: In attesa di revisione" in done.follow().text
    item = node(dbsession, PAGE)
    assert (item.state, item.version) == ("pending", version + 1)
    [entry] = history_of(dbsession, PAGE)
    assert (entry.actor_id, entry.actor_login) == (user_id(dbsession, "comune"), "comune")
    assert (entry.transition, entry.from_state, entry.to_state) == ("submit", "private", "pending")
    assert entry.comment == "Pronta per la revisione"
    assert [(e.transition, e.old_state, e.new_state) for e in seen] == [
        ("submit", "private", "pending")
    ]


def test_cancel_returns_to_the_item_and_changes_nothing(testapp, login_as, dbsession, area):
    login_as("comune")
    form = testapp.get(f"{PAGE}@@transizione?nome=submit").forms["deform"]
    done = form.submit("cancel", status=303)
    assert done.location == f"http://localhost{PAGE}"
    assert node(dbsession, PAGE).state == "private"
    assert history_of(dbsession, PAGE) == []


def test_rejecting_needs_a_comment(testapp, login_as, dbsession, area):
    version = set_state(dbsession, PAGE, "pending").version
    login_as("prefettura")
    page = testapp.get(f"{PAGE}@@transizione?nome=reject")
    labels = [label.get_text(strip=True) for label in page.html.select("form#deform label")]
    assert "Commento (obbligatorio)" in labels
    assert page.html.select_one("textarea[name='comment']").has_attr("required")
    form = page.forms["deform"]
    for blank in ("", "   "):
        form["comment"] = blank
        refused = form.submit("save", status=400)
        assert errors(refused) == ["Scrivi un commento: questo passaggio lo richiede."]
    item = node(dbsession, PAGE)
    assert (item.state, item.version) == ("pending", version)
    assert history_of(dbsession, PAGE) == []

    form["comment"] = "Manca il riferimento alla circolare."
    form.submit("save", status=303)
    assert node(dbsession, PAGE).state == "private"
    [entry] = history_of(dbsession, PAGE)
    assert entry.comment == "Manca il riferimento alla circolare."


def test_a_comment_is_at_most_2000_characters(testapp, login_as, dbsession, area):
    login_as("comune")
    form = testapp.get(f"{PAGE}@@transizione?nome=submit").forms["deform"]
    form["comment"] = "x" * 2001
    form.submit("save", status=400)
    assert node(dbsession, PAGE).state == "private"


def test_publishing_sets_the_dates_prefilled_from_the_item(testapp, login_as, dbsession, area):
    item = set_state(dbsession, PAGE, "pending")
    item.effective = at(2030, 1, 10, 9, 30)
    dbsession.flush()
    login_as("prefettura")
    form = testapp.get(f"{PAGE}@@transizione?nome=publish").forms["deform"]
    assert (form.get("date", 0).value, form.get("time", 0).value) == ("2030-01-10", "09:30:00")
    assert (form.get("date", 1).value, form.get("time", 1).value) == ("", "")
    set_dates(form, ("2030-02-01", "08:00"), ("2030-03-01", "18:00"))
    form.submit("save", status=303)
    item = node(dbsession, PAGE)
    assert item.state == "published"
    assert item.effective == at(2030, 2, 1, 8, 0)
    assert item.expires == at(2030, 3, 1, 18, 0)


def test_dates_out_of_order_are_refused(testapp, login_as, dbsession, area):
    item = set_state(dbsession, PAGE, "pending")
    item.expires = at(2030, 1, 1)
    dbsession.flush()
    version = item.version
    login_as("prefettura")
    form = testapp.get(f"{PAGE}@@transizione?nome=publish").forms["deform"]
    # The expiry typed before the publication date: the form says so.
    set_dates(form, ("2030-02-01", "08:00"), ("2030-01-20", "08:00"))
    refused = form.submit("save", status=400)
    assert errors(refused) == ["La data di scadenza deve seguire quella di pubblicazione."]
    item = node(dbsession, PAGE)
    assert (item.state, item.version, item.effective) == ("pending", version, None)
    assert history_of(dbsession, PAGE) == []


def test_an_emptied_date_field_removes_the_date(testapp, login_as, dbsession, area):
    """The fields are prefilled with the item's dates: emptying one means "no date"."""
    item = set_state(dbsession, PAGE, "pending")
    item.effective, item.expires = at(2030, 1, 10, 9, 30), at(2030, 6, 1)
    dbsession.flush()
    login_as("prefettura")
    form = testapp.get(f"{PAGE}@@transizione?nome=publish").forms["deform"]
    set_dates(form, ("2030-02-01", "08:00"), ("", ""))
    form.submit("save", status=303)
    item = node(dbsession, PAGE)
    assert (item.state, item.effective, item.expires) == ("published", at(2030, 2, 1, 8, 0), None)


def test_a_transition_not_from_this_state_is_not_there(testapp, login_as, dbsession, area):
    login_as("admin")
    for name in ("publish", "reject", "make_private", "non-esiste", ""):
        testapp.get(f"{PAGE}@@transizione", {"nome": name}, status=404)
    csrf = testapp.get(f"{PAGE}@@transizione?nome=submit").forms["deform"]["csrf_token"].value
    page = testapp.post(
        f"{PAGE}@@transizione?nome=publish", {"csrf_token": csrf, "comment": "x"}, status=409
    )
    assert "Questo passaggio non è possibile dallo stato attuale" in page.text
    assert "«Privato»" in page.text
    assert node(dbsession, PAGE).state == "private"
    assert history_of(dbsession, PAGE) == []


def test_a_transition_without_its_guard_is_forbidden(testapp, login_as, dbsession, area):
    """The owner may submit and retract, not publish their own page."""
    version = set_state(dbsession, PAGE, "pending").version
    login_as("comune")
    testapp.get(f"{PAGE}@@transizione?nome=publish", status=403)
    csrf = testapp.get(f"{PAGE}@@transizione?nome=retract").forms["deform"]["csrf_token"].value
    testapp.post(f"{PAGE}@@transizione?nome=publish", {"csrf_token": csrf}, status=403)
    item = node(dbsession, PAGE)
    assert (item.state, item.version) == ("pending", version)
    assert history_of(dbsession, PAGE) == []


def test_visitors_are_asked_to_log_in(testapp, dbsession, area):
    set_state(dbsession, PAGE, "published")
    response = testapp.get(f"{PAGE}@@transizione?nome=retract", status=303)
    assert "/login?came_from=" in response.location
    assert "/login?came_from=" in testapp.get(f"{PAGE}@@cronologia", status=303).location


def test_a_stale_form_changes_nothing(testapp, login_as, dbsession, area):
    login_as("comune")
    form = testapp.get(f"{PAGE}@@transizione?nome=submit").forms["deform"]
    # Meanwhile someone edits the page.
    item = node(dbsession, PAGE)
    ContentService(dbsession).update(item, title="Bozza cambiata")
    version = item.version
    page = form.submit("save", status=409)
    assert "Qualcun altro ha cambiato questo elemento" in page.text
    assert page.html.find("a", string="Ricarica l'elemento")["href"] == f"http://localhost{PAGE}"
    item = node(dbsession, PAGE)
    assert (item.state, item.version) == ("private", version)
    assert history_of(dbsession, PAGE) == []


def test_a_transition_taken_meanwhile_is_a_conflict(testapp, login_as, dbsession, area):
    set_state(dbsession, PAGE, "pending")
    login_as("prefettura")
    form = testapp.get(f"{PAGE}@@transizione?nome=publish").forms["deform"]
    # Meanwhile the author took it back.
    item = set_state(dbsession, PAGE, "private")
    item.version += 1
    dbsession.flush()
    page = form.submit("save", status=409)
    assert "Questo passaggio non è possibile dallo stato attuale" in page.text
    assert "«Privato»" in page.text
    assert node(dbsession, PAGE).state == "private"
    assert history_of(dbsession, PAGE) == []


def test_without_the_csrf_token_nothing_changes(testapp, login_as, dbsession, area):
    login_as("comune")
    version = node(dbsession, PAGE).version
    url = f"{PAGE}@@transizione?nome=submit"
    testapp.post(url, {"comment": "x", "expected_version": str(version)}, status=400)
    testapp.post(url, {"csrf_token": "forged", "expected_version": str(version)}, status=400)
    item = node(dbsession, PAGE)
    assert (item.state, item.version) == ("private", version)
    assert history_of(dbsession, PAGE) == []


def test_a_get_never_takes_a_transition(testapp, login_as, dbsession, area):
    login_as("comune")
    testapp.get(f"{PAGE}@@transizione", {"nome": "submit", "comment": "x", "save": "1"})
    assert node(dbsession, PAGE).state == "private"


# the reserved area ---------------------------------------------------------------------
def test_the_reserved_area_never_offers_public_publishing(testapp, login_as, dbsession):
    make(dbsession, "/area-riservata/", "folder", "prova-flusso", "Prova riservata", "internal")
    make(dbsession, RESERVED, "page", "nota", "Nota riservata", state="pending")
    path = f"{RESERVED}nota/"
    login_as("admin")
    page = testapp.get(path)
    links = transition_links(page)
    assert "Pubblica nell'area riservata" in links and "Pubblica" not in links
    testapp.get(f"{path}@@transizione?nome=publish", status=404)
    csrf = testapp.get(f"{path}@@transizione?nome=reject").forms["deform"]["csrf_token"].value
    testapp.post(f"{path}@@transizione?nome=publish", {"csrf_token": csrf}, status=409)
    set_state(dbsession, path, "internal")
    testapp.get(f"{path}@@transizione?nome=publish", status=404)
    testapp.post(f"{path}@@transizione?nome=publish", {"csrf_token": csrf}, status=409)
    assert node(dbsession, path).state == "internal"


# the history tab -----------------------------------------------------------------------
def test_the_history_lists_the_changes_newest_first(testapp, login_as, dbsession, area):
    login_as("comune")
    form = testapp.get(f"{PAGE}@@transizione?nome=submit").forms["deform"]
    form["comment"] = "Prima versione"
    form.submit("save", status=303)
    switch(testapp, login_as, "prefettura")
    form = testapp.get(f"{PAGE}@@transizione?nome=reject").forms["deform"]
    form["comment"] = "Da rivedere"
    form.submit("save", status=303)
    item = node(dbsession, PAGE)
    # A row of the system (scheduled publication), and one of an account since deleted.
    dbsession.add_all(
        [
            WorkflowHistory(
                node_id=item.id,
                at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
                actor_login="",
                workflow="publication",
                transition="expired",
                from_state="published",
                to_state="published",
                comment="",
            ),
            WorkflowHistory(
                node_id=item.id,
                at=dt.datetime(2021, 1, 1, tzinfo=dt.UTC),
                actor_login="ex.dipendente",
                workflow="publication",
                transition="publish",
                from_state="pending",
                to_state="published",
                comment="",
            ),
        ]
    )
    dbsession.flush()
    switch(testapp, login_as, "comune")
    page = testapp.get(PAGE).click(description="Cronologia")
    rows = [
        [td.get_text(" ", strip=True) for td in tr.select("td")]
        for tr in page.html.select("table.tavolo-history tbody tr")
    ]
    assert [row[1:] for row in rows] == [
        ["Laura Bianchi", "Respingi", "In attesa di revisione", "Privato", "Da rivedere"],
        [
            "Marco Rossi",
            "Invia in revisione",
            "Privato",
            "In attesa di revisione",
            "Prima versione",
        ],
        ["ex.dipendente", "Pubblica", "In attesa di revisione", "Pubblicato", ""],
        ["Sistema", "Data di scadenza raggiunta", "Pubblicato", "Pubblicato", ""],
    ]
    assert rows[3][0] == "mercoledì 1 gennaio 2020, ore 01:00"


def test_the_history_pages_by_25(testapp, login_as, dbsession, area):
    item = node(dbsession, PAGE)
    admin = user_id(dbsession, "admin")
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    dbsession.add_all(
        WorkflowHistory(
            node_id=item.id,
            at=start + dt.timedelta(days=number),
            actor_id=admin,
            actor_login="admin",
            workflow="publication",
            transition="submit" if number % 2 == 0 else "retract",
            from_state="private" if number % 2 == 0 else "pending",
            to_state="pending" if number % 2 == 0 else "private",
            comment=f"passo {number}",
        )
        for number in range(30)
    )
    dbsession.flush()
    login_as("archivio")  # a Reader: the tab is open to whoever sees the item
    first = testapp.get(f"{PAGE}@@cronologia")
    comments = [td.get_text() for td in first.html.select(".tavolo-history-comment")]
    assert len(comments) == 25 and comments[0] == "passo 29"
    second = testapp.get(f"{PAGE}@@cronologia?page=2")
    comments = [td.get_text() for td in second.html.select(".tavolo-history-comment")]
    assert comments == [f"passo {n}" for n in range(4, -1, -1)]
    # Admin's full name, not the stored login.
    assert "Amministratore del sito" in second.text


def test_the_history_of_an_item_that_never_changed(testapp, login_as, area):
    login_as("comune")
    page = testapp.get(f"{PAGE}@@cronologia")
    assert "Lo stato di questo elemento non è mai cambiato." in page.text


def test_the_history_follows_the_view_permission(testapp, login_as, area):
    login_as("comune.firma")
    testapp.get(f"{PAGE}@@cronologia", status=403)  # a private page of someone else


def test_a_reviewer_keeps_the_history_link_after_deciding(testapp, login_as, dbsession, area):
    """Once rejected, the item offers the reviewer no transition: the history stays linked."""
    set_state(dbsession, PAGE, "pending")
    login_as("prefettura")
    form = testapp.get(f"{PAGE}@@transizione?nome=reject").forms["deform"]
    form["comment"] = "Da completare."
    form.submit("save", status=303)
    page = testapp.get(PAGE)
    assert transition_links(page) == {}
    page.click(description="Cronologia")
