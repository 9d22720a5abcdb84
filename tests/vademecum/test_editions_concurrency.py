"""Publishes at the same moment, through the real application on a committed database
(SQLite and PostgreSQL): numbers never collide and nobody gets an error page."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from tavolo.vademecum.edition_models import Edition
from tests.conftest import client_for, committed_demo_app, login
from tests.vademecum import edition_fixtures as fx

PUBLISHERS = ("admin", "prefettura", "admin", "prefettura")
ROUNDS = 5


@pytest.fixture(scope="module")
def race(backend, databases, app_settings):
    def prepare(dbsession):
        return fx.build(dbsession).id

    with committed_demo_app(databases, app_settings, backend, "editions", prepare) as prepared:
        yield prepared


def _numbers(engine, vademecum_id) -> list[int]:
    with engine.connect() as connection:
        return list(
            connection.scalars(
                select(Edition.number)
                .where(Edition.vademecum_id == vademecum_id)
                .order_by(Edition.number)
            )
        )


def _race(clients, forms) -> list[int]:
    barrier = threading.Barrier(len(clients))
    statuses: list[int | None] = [None] * len(clients)

    def submit(index: int) -> None:
        barrier.wait(timeout=60)
        statuses[index] = forms[index].submit(expect_errors=True).status_int

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses


def test_concurrent_publishes_get_distinct_numbers_or_a_conflict(race):
    app, engine, vademecum_id = race
    clients = []
    for user in PUBLISHERS:
        client = client_for(app)
        login(client, user)
        clients.append(client)
    for round_number in range(ROUNDS):
        before = _numbers(engine, vademecum_id)
        # The same list seen by everyone: exactly one edition, the others a 409 page.
        forms = [c.get(fx.PATH + "@@edizioni").forms["edition-publish-form"] for c in clients]
        statuses = _race(clients, forms)
        assert sorted(statuses) == [303] + [409] * (len(clients) - 1), (round_number, statuses)
        after = _numbers(engine, vademecum_id)
        assert after == [*before, len(before) + 1]
        # No expectation (a script, an API): every publish gets its own number.
        forms = [c.get(fx.PATH + "@@edizioni").forms["edition-publish-form"] for c in clients]
        for form in forms:
            form["latest"].force_value("")
        statuses = _race(clients, forms)
        assert statuses == [303] * len(clients), (round_number, statuses)
        numbers = _numbers(engine, vademecum_id)
        assert numbers == list(range(1, len(after) + len(clients) + 1))
