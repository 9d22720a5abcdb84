"""Every transition of every workflow, from each of its source states, tried through the
web (``@@transizione``) by each kind of user: a visitor, a partner without roles, the
item's owner (a Contributor of the folder who created it), an Editor of the folder, a
global Reviewer and a Manager.

Who may is derived from the definitions (the guard permission in the source state's map,
against the roles each user holds there) - and, for the publication workflow, also written
out by hand below, so that a change of the maps that silently opens or closes a move fails
here rather than passing by re-deriving the code. An allowed move changes the state, the
version and writes one history row with the actor, the states and the comment; a refused
one changes nothing at all.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tavolo.content.services import ContentService
from tavolo.security.models import LocalRole
from tavolo.security.roles import (
    ANONYMOUS,
    AUTHENTICATED,
    CONTRIBUTOR,
    EDITOR,
    MANAGER,
    OWNER,
    REVIEWER,
)
from tavolo.workflow.definitions import (
    FOLDER,
    ONE_STATE,
    PUBLICATION,
    RESERVED,
    RESERVED_FOLDER,
    STATES,
    WORKFLOWS,
)
from tavolo.workflow.engine import WorkflowEngine
from tavolo.workflow.models import WorkflowHistory, WorkflowPolicy
from tests.content.helpers import make, user_id

PUBLIC_AREA = "/percorso-flusso/"
RESERVED_AREA = "/area-riservata/percorso-flusso/"
# Where items of each workflow live, and of which type they are.
PLACES = {
    PUBLICATION: (PUBLIC_AREA, "page"),
    RESERVED: (RESERVED_AREA, "page"),
    FOLDER: (PUBLIC_AREA, "folder"),
    RESERVED_FOLDER: (RESERVED_AREA, "folder"),
}
PERSONAS = ("anonymous", "partner", "owner", "editor", "reviewer", "manager")
LOGINS = {
    "partner": "comune.firma",
    "owner": "comune",
    "editor": "mondoaperto",
    "reviewer": "prefettura",
    "manager": "admin",
}
_LOGGED_IN = frozenset({ANONYMOUS, AUTHENTICATED})
# The roles each one holds on the items (the fixture grants the local ones).
ROLES = {
    "anonymous": frozenset({ANONYMOUS}),
    "partner": _LOGGED_IN,
    "owner": _LOGGED_IN | {CONTRIBUTOR, OWNER},
    "editor": _LOGGED_IN | {EDITOR},
    "reviewer": _LOGGED_IN | {REVIEWER},
    "manager": _LOGGED_IN | {MANAGER},
}
# The prefecture's staff are Editors of the whole reserved area (demo data).
RESERVED_EXTRA_ROLES = {"reviewer": frozenset({EDITOR})}

# The publication workflow, by hand: (transition, source state) -> who may.
AUTHORS = {"owner", "editor", "manager"}
REVIEWERS = {"reviewer", "manager"}
PUBLICATION_EXPECTED = {
    ("submit", "private"): AUTHORS,
    ("retract", "pending"): AUTHORS,
    ("retract", "internal"): AUTHORS,
    ("retract", "published"): AUTHORS,
    ("reject", "pending"): REVIEWERS,
    ("publish_internally", "pending"): REVIEWERS,
    ("publish_internally", "published"): REVIEWERS,
    ("publish", "pending"): REVIEWERS,
    ("publish", "internal"): REVIEWERS,
}


def roles_of(persona: str, workflow: str) -> frozenset[str]:
    roles = ROLES[persona]
    if PLACES[workflow][0] == RESERVED_AREA:
        roles |= RESERVED_EXTRA_ROLES.get(persona, frozenset())
    return roles


def moves(workflow: str) -> list[tuple[str, str]]:
    """Every (transition, source state) of ``workflow``."""
    return [
        (transition.name, source)
        for transition in WORKFLOWS[workflow].transitions
        for source in sorted(transition.sources)
    ]


def allowed(workflow: str, name: str, source: str, persona: str) -> bool:
    guard = WORKFLOWS[workflow].transition(name).guard
    return bool(STATES[source].permissions[guard] & roles_of(persona, workflow))


def test_the_derived_table_matches_the_hand_written_one():
    derived = {
        move: {p for p in PERSONAS if allowed(PUBLICATION, *move, p)} for move in moves(PUBLICATION)
    }
    assert derived == PUBLICATION_EXPECTED


def test_every_workflow_with_transitions_is_walked():
    # The Vademecum's workflows need a Vademecum, its sections and their organisations:
    # they are walked in tests/vademecum/test_workflow_walk.py.
    from tests.vademecum.test_workflow_walk import WALKED

    walked = set(PLACES) | WALKED
    assert {name for name, wf in WORKFLOWS.items() if wf.transitions} == walked


@pytest.fixture
def areas(dbsession):
    """A public folder and a folder of the reserved area, made by nobody in particular,
    where ``comune`` contributes and ``mondoaperto`` edits."""
    comune, mondoaperto = user_id(dbsession, "comune"), user_id(dbsession, "mondoaperto")
    for parent, state in (("/", "published"), ("/area-riservata/", "internal")):
        folder = make(dbsession, parent, "folder", "percorso-flusso", "Percorso", state=state)
        dbsession.add(LocalRole(node_id=folder.id, user_id=comune, role=CONTRIBUTOR))
        dbsession.add(LocalRole(node_id=folder.id, user_id=mondoaperto, role=EDITOR))
    dbsession.flush()


def reload(dbsession, path):
    dbsession.expire_all()
    return ContentService(dbsession).by_path(path)


def history(dbsession, node_id) -> list[WorkflowHistory]:
    return list(
        dbsession.scalars(select(WorkflowHistory).where(WorkflowHistory.node_id == node_id))
    )


def refused_status(persona: str) -> int:
    # A visitor is asked to log in (the forbidden view's redirect); anyone else is refused.
    return 303 if persona == "anonymous" else 403


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("workflow", sorted(PLACES))
def test_walk(testapp, login_as, dbsession, areas, workflow, persona):
    folder, type_name = PLACES[workflow]
    owner = user_id(dbsession, "comune")
    items = {
        (name, source): make(
            dbsession,
            folder,
            type_name,
            f"{name}-{source}",
            f"{name} {source}",
            source,
            owner_id=owner,
        )
        for name, source in moves(workflow)
    }
    for item in items.values():  # the items are where the walk means them to be
        assert WorkflowEngine(dbsession, None).workflow_for(item).name == workflow
    actor = None
    if persona != "anonymous":
        login_as(LOGINS[persona])
        actor = user_id(dbsession, LOGINS[persona])
    csrf = testapp.get("/").forms["language-form"]["csrf_token"].value

    for (name, source), item in items.items():
        path, target = item.path, WORKFLOWS[workflow].transition(name).target
        before = reload(dbsession, path).version
        url = f"{path}@@transizione?nome={name}"
        params = {"csrf_token": csrf, "comment": f"passo {name}", "expected_version": before}
        label = f"{workflow}: {persona} {name} from {source}"
        if allowed(workflow, name, source, persona):
            testapp.get(url, status=200)
            if WORKFLOWS[workflow].transition(name).comment_required:
                testapp.post(url, {**params, "comment": ""}, status=400)
                assert history(dbsession, item.id) == [], label
            done = testapp.post(url, params, status=303)
            assert done.location == f"http://localhost{path}?stato=cambiato", label
            after = reload(dbsession, path)
            assert (after.state, after.version) == (target, before + 1), label
            [entry] = history(dbsession, item.id)
            assert (entry.actor_id, entry.workflow, entry.transition) == (actor, workflow, name)
            assert (entry.from_state, entry.to_state) == (source, target), label
            assert entry.comment == f"passo {name}", label
        else:
            testapp.get(url, status=refused_status(persona))
            testapp.post(url, params, status=refused_status(persona))
            after = reload(dbsession, path)
            assert (after.state, after.version) == (source, before), label
            assert history(dbsession, item.id) == [], label


@pytest.mark.parametrize("workflow", sorted(PLACES))
def test_no_transition_leaves_a_state_it_does_not_start_from(
    testapp, login_as, dbsession, areas, workflow
):
    """Even a Manager: not there on GET (404), a conflict on POST (409)."""
    folder, type_name = PLACES[workflow]
    login_as("admin")
    csrf = testapp.get("/").forms["language-form"]["csrf_token"].value
    for state in WORKFLOWS[workflow].states:
        item = make(dbsession, folder, type_name, f"fermo-{state}", f"Fermo {state}", state)
        for transition in WORKFLOWS[workflow].transitions:
            if state in transition.sources:
                continue
            url = f"{item.path}@@transizione?nome={transition.name}"
            testapp.get(url, status=404)
            testapp.post(url, {"csrf_token": csrf, "comment": "x"}, status=409)
        after = reload(dbsession, item.path)
        assert after.state == state
        assert history(dbsession, item.id) == []


def test_the_one_state_workflow_offers_nothing(testapp, login_as, dbsession, areas):
    folder = reload(dbsession, PUBLIC_AREA)
    dbsession.add(WorkflowPolicy(node_id=folder.id, type_name="page", workflow=ONE_STATE))
    item = make(dbsession, PUBLIC_AREA, "page", "sempre", "Sempre pubblicata", "published")
    login_as("admin")
    page = testapp.get(item.path)
    assert page.html.select("nav.tavolo-workflow-menu a.tavolo-transition") == []
    for name in {t.name for wf in WORKFLOWS.values() for t in wf.transitions}:
        testapp.get(f"{item.path}@@transizione?nome={name}", status=404)
