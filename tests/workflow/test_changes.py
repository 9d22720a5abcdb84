"""Setting a provisional state: only known states, and the version moves only on a change."""

from __future__ import annotations

import pytest

from tavolo.workflow.changes import StateChanges, UnknownState
from tavolo.workflow.states import STATES, state_title
from tests.content.helpers import make


def test_a_state_change_moves_the_version_and_the_modification_time(dbsession):
    page = make(dbsession, "/", "page", "prova-stato", "Prova stato", state="private")
    version, modified = page.version, page.modified
    assert StateChanges(dbsession).set_state(page, "published") is True
    assert page.state == "published"
    assert page.version == version + 1
    assert page.modified >= modified


def test_the_same_state_again_changes_nothing(dbsession):
    page = make(dbsession, "/", "page", "prova-stato", "Prova stato", state="internal")
    version = page.version
    assert StateChanges(dbsession).set_state(page, "internal") is False
    assert page.version == version


def test_unknown_states_are_refused(dbsession):
    page = make(dbsession, "/", "page", "prova-stato", "Prova stato", state="private")
    with pytest.raises(UnknownState):
        StateChanges(dbsession).set_state(page, "pubblicato")
    assert page.state == "private"


def test_every_state_has_a_title():
    assert all(state_title(state) != state for state in STATES)
    assert state_title("sconosciuto") == "sconosciuto"
