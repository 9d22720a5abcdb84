"""Scheduled publication: visibility follows the dates at once; the service records each
date that came once, with the system as actor, and never touches what a reviewer has not
approved."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from tavolo import events
from tavolo.content.models import Node
from tavolo.content.services import ContentService
from tavolo.db import utcnow
from tavolo.security.listing import visible_children_clause_for
from tavolo.security.roles import VIEW
from tavolo.workflow.definitions import PUBLICATION, RESERVED
from tavolo.workflow.models import BECAME_VISIBLE, EXPIRED, WorkflowHistory
from tavolo.workflow.schedule import (
    DEFAULT_WINDOW,
    VISIBLE_STATES,
    ScheduledPublication,
)
from tests.workflow.test_engine import calculator, engine_for, history_of, user

DAY = dt.timedelta(days=1)


@pytest.fixture
def start():
    """The test's "now": every date below is placed relative to it."""
    return utcnow()


@pytest.fixture
def folder(dbsession):
    content = ContentService(dbsession)
    return content.create(content.root(), "folder", "programmate", "Programmate", state="published")


def pending_page(dbsession, folder, name="pagina", **fields):
    return ContentService(dbsession).create(
        folder,
        "page",
        name,
        name.capitalize(),
        state="pending",
        owner_id=user(dbsession, "mondoaperto").id,
        **fields,
    )


def publish(dbsession, node, **dates):
    engine_for(dbsession, "prefettura").take(node, "publish", **dates)
    return node


def run(dbsession, now, seen=None, *, dry_run=False, since=None):
    service = ScheduledPublication(
        dbsession, now=now, since=since, notify=seen.append if seen is not None else None
    )
    return service.run(dry_run=dry_run)


def system_rows(dbsession) -> list[WorkflowHistory]:
    return list(
        dbsession.scalars(
            select(WorkflowHistory)
            .where(WorkflowHistory.transition.in_([BECAME_VISIBLE, EXPIRED]))
            .order_by(WorkflowHistory.id)
        )
    )


def listed(dbsession, login, folder, now) -> list[str]:
    clause = visible_children_clause_for(calculator(dbsession, login, now), folder)
    return list(dbsession.scalars(select(Node.name).where(Node.parent_id == folder.id, clause)))


def test_the_states_that_count_are_those_seen_beyond_the_staff():
    # The Vademecum's sections, common chapters and released documents are read by every
    # partner (a section shows them only its approved content); none of them has dates.
    vademecum = {"draft", "submitted", "approved", "returned", "common", "attached"}
    assert set(VISIBLE_STATES) == {"internal", "published"} | vademecum


def test_a_scheduled_publication_becomes_visible_and_is_recorded_once(dbsession, folder, start):
    effective = start + DAY
    page = publish(dbsession, pending_page(dbsession, folder), effective=effective)
    version = page.version

    # Before the date: hidden from the visitor, by the policy and by the listing filter.
    assert not calculator(dbsession, None, start).permits(page, VIEW)
    assert listed(dbsession, None, folder, start) == []
    # Nothing is due yet.
    assert run(dbsession, start).recorded == []

    later = start + 2 * DAY
    assert calculator(dbsession, None, later).permits(page, VIEW)
    assert listed(dbsession, None, folder, later) == ["pagina"]

    seen = []
    report = run(dbsession, later, seen)
    assert [(d.node, d.kind, d.date, d.workflow) for d in report.recorded] == [
        (page, BECAME_VISIBLE, effective, PUBLICATION)
    ]
    [row] = system_rows(dbsession)
    assert (row.node_id, row.transition, row.scheduled_for) == (page.id, BECAME_VISIBLE, effective)
    assert (row.from_state, row.to_state, row.workflow) == ("published", "published", PUBLICATION)
    assert (row.actor_id, row.actor_login, row.comment, row.at) == (None, "", "", later)
    [event] = seen
    assert isinstance(event, events.AfterTransition)
    assert (event.object, event.request, event.actor) == (page, None, None)
    assert (event.transition, event.old_state, event.new_state, event.workflow) == (
        BECAME_VISIBLE,
        "published",
        "published",
        PUBLICATION,
    )
    # It never changes the node.
    assert (page.state, page.version) == ("published", version)

    # Twice does nothing twice: it is not even found again (the unique index is the
    # second line of defence, for runs at the same time).
    seen.clear()
    again = run(dbsession, later + DAY, seen)
    assert (again.recorded, again.already, seen) == ([], [], [])
    assert len(system_rows(dbsession)) == 1


def test_an_expiry_is_recorded_once(dbsession, folder, start):
    expires = start + DAY
    page = publish(dbsession, pending_page(dbsession, folder), expires=expires)
    assert calculator(dbsession, None, start).permits(page, VIEW)
    assert run(dbsession, start).recorded == []

    later = start + 2 * DAY
    assert not calculator(dbsession, None, later).permits(page, VIEW)
    assert listed(dbsession, None, folder, later) == []
    seen = []
    report = run(dbsession, later, seen)
    assert [(d.kind, d.date) for d in report.recorded] == [(EXPIRED, expires)]
    assert [e.transition for e in seen] == [EXPIRED]
    assert ScheduledPublication(dbsession, now=later).due() == []
    assert [(r.transition, r.scheduled_for) for r in system_rows(dbsession)] == [(EXPIRED, expires)]


def test_both_dates_passed_are_recorded_in_their_order(dbsession, folder, start):
    page = publish(
        dbsession, pending_page(dbsession, folder), effective=start + DAY, expires=start + 2 * DAY
    )
    seen = []
    report = run(dbsession, start + 3 * DAY, seen)
    assert [d.kind for d in report.recorded] == [BECAME_VISIBLE, EXPIRED]
    assert [e.transition for e in seen] == [BECAME_VISIBLE, EXPIRED]
    assert report.count(BECAME_VISIBLE) == report.count(EXPIRED) == 1
    assert [r.node_id for r in system_rows(dbsession)] == [page.id, page.id]


@pytest.mark.parametrize("state", ["private", "pending"])
def test_nothing_is_recorded_for_what_no_reviewer_approved(dbsession, folder, start, state):
    page = pending_page(dbsession, folder, effective=start + DAY, expires=start + 2 * DAY)
    page.state = state
    dbsession.flush()
    seen = []
    assert run(dbsession, start + 3 * DAY, seen).recorded == []
    assert seen == []
    assert system_rows(dbsession) == []
    assert page.state == state


def test_a_dry_run_writes_nothing(dbsession, folder, start):
    page = publish(dbsession, pending_page(dbsession, folder), effective=start + DAY)
    seen = []
    report = run(dbsession, start + 2 * DAY, seen, dry_run=True)
    assert [(d.node, d.kind) for d in report.recorded] == [(page, BECAME_VISIBLE)]
    assert seen == []
    assert system_rows(dbsession) == []
    # The real run then records it.
    assert len(run(dbsession, start + 2 * DAY).recorded) == 1


def test_internal_items_of_the_reserved_area_count_too(dbsession, start):
    area = ContentService(dbsession).by_path("/area-riservata/")
    page = pending_page(dbsession, area, "verbale")
    engine_for(dbsession, "prefettura").take(page, "publish_internally", effective=start + DAY)
    assert not calculator(dbsession, "comune", start).permits(page, VIEW)
    assert calculator(dbsession, "comune", start + 2 * DAY).permits(page, VIEW)
    [due] = run(dbsession, start + 2 * DAY).recorded
    assert (due.node, due.workflow) == (page, RESERVED)
    assert history_of(dbsession, page)[-1].to_state == "internal"


def test_published_after_its_date_is_not_announced_again(dbsession, folder, start):
    """Publishing made it visible, and that transition already told everyone."""
    publish(dbsession, pending_page(dbsession, folder), effective=start - DAY)
    assert run(dbsession, start + DAY).recorded == []


def test_created_visible_before_its_date_counts_without_any_transition(dbsession, start):
    """An always-published item (or one a script created) has no history: its creation
    stands for the last change of state."""
    content = ContentService(dbsession)
    page = content.create(
        content.root(), "page", "avviso", "Avviso", state="published", effective=start + DAY
    )
    assert [d.node for d in run(dbsession, start + 2 * DAY).recorded] == [page]


def test_an_item_never_in_effect_does_not_expire(dbsession, folder, start):
    page = pending_page(dbsession, folder)
    page.state = "published"
    page.effective, page.expires = start + 2 * DAY, start + DAY  # inverted by hand
    dbsession.flush()
    report = run(dbsession, start + 3 * DAY)
    assert [d.kind for d in report.recorded] == [BECAME_VISIBLE]


def test_only_dates_within_the_window_are_considered(dbsession, folder, start):
    effective = start + DAY
    publish(dbsession, pending_page(dbsession, folder), effective=effective)
    much_later = effective + DEFAULT_WINDOW + DAY
    assert run(dbsession, much_later).recorded == []
    assert len(run(dbsession, much_later, since=effective - DAY).recorded) == 1
    with pytest.raises(ValueError):
        ScheduledPublication(dbsession, now=start, since=start + DAY)


def test_a_new_date_is_recorded_again(dbsession, folder, start):
    page = publish(dbsession, pending_page(dbsession, folder), effective=start + DAY)
    assert len(run(dbsession, start + 2 * DAY).recorded) == 1
    # A reviewer takes it back and publishes it again for a later date.
    engine_for(dbsession, "mondoaperto").take(page, "retract")
    engine_for(dbsession, "mondoaperto").take(page, "submit")
    publish(dbsession, page, effective=start + 3 * DAY)
    assert run(dbsession, start + 2 * DAY + dt.timedelta(hours=1)).recorded == []
    [due] = run(dbsession, start + 4 * DAY).recorded
    assert due.date == start + 3 * DAY
    assert [r.scheduled_for for r in system_rows(dbsession)] == [start + DAY, start + 3 * DAY]


def test_trashed_items_and_their_subtrees_are_left_out(dbsession, folder, start):
    inner = ContentService(dbsession).create(
        folder, "folder", "cestinata", "Cestinata", state="published"
    )
    publish(dbsession, pending_page(dbsession, inner, "sotto"), effective=start + DAY)
    trashed = publish(dbsession, pending_page(dbsession, folder, "via"), effective=start + DAY)
    inner.trashed_at = trashed.trashed_at = start
    dbsession.flush()
    assert run(dbsession, start + 2 * DAY).recorded == []


def test_a_row_another_run_wrote_first_costs_only_that_row(dbsession, folder, start):
    """Two runs at once: the unique index stops the second row, in its own savepoint,
    and the run goes on with the next one."""
    first = publish(dbsession, pending_page(dbsession, folder, "prima"), effective=start + DAY)
    second = publish(dbsession, pending_page(dbsession, folder, "seconda"), effective=start + DAY)
    now = start + 2 * DAY
    service = ScheduledPublication(dbsession, now=now)
    due = service.due()
    assert [d.node for d in due] == [first, second]
    # The other run records the first one between our finding and our writing.
    dbsession.add(
        WorkflowHistory(
            node_id=first.id,
            at=now,
            workflow=PUBLICATION,
            transition=BECAME_VISIBLE,
            from_state="published",
            to_state="published",
            scheduled_for=first.effective,
        )
    )
    dbsession.flush()
    seen = []
    service.notify = seen.append
    assert service.record(due[0]) is False
    assert service.record(due[1]) is True
    assert [e.object for e in seen] == [second]
    counts = dict(
        dbsession.execute(
            select(WorkflowHistory.node_id, func.count())
            .where(WorkflowHistory.transition == BECAME_VISIBLE)
            .group_by(WorkflowHistory.node_id)
        ).all()
    )
    assert counts == {first.id: 1, second.id: 1}


def test_large_runs_go_in_batches(dbsession, folder, start):
    pages = [
        publish(dbsession, pending_page(dbsession, folder, f"pagina-{n}"), effective=start + DAY)
        for n in range(5)
    ]
    batches = []
    report = ScheduledPublication(dbsession, now=start + 2 * DAY, batch_size=2).run(
        on_batch=lambda: batches.append(len(system_rows(dbsession)))
    )
    assert [d.node for d in report.recorded] == pages
    assert batches == [2, 4, 5]
