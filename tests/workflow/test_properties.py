"""Property: random sequences of transitions, by random actors, on a page and a folder of
the public area and of the reserved area.

The expectations are computed here, independently of the engine and of the security
policy: each actor's roles are known from the demo network and this test's grants, and
``STATES`` says what each role may do in each state. After every step:

(a) a transition succeeds iff it leaves the current state in the node's workflow and the
    actor holds its guard permission (every ancestor visible to them, the state granting
    the permission to one of their roles), and a comment is given where one is required;
    otherwise state, version and history are unchanged, and no event is fired;
(b) whether each actor sees the node agrees three ways: ``RoleCalculator.permits``, the
    SQL listing filter on its folder, and the state's View map ∩ their roles (outside the
    node's dates, its Edit or Review map).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tavolo.content.models import Node
from tavolo.content.services import ContentService
from tavolo.db import utcnow
from tavolo.security.listing import visible_children_clause_for
from tavolo.security.models import LocalRole
from tavolo.security.roles import (
    ANONYMOUS,
    AUTHENTICATED,
    EDIT,
    EDITOR,
    MANAGER,
    OWNER,
    REVIEW,
    REVIEWER,
    VIEW,
)
from tavolo.workflow.definitions import (
    FOLDER,
    PUBLICATION,
    RESERVED,
    RESERVED_FOLDER,
    STATES,
    WORKFLOWS,
)
from tavolo.workflow.engine import (
    CommentRequired,
    TransitionRefused,
    UnknownTransition,
    WorkflowEngine,
)
from tests.workflow.test_engine import calculator, history_count, user

DAY = dt.timedelta(days=1)
ACTORS = ("anonymous", "partner", "owner", "editor", "reviewer", "manager")
LOGINS = {
    "anonymous": None,
    "partner": "comune",
    "owner": "mondoaperto",
    "editor": "comune.firma",  # Editor granted on the test folders below
    "reviewer": "prefettura",  # global Reviewer; its organisation edits the reserved area
    "manager": "admin",
}
NAMES = sorted({t.name for wf in WORKFLOWS.values() for t in wf.transitions} | {"approva"})
PLACES = {
    # place -> (folder path, folder state, workflow of pages, workflow of folders)
    "public": ("/prova-proprieta/", "published", PUBLICATION, FOLDER),
    "reserved": ("/area-riservata/prova-proprieta/", "internal", RESERVED, RESERVED_FOLDER),
}
# When the node is in effect: no dates, a publication date still to come, an expiry passed.
DATES = ("none", "future", "expired")


def expected_roles(actor: str, place: str) -> frozenset[str]:
    """What each actor holds on the test node, from how the test set things up."""
    if actor == "anonymous":
        return frozenset({ANONYMOUS})
    roles = {ANONYMOUS, AUTHENTICATED}
    roles |= {
        "partner": set(),
        "owner": {OWNER},
        "editor": {EDITOR},
        "reviewer": {REVIEWER, EDITOR} if place == "reserved" else {REVIEWER},
        "manager": {MANAGER},
    }[actor]
    return frozenset(roles)


def parents_visible(actor: str, place: str) -> bool:
    # The root is published; the reserved area and its test folder are internal.
    return place == "public" or actor != "anonymous"


def grants(state: str, permission: str, roles: frozenset[str]) -> bool:
    return bool(STATES[state].permissions.get(permission, frozenset()) & roles)


@dataclass
class Arena:
    node: Node
    folder: Node
    workflow: str
    place: str
    now: dt.datetime
    calculators: dict
    engines: dict
    seen: list


@pytest.fixture(params=sorted(PLACES))
def place(request):
    return request.param


@pytest.fixture(params=["page", "folder"])
def arena(request, dbsession, place) -> Arena:
    content = ContentService(dbsession)
    path, folder_state, page_workflow, folder_workflow = PLACES[place]
    parent = content.by_path(path.rsplit("/", 2)[0] + "/")
    folder = content.create(parent, "folder", "prova-proprieta", "Prova", state=folder_state)
    dbsession.add(
        LocalRole(node_id=folder.id, user_id=user(dbsession, "comune.firma").id, role=EDITOR)
    )
    node = content.create(
        folder,
        request.param,
        "oggetto",
        "Oggetto",
        owner_id=user(dbsession, "mondoaperto").id,
    )
    dbsession.flush()
    now = utcnow()
    seen: list = []
    calculators = {actor: calculator(dbsession, LOGINS[actor], now) for actor in ACTORS}
    engines = {
        actor: WorkflowEngine(
            dbsession, calculators[actor], user(dbsession, LOGINS[actor]), notify=seen.append
        )
        for actor in ACTORS
    }
    workflow = page_workflow if request.param == "page" else folder_workflow
    assert engines["manager"].workflow_for(node).name == workflow
    return Arena(node, folder, workflow, place, now, calculators, engines, seen)


def set_dates(node: Node, dates: str, now: dt.datetime) -> None:
    node.effective, node.expires = {
        "none": (None, None),
        "future": (now + DAY, None),
        "expired": (now - 2 * DAY, now - DAY),
    }[dates]


def expected_outcome(arena: Arena, actor: str, name: str, comment: str):
    """None for success, else the engine's exception class."""
    state = arena.node.state
    transition = WORKFLOWS[arena.workflow].transition(name)
    if transition is None or state not in transition.sources:
        return UnknownTransition
    roles = expected_roles(actor, arena.place)
    if not (parents_visible(actor, arena.place) and grants(state, transition.guard, roles)):
        return TransitionRefused
    if transition.comment_required and not comment:
        return CommentRequired
    return None


def check_visibility(dbsession, arena: Arena, dates: str) -> None:
    node, state = arena.node, arena.node.state
    in_effect = dates == "none"
    for actor in ACTORS:
        roles = expected_roles(actor, arena.place)
        assert arena.calculators[actor].roles_on(node) == roles, actor
        outside_dates = grants(state, EDIT, roles) or grants(state, REVIEW, roles)
        by_map = grants(state, VIEW, roles) and (in_effect or outside_dates)
        by_policy = arena.calculators[actor].permits(node, VIEW)
        by_sql = (
            dbsession.scalar(
                select(Node.id).where(
                    Node.id == node.id,
                    visible_children_clause_for(arena.calculators[actor], arena.folder),
                )
            )
            is not None
        )
        # The listing filter is asked only about a folder the caller may see; the policy
        # also needs every ancestor.
        assert by_sql == by_map, (actor, state, dates)
        assert by_policy == (by_map and parents_visible(actor, arena.place)), (
            actor,
            state,
            dates,
        )


def draw_step(data, arena: Arena) -> tuple[str, str, str]:
    """An actor, a transition name and a comment. Half the names are drawn from those
    leaving the current state, so that sequences get somewhere; the rest from every name
    (a folder's on a page, and one no workflow has)."""
    leaving = [t.name for t in WORKFLOWS[arena.workflow].leaving(arena.node.state)]
    names = st.sampled_from(NAMES)
    if leaving:
        names = st.sampled_from(leaving) | names
    return (
        data.draw(st.sampled_from(ACTORS), label="actor"),
        data.draw(names, label="transition"),
        data.draw(st.sampled_from(["", "perché"]), label="comment"),
    )


@settings(
    max_examples=25,
    deadline=None,
    database=None,  # nothing written into the working tree
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data(), dates=st.sampled_from(DATES), length=st.integers(1, 12))
def test_transitions_follow_the_state_maps(dbsession, arena, data, dates, length):
    node = arena.node
    # Each example starts from a clean slate: a savepoint undone at the end.
    savepoint = dbsession.begin_nested()
    try:
        node.state = data.draw(st.sampled_from(WORKFLOWS[arena.workflow].states), label="start")
        set_dates(node, dates, arena.now)
        dbsession.flush()
        check_visibility(dbsession, arena, dates)
        for _ in range(length):
            actor, name, comment = draw_step(data, arena)
            before = (node.state, node.version, history_count(dbsession, node))
            expected = expected_outcome(arena, actor, name, comment)
            arena.seen.clear()
            if expected is None:
                target = WORKFLOWS[arena.workflow].transition(name).target
                arena.engines[actor].take(node, name, comment)
                assert node.state == target
                assert node.version == before[1] + 1
                assert history_count(dbsession, node) == before[2] + 1
                assert [(e.transition, e.new_state) for e in arena.seen] == [(name, target)]
            else:
                with pytest.raises(expected):
                    arena.engines[actor].take(node, name, comment)
                dbsession.flush()
                assert (node.state, node.version, history_count(dbsession, node)) == before
                assert arena.seen == []
            check_visibility(dbsession, arena, dates)
    finally:
        savepoint.rollback()
        arena.seen.clear()
