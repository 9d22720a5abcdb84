"""The workflow engine: where items start (type defaults and placeful policies), what
copies and moves do to states, taking a transition, refusals, dates, and the consistency
of the definitions themselves."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from tavolo import events
from tavolo.accounts.models import User
from tavolo.content.moving import TreeChanges
from tavolo.content.services import ContentService
from tavolo.db import utcnow
from tavolo.security.policy import RoleCalculator
from tavolo.security.principals import principals_for
from tavolo.security.roles import ANONYMOUS, AUTHENTICATED, REVIEWER, VIEW
from tavolo.workflow import definitions
from tavolo.workflow.definitions import (
    FOLDER,
    ONE_STATE,
    PUBLICATION,
    RESERVED,
    RESERVED_FOLDER,
    STATES,
    WORKFLOWS,
    State,
    Transition,
    Workflow,
    definitions_hash,
)
from tavolo.workflow.engine import (
    ANY_TYPE,
    COMMENT_MAX_LENGTH,
    CommentRequired,
    InvalidDates,
    StaleVersion,
    TransitionRefused,
    UnknownTransition,
    WorkflowEngine,
    initial_state_for,
    workflow_name_for,
)
from tavolo.workflow.models import WorkflowHistory, WorkflowPolicy

DAY = dt.timedelta(days=1)


# helpers (the schedule and property tests use them too) -------------------------------
def user(dbsession, login: str | None) -> User | None:
    if login is None:
        return None
    return dbsession.scalars(select(User).where(User.login == login)).one()


def calculator(dbsession, login: str | None, now: dt.datetime | None = None) -> RoleCalculator:
    return RoleCalculator(dbsession, principals_for(dbsession, user(dbsession, login)), now=now)


def engine_for(dbsession, login: str | None, seen: list | None = None) -> WorkflowEngine:
    return WorkflowEngine(
        dbsession,
        calculator(dbsession, login),
        user(dbsession, login),
        notify=seen.append if seen is not None else None,
    )


def history_of(dbsession, node) -> list[WorkflowHistory]:
    return list(
        dbsession.scalars(
            select(WorkflowHistory)
            .where(WorkflowHistory.node_id == node.id)
            .order_by(WorkflowHistory.id)
        )
    )


def history_count(dbsession, node) -> int:
    return dbsession.scalar(
        select(func.count(WorkflowHistory.id)).where(WorkflowHistory.node_id == node.id)
    )


def bind(dbsession, folder, type_name: str, workflow: str) -> None:
    dbsession.add(WorkflowPolicy(node_id=folder.id, type_name=type_name, workflow=workflow))
    dbsession.flush()


@pytest.fixture
def content(dbsession):
    return ContentService(dbsession)


@pytest.fixture
def public(content):
    """/prova-wf/: a published folder of the public area, with the default workflows."""
    return content.create(content.root(), "folder", "prova-wf", "Prova workflow", state="published")


@pytest.fixture
def draft(dbsession, content, public):
    """A private page in /prova-wf/ owned by mondoaperto (a partner: Owner only there)."""
    return content.create(
        public, "page", "bozza", "Bozza", owner_id=user(dbsession, "mondoaperto").id
    )


# where items start ---------------------------------------------------------------------
def test_new_items_start_in_their_types_initial_state(dbsession, content, public):
    page = content.create(public, "page", "nuova", "Nuova")
    folder = content.create(public, "folder", "nuova-cartella", "Nuova cartella")
    assert (page.state, folder.state) == ("private", "private")
    assert engine_for(dbsession, "admin").workflow_for(page).name == PUBLICATION
    assert engine_for(dbsession, "admin").workflow_for(folder).name == FOLDER


def test_the_reserved_area_binds_its_own_workflows(dbsession, content):
    area = content.by_path("/area-riservata/")
    page = content.create(area, "page", "nuova", "Nuova")
    folder = content.create(area, "folder", "nuova-cartella", "Nuova cartella")
    inner = content.create(folder, "news", "notizia", "Notizia")
    engine = engine_for(dbsession, "admin")
    assert engine.workflow_for(page).name == RESERVED
    assert engine.workflow_for(folder).name == RESERVED_FOLDER
    assert engine.workflow_for(inner).name == RESERVED  # the binding covers the subtree
    assert {page.state, folder.state, inner.state} == {"private"}


def test_a_folder_binding_one_state_for_pages_makes_new_pages_start_published(
    dbsession, content, public
):
    bind(dbsession, public, "page", ONE_STATE)
    assert content.create(public, "page", "legale", "Note legali").state == "published"
    # Only pages: the other types keep their own workflow.
    assert content.create(public, "news", "notizia", "Notizia").state == "private"
    # The folder itself follows the binding too ("its subtree, itself included").
    assert workflow_name_for(dbsession, "page", public.lineage) == ONE_STATE


def test_the_nearest_binding_wins(dbsession, content, public):
    bind(dbsession, public, "page", ONE_STATE)
    inner = content.create(public, "folder", "dentro", "Dentro", state="published")
    bind(dbsession, inner, "page", PUBLICATION)
    assert content.create(inner, "page", "revisionata", "Revisionata").state == "private"
    assert content.create(public, "page", "diretta", "Diretta").state == "published"
    # Nearer still wins even when it binds any type and the farther one binds the type.
    deeper = content.create(inner, "folder", "piu-dentro", "Più dentro", state="published")
    bind(dbsession, deeper, ANY_TYPE, ONE_STATE)
    assert content.create(deeper, "page", "sempre", "Sempre").state == "published"


def test_any_type_is_the_fallback_and_a_type_binding_beats_it_on_the_same_folder(
    dbsession, content, public
):
    bind(dbsession, public, ANY_TYPE, ONE_STATE)
    bind(dbsession, public, "page", PUBLICATION)
    assert content.create(public, "news", "notizia", "Notizia").state == "published"
    assert content.create(public, "page", "pagina", "Pagina").state == "private"


def test_a_binding_to_an_unknown_workflow_is_ignored(dbsession, content, public):
    bind(dbsession, public, "page", "non-esiste")
    assert workflow_name_for(dbsession, "page", public.lineage) == PUBLICATION
    assert initial_state_for(dbsession, "page", public) == "private"


# copies and moves ----------------------------------------------------------------------
def test_copies_start_in_the_initial_state_of_their_new_place(dbsession, content, public):
    original = content.create(public, "folder", "originale", "Originale", state="published")
    content.create(original, "page", "pagina", "Pagina", state="published")
    target = content.create(public, "folder", "legali", "Legali", state="published")
    bind(dbsession, target, "page", ONE_STATE)
    changes = TreeChanges(dbsession)

    copy = changes.copy(original, target, owner_id=None)
    assert copy.state == "private"  # a folder: its own workflow starts private
    assert content.by_path("/prova-wf/legali/originale/pagina/").state == "published"

    plain = changes.copy(original, public, owner_id=None)
    assert plain.state == "private"
    assert content.by_path(f"{plain.path}pagina/").state == "private"

    reserved = changes.copy(original, content.by_path("/area-riservata/"), owner_id=None)
    page = content.by_path(f"{reserved.path}pagina/")
    assert (reserved.state, page.state) == ("private", "private")
    assert engine_for(dbsession, "admin").workflow_for(page).name == RESERVED
    assert history_count(dbsession, copy) == 0  # a copy is new: no history to carry


def test_an_internal_item_moved_out_of_the_reserved_area_restarts_as_private(
    dbsession, content, public
):
    area = content.by_path("/area-riservata/")
    item = content.create(area, "page", "verbale", "Verbale", state="internal")
    version = item.version
    admin = user(dbsession, "admin")

    TreeChanges(dbsession, actor=admin).move(item, public)

    assert item.state == "private"
    assert item.version > version
    assert engine_for(dbsession, "admin").workflow_for(item).name == PUBLICATION
    [row] = history_of(dbsession, item)
    assert (row.transition, row.from_state, row.to_state) == ("moved", "internal", "private")
    assert (row.workflow, row.actor_id, row.actor_login) == (PUBLICATION, admin.id, "admin")
    # Nobody but staff sees it any more.
    assert not calculator(dbsession, "comune").permits(item, VIEW)


def test_a_published_folder_moved_into_the_reserved_area_restarts_with_its_subtree(
    dbsession, content, public
):
    folder = content.create(public, "folder", "pubblica", "Pubblica", state="published")
    page = content.create(folder, "page", "pagina", "Pagina", state="published")
    draft = content.create(folder, "page", "bozza", "Bozza", state="private")

    TreeChanges(dbsession).move(folder, content.by_path("/area-riservata/"))

    assert (folder.state, page.state, draft.state) == ("private", "private", "private")
    assert [r.workflow for r in history_of(dbsession, folder)] == [RESERVED_FOLDER]
    assert [r.to_state for r in history_of(dbsession, page)] == ["private"]
    assert history_of(dbsession, draft) == []  # already where its new workflow starts


def test_a_move_within_the_same_workflow_keeps_the_state(dbsession, content, public):
    page = content.create(public, "page", "pagina", "Pagina", state="published")
    target = content.create(content.root(), "folder", "altrove", "Altrove", state="published")
    TreeChanges(dbsession).move(page, target)
    assert page.state == "published"
    assert history_of(dbsession, page) == []

    # Inside the reserved area too: an internal item stays internal.
    area = content.by_path("/area-riservata/")
    minutes = content.create(area, "page", "verbale", "Verbale", state="internal")
    TreeChanges(dbsession).move(minutes, content.by_path("/area-riservata/documenti/"))
    assert minutes.state == "internal"
    assert history_of(dbsession, minutes) == []


# taking a transition -------------------------------------------------------------------
def test_a_transition_changes_the_state_writes_history_moves_the_version_and_fires(
    dbsession, draft
):
    seen = []
    owner = engine_for(dbsession, "mondoaperto", seen)
    version, modified = draft.version, draft.modified
    assert [t.name for t in owner.available(draft)] == ["submit"]

    taken = owner.take(draft, "submit", "  Pronta per la revisione  ", expected_version=version)

    assert (taken.old_state, taken.new_state, draft.state) == ("private", "pending", "pending")
    assert draft.version == version + 1
    assert draft.modified >= modified
    [row] = history_of(dbsession, draft)
    assert row is taken.history
    assert (row.transition, row.from_state, row.to_state) == ("submit", "private", "pending")
    assert (row.workflow, row.actor_login, row.comment) == (
        PUBLICATION,
        "mondoaperto",
        "Pronta per la revisione",
    )
    assert row.actor_id == user(dbsession, "mondoaperto").id
    assert row.scheduled_for is None
    [event] = seen
    assert isinstance(event, events.AfterTransition)
    assert isinstance(event, events.ObjectModified)  # reindexing subscribers see it
    assert event.object is draft
    assert (event.old_state, event.new_state, event.transition) == ("private", "pending", "submit")
    assert (event.workflow, event.comment, event.request) == (
        PUBLICATION,
        "Pronta per la revisione",
        None,
    )
    assert event.actor.login == "mondoaperto"

    reviewer = engine_for(dbsession, "prefettura", seen)
    # Taking it back is the author's move (submit permission), not the reviewer's.
    assert {t.name for t in reviewer.available(draft)} == {
        "reject",
        "publish_internally",
        "publish",
    }
    reviewer.take(draft, "publish")
    assert draft.state == "published"
    assert [r.transition for r in reviewer.history(draft)] == ["publish", "submit"]
    assert [e.transition for e in seen] == ["submit", "publish"]


def test_the_app_registry_delivers_the_event_to_subscribers(dbsession, draft, wsgi_app):
    registry = wsgi_app.registry
    seen = []

    def subscriber(event):
        seen.append(event)

    registry.registerHandler(subscriber, (events.AfterTransition,))
    try:
        engine = WorkflowEngine(
            dbsession,
            calculator(dbsession, "mondoaperto"),
            user(dbsession, "mondoaperto"),
            notify=registry.notify,
        )
        engine.take(draft, "submit")
    finally:
        registry.unregisterHandler(subscriber, (events.AfterTransition,))
    assert [(e.transition, e.object) for e in seen] == [("submit", draft)]


def test_the_comment_is_trimmed_to_its_maximum(dbsession, draft):
    draft.state = "pending"
    engine_for(dbsession, "prefettura").take(draft, "reject", "x" * (COMMENT_MAX_LENGTH + 50))
    assert len(history_of(dbsession, draft)[0].comment) == COMMENT_MAX_LENGTH


def test_the_system_may_take_a_transition_without_an_actor(dbsession, draft):
    engine = WorkflowEngine(dbsession, calculator(dbsession, "admin"), actor=None)
    engine.take(draft, "submit")
    [row] = history_of(dbsession, draft)
    assert (row.actor_id, row.actor_login) == (None, "")


@pytest.mark.parametrize(
    ("login", "state", "name", "comment", "kwargs", "error"),
    [
        # A partner holds no guard permission on someone else's draft.
        ("comune", "private", "submit", "", {}, TransitionRefused),
        # Anonymous cannot even see it.
        (None, "private", "submit", "", {}, TransitionRefused),
        # The owner submits, never publishes.
        ("mondoaperto", "pending", "publish", "", {}, TransitionRefused),
        # Publishing does not leave the private state; folders' names are not a page's.
        ("admin", "private", "publish", "", {}, UnknownTransition),
        ("admin", "private", "make_internal", "", {}, UnknownTransition),
        ("admin", "private", "approva", "", {}, UnknownTransition),
        # A rejection says why; blanks are no reason.
        ("prefettura", "pending", "reject", "   ", {}, CommentRequired),
        # Someone changed it since the caller looked.
        ("prefettura", "pending", "publish", "", {"expected_version": 0}, StaleVersion),
        # The expiry date is not after the publication date.
        (
            "prefettura",
            "pending",
            "publish",
            "",
            {"effective": utcnow() + DAY, "expires": utcnow() + DAY / 2},
            InvalidDates,
        ),
    ],
)
def test_refusals_change_nothing(dbsession, draft, login, state, name, comment, kwargs, error):
    draft.state = state
    dbsession.flush()
    seen = []
    before = (draft.state, draft.version, draft.modified, draft.effective, draft.expires)
    count = history_count(dbsession, draft)
    with pytest.raises(error):
        engine_for(dbsession, login, seen).take(draft, name, comment, **kwargs)
    dbsession.flush()
    dbsession.expire(draft)
    assert (draft.state, draft.version, draft.modified, draft.effective, draft.expires) == before
    assert history_count(dbsession, draft) == count
    assert seen == []


# dates ----------------------------------------------------------------------------------
@pytest.fixture
def pending(dbsession, draft):
    draft.state = "pending"
    dbsession.flush()
    return draft


def test_publishing_sets_the_dates_and_none_keeps_them(dbsession, pending):
    effective, expires = utcnow() + DAY, utcnow() + 10 * DAY
    reviewer = engine_for(dbsession, "prefettura")
    reviewer.take(pending, "publish_internally", effective=effective, expires=expires)
    assert (pending.effective, pending.expires) == (effective, expires)
    reviewer.take(pending, "publish")  # no dates given: the node keeps its own
    dbsession.flush()
    dbsession.expire(pending)
    assert (pending.effective, pending.expires) == (effective, expires)


@pytest.mark.parametrize("expires_after", [dt.timedelta(0), -dt.timedelta(minutes=1)])
def test_an_expiry_not_after_the_publication_date_is_refused(dbsession, pending, expires_after):
    effective = utcnow() + DAY
    with pytest.raises(InvalidDates):
        engine_for(dbsession, "prefettura").take(
            pending, "publish", effective=effective, expires=effective + expires_after
        )


def test_dates_are_checked_against_the_ones_the_node_keeps(dbsession, pending):
    pending.effective = utcnow() + 5 * DAY
    dbsession.flush()
    with pytest.raises(InvalidDates):
        engine_for(dbsession, "prefettura").take(pending, "publish", expires=utcnow() + DAY)
    assert pending.expires is None
    assert pending.state == "pending"


def test_a_future_publication_date_hides_the_item_until_it_comes(dbsession, pending, public):
    effective = utcnow() + DAY
    engine_for(dbsession, "prefettura").take(pending, "publish", effective=effective)
    assert not calculator(dbsession, None).permits(pending, VIEW)
    assert calculator(dbsession, None, now=effective).permits(pending, VIEW)
    # Its owner and its editors see it meanwhile.
    assert calculator(dbsession, "mondoaperto").permits(pending, VIEW)
    assert calculator(dbsession, "admin").permits(pending, VIEW)


def test_the_reviewer_who_scheduled_a_publication_still_sees_it(dbsession, pending):
    engine_for(dbsession, "prefettura").take(pending, "publish", effective=utcnow() + DAY)
    assert calculator(dbsession, "prefettura").permits(pending, VIEW)
    assert not calculator(dbsession, "comune").permits(pending, VIEW)  # nobody else yet


# the definitions --------------------------------------------------------------------------
def test_the_definitions_are_consistent():
    definitions._check()


def _broken(**changes) -> Workflow:
    base = {
        "name": "rotto",
        "title": "Rotto",
        "initial": "private",
        "states": ("private", "pending"),
        "transitions": (
            Transition("submit", "Invia", frozenset({"private"}), "pending", "submit"),
        ),
    }
    return Workflow(**{**base, **changes})


@pytest.mark.parametrize(
    "workflow",
    [
        _broken(initial="published"),  # the initial state is not one of its states
        _broken(states=("private", "pending", "archived")),  # a state without a map
        _broken(
            transitions=(
                Transition("submit", "Invia", frozenset({"private"}), "pending", "submit"),
                Transition("submit", "Invia", frozenset({"pending"}), "private", "submit"),
            )
        ),  # two transitions with one name
        _broken(
            transitions=(
                Transition("publish", "Pubblica", frozenset({"internal"}), "pending", "review"),
            )
        ),  # a source outside the workflow
        _broken(
            transitions=(
                Transition("publish", "Pubblica", frozenset({"pending"}), "published", "review"),
            )
        ),  # a target outside the workflow
        _broken(
            transitions=(
                Transition("noop", "Niente", frozenset({"private", "pending"}), "pending", "edit"),
            )
        ),  # a transition that may lead where it starts
    ],
)
def test_inconsistent_definitions_stop_the_application(monkeypatch, workflow):
    monkeypatch.setitem(WORKFLOWS, workflow.name, workflow)
    with pytest.raises(ValueError, match="inconsistent workflow definitions"):
        definitions._check()


def test_every_workflows_initial_state_is_not_public():
    """Nothing becomes visible by being created, copied or moved - except where a folder
    binds the always-published workflow on purpose."""
    # A Vademecum's sections show partners only their approved content, whatever their
    # state, and its common chapters are the prefecture's text in a Vademecum it opens
    # when ready; neither is ever copied or moved out of a Vademecum (tavolo.vademecum).
    on_purpose = {ONE_STATE, definitions.VADEMECUM_SECTION, definitions.VADEMECUM_CHAPTER}
    for workflow in WORKFLOWS.values():
        if workflow.name in on_purpose:
            continue
        view = STATES[workflow.initial].permissions[VIEW]
        assert not view & {ANONYMOUS, AUTHENTICATED}, workflow.name


def test_the_reserved_workflows_never_reach_the_public():
    for name in (RESERVED, RESERVED_FOLDER):
        for state in WORKFLOWS[name].states:
            assert ANONYMOUS not in STATES[state].permissions[VIEW], (name, state)


def test_reviewers_see_every_state():
    """What waits for them included: a reviewer can always open what they review."""
    for state in STATES.values():
        assert REVIEWER in state.permissions[VIEW], state.name


def test_the_definitions_hash_is_stable_and_follows_every_map(monkeypatch):
    first = definitions_hash()
    assert first == definitions_hash()
    assert len(first) == 64 and int(first, 16) >= 0

    published = STATES["published"]
    permissions = dict(published.permissions)
    permissions[VIEW] = permissions[VIEW] - {ANONYMOUS}
    monkeypatch.setitem(STATES, "published", State(published.name, published.title, permissions))
    changed = definitions_hash()
    assert changed != first

    monkeypatch.undo()
    assert definitions_hash() == first
    folder = WORKFLOWS[FOLDER]
    monkeypatch.setitem(
        WORKFLOWS,
        FOLDER,
        Workflow(folder.name, folder.title, folder.initial, folder.states, folder.transitions[1:]),
    )
    assert definitions_hash() not in (first, changed)


def test_titles_do_not_change_the_hash(monkeypatch):
    """Only what decides permissions counts: retitling a state needs no reindexing."""
    first = definitions_hash()
    published = STATES["published"]
    monkeypatch.setitem(
        STATES, "published", State(published.name, "Altro titolo", dict(published.permissions))
    )
    assert definitions_hash() == first
