"""Every transition of the Vademecum's workflows (sections, their documents), from each
source state, tried through the web (``@@transizione``) by each kind of user, as
``tests/workflow/test_transition_walk.py`` does for the other workflows.

Who may is written by hand here and checked against the definitions: a member of the
section's organisation (``comune``, Editor through the organisation), another partner
(``mondoaperto``), the prefecture (``prefettura``, Reviewer; its Editor grant on the
reserved area stops at the section, which blocks inheritance), a Manager, a visitor.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tavolo.content.services import ContentService
from tavolo.security.roles import (
    ANONYMOUS,
    AUTHENTICATED,
    EDITOR,
    MANAGER,
    REVIEWER,
)
from tavolo.workflow.definitions import (
    STATES,
    VADEMECUM_ATTACHMENT,
    VADEMECUM_SECTION,
    WORKFLOWS,
)
from tavolo.workflow.models import WorkflowHistory
from tests.vademecum.helpers import COMUNE, csrf, reload, section

# The workflows walked here (tests/workflow/test_transition_walk.py counts them).
WALKED = frozenset({VADEMECUM_SECTION, VADEMECUM_ATTACHMENT})
LOGINS = {
    "member": "comune",
    "partner": "mondoaperto",
    "reviewer": "prefettura",
    "manager": "admin",
}
_LOGGED_IN = frozenset({ANONYMOUS, AUTHENTICATED})
ROLES = {
    "anonymous": frozenset({ANONYMOUS}),
    "member": _LOGGED_IN | {EDITOR},
    "partner": _LOGGED_IN,
    "reviewer": _LOGGED_IN | {REVIEWER},
    "manager": _LOGGED_IN | {MANAGER},
}
WRITERS = {"member", "manager"}
REVIEWERS = {"reviewer", "manager"}
EXPECTED = {
    VADEMECUM_SECTION: {
        ("submit", "draft"): WRITERS,
        ("submit", "returned"): WRITERS,
        ("withdraw", "submitted"): WRITERS,
        ("approve", "submitted"): REVIEWERS,
        ("return", "submitted"): REVIEWERS,
        ("reopen", "approved"): WRITERS,
    },
    VADEMECUM_ATTACHMENT: {
        ("release", "private"): REVIEWERS,
        ("hold", "attached"): WRITERS,
    },
}


def moves(workflow):
    return [
        (t.name, source) for t in WORKFLOWS[workflow].transitions for source in sorted(t.sources)
    ]


def allowed(workflow, name, source, persona) -> bool:
    guard = WORKFLOWS[workflow].transition(name).guard
    return bool(STATES[source].permissions[guard] & ROLES[persona])


@pytest.mark.parametrize("workflow", sorted(WALKED))
def test_the_table_matches_the_definitions(workflow):
    derived = {move: {p for p in ROLES if allowed(workflow, *move, p)} for move in moves(workflow)}
    assert derived == EXPECTED[workflow]


def _item(dbsession, workflow, state):
    node = section(dbsession, COMUNE)
    if workflow == VADEMECUM_ATTACHMENT:
        node = ContentService(dbsession).create(
            node,
            "file",
            f"doc-{state}",
            "Documento",
            state=state,
            filename="doc.pdf",
            content_type="application/pdf",
            size=1,
            sha256="0" * 64,
        )
    else:
        node.state = state
    dbsession.flush()
    return node


def _history(dbsession, node_id):
    dbsession.expire_all()
    return list(
        dbsession.scalars(select(WorkflowHistory).where(WorkflowHistory.node_id == node_id))
    )


@pytest.mark.parametrize("persona", sorted(ROLES))
@pytest.mark.parametrize("workflow", sorted(WALKED))
def test_every_transition_for_everyone(testapp, login_as, dbsession, workflow, persona):
    if persona != "anonymous":
        login_as(LOGINS[persona])
    token = csrf(testapp)
    for name, source in moves(workflow):
        node = _item(dbsession, workflow, source)
        before = len(_history(dbsession, node.id))
        version = reload(dbsession, node).version
        url = f"{node.path}@@transizione?nome={name}"
        params = {"csrf_token": token, "comment": f"passo {name}", "expected_version": version}
        label = f"{workflow}: {persona} {name} from {source}"
        target = WORKFLOWS[workflow].transition(name).target
        if allowed(workflow, name, source, persona):
            testapp.post(url, params, status=303)
            assert reload(dbsession, node).state == target, label
            assert len(_history(dbsession, node.id)) == before + 1, label
        else:
            status = 303 if persona == "anonymous" else 403
            testapp.post(url, params, status=status)
            assert reload(dbsession, node).state == source, label
            assert len(_history(dbsession, node.id)) == before, label
