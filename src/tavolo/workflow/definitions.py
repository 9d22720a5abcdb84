"""The workflows, as plain data: states with their permission maps, transitions, and the
initial state of each workflow.

One rule keeps the security policy simple and the SQL listing filters exact: **a state name
means one permission map in every workflow** (``STATES`` below). Workflows differ in which
of those states they use, where they start and how one moves between them. So a node's
permissions need only its state; its workflow matters only to move it. Changing a map here
needs no data migration: permissions are computed from the state at request time.

The ``hash`` of these definitions is what the search index compares to know when a
rebuild is due (the search issue).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace

from tavolo.i18n import _
from tavolo.security.roles import (
    ADD,
    ANONYMOUS,
    AUTHENTICATED,
    COMMENT,
    CONTRIBUTOR,
    DELETE,
    EDIT,
    EDITOR,
    MANAGE,
    MANAGER,
    MODERATE_COMMENTS,
    OWNER,
    READER,
    REVIEW,
    REVIEWER,
    SHARE,
    SUBMIT,
    VIEW,
)

_STAFF = frozenset({READER, CONTRIBUTOR, EDITOR, REVIEWER, OWNER, MANAGER})
_AUTHORS = frozenset({EDITOR, OWNER, MANAGER})
_REVIEWERS = frozenset({REVIEWER, MANAGER})

_EDITING = {
    ADD: frozenset({CONTRIBUTOR, EDITOR, OWNER, MANAGER}),
    EDIT: _AUTHORS,
    DELETE: _AUTHORS,
    SHARE: _AUTHORS,
    SUBMIT: _AUTHORS,
    REVIEW: _REVIEWERS,
    MANAGE: frozenset({MANAGER}),
    MODERATE_COMMENTS: _REVIEWERS,
}

_PARTNERS_SEE = {
    VIEW: _STAFF | {AUTHENTICATED},
    COMMENT: _STAFF | {AUTHENTICATED},
}
_SECTION = {
    **_PARTNERS_SEE,
    **_EDITING,
    DELETE: frozenset({MANAGER}),
    SHARE: frozenset({MANAGER}),
}


@dataclass(frozen=True)
class State:
    name: str
    title: str
    permissions: dict[str, frozenset[str]]


@dataclass(frozen=True)
class Transition:
    name: str
    title: str
    sources: frozenset[str]
    target: str
    guard: str  # the permission the actor needs on the node
    comment_required: bool = False
    # Whether the form offers a publication date and an expiry date (scheduled publication).
    schedules: bool = False
    description: str = ""


@dataclass(frozen=True)
class Workflow:
    name: str
    title: str
    initial: str
    states: tuple[str, ...]
    transitions: tuple[Transition, ...] = field(default=())

    def transition(self, name: str) -> Transition | None:
        return next((t for t in self.transitions if t.name == name), None)

    def leaving(self, state: str) -> list[Transition]:
        return [t for t in self.transitions if state in t.sources]


STATES: dict[str, State] = {
    state.name: state
    for state in (
        # Only the people it is shared with (and its owner) see it: privacy by default.
        State("private", _("Privato"), {VIEW: _STAFF, COMMENT: _STAFF, **_EDITING}),
        # Waiting for a reviewer: the author can no longer change it, only take it back.
        State(
            "pending",
            _("In attesa di revisione"),
            {VIEW: _STAFF, COMMENT: _STAFF, **_EDITING, EDIT: _REVIEWERS, DELETE: _REVIEWERS},
        ),
        # Every logged-in partner sees it: the reserved area.
        State(
            "internal",
            _("Riservato agli utenti registrati"),
            {VIEW: _STAFF | {AUTHENTICATED}, COMMENT: _STAFF | {AUTHENTICATED}, **_EDITING},
        ),
        # Everyone sees it: the public area.
        State(
            "published",
            _("Pubblicato"),
            {
                VIEW: _STAFF | {AUTHENTICATED, ANONYMOUS},
                # Never Anonymous: a discussion needs to know who speaks.
                COMMENT: _STAFF | {AUTHENTICATED},
                **_EDITING,
            },
        ),
        # The Vademecum (tavolo.vademecum). Every partner reads sections in every state -
        # what a reader is shown (the approved content or the draft) is the package's
        # business; only the section's organisation edits it (a local Editor grant), the
        # prefecture reviews. Sections are never deleted or shared by their writers.
        State("draft", _("Bozza"), _SECTION),
        State(
            "submitted",
            _("Inviata per l'approvazione"),
            {**_SECTION, EDIT: frozenset({MANAGER})},
        ),
        State("approved", _("Approvata"), _SECTION),
        State("returned", _("Restituita per modifiche"), _SECTION),
        # The prefecture's common chapters: its Reviewers edit them too.
        State("common", _("Capitolo comune"), {**_SECTION, EDIT: _AUTHORS | _REVIEWERS}),
        # A useful document inside a section: its organisation manages it.
        State("attached", _("Allegato della sezione"), {**_PARTNERS_SEE, **_EDITING}),
    )
}

_ANY_VISIBLE = frozenset({"internal", "published"})

SUBMIT_FOR_REVIEW = Transition(
    "submit",
    _("Invia in revisione"),
    frozenset({"private"}),
    "pending",
    SUBMIT,
    description=_("Chiedi a chi revisiona di approvare il contenuto."),
)
RETRACT = Transition(
    "retract",
    _("Riporta in bozza"),
    frozenset({"pending"}) | _ANY_VISIBLE,
    "private",
    SUBMIT,
    description=_("Riporta il contenuto tra le bozze private, per modificarlo."),
)
REJECT = Transition(
    "reject",
    _("Respingi"),
    frozenset({"pending"}),
    "private",
    REVIEW,
    comment_required=True,
    description=_("Rimanda il contenuto all'autore spiegando che cosa cambiare."),
)
PUBLISH_INTERNALLY = Transition(
    "publish_internally",
    _("Pubblica nell'area riservata"),
    frozenset({"pending", "published"}),
    "internal",
    REVIEW,
    schedules=True,
    description=_("Visibile a tutti gli utenti registrati della rete."),
)
PUBLISH = Transition(
    "publish",
    _("Pubblica"),
    frozenset({"pending", "internal"}),
    "published",
    REVIEW,
    schedules=True,
    description=_("Visibile a tutti, anche ai visitatori del sito pubblico."),
)

# Folders are containers: no review loop, a reviewer opens or closes them.
FOLDER_MAKE_PRIVATE = Transition(
    "make_private", _("Rendi privata"), _ANY_VISIBLE, "private", REVIEW
)
FOLDER_MAKE_INTERNAL = Transition(
    "make_internal",
    _("Apri agli utenti registrati"),
    frozenset({"private", "published"}),
    "internal",
    REVIEW,
)
FOLDER_PUBLISH = Transition(
    "publish", _("Pubblica"), frozenset({"private", "internal"}), "published", REVIEW
)


# The Vademecum's sections: draft -> submitted -> approved, or returned with a comment.
# Editing an approved section takes ``reopen`` (the package does it on save): a new draft
# that readers do not see until it is approved in its turn.
SECTION_SUBMIT = Transition(
    "submit",  # the name notifications know: reviewers hear about it
    _("Invia per l'approvazione"),
    frozenset({"draft", "returned"}),
    "submitted",
    SUBMIT,
    description=_("Chiedi alla Prefettura di approvare la sezione."),
)
SECTION_WITHDRAW = Transition(
    "withdraw",
    _("Ritira dall'approvazione"),
    frozenset({"submitted"}),
    "draft",
    SUBMIT,
    description=_("Riporta la sezione in bozza per modificarla ancora."),
)
SECTION_APPROVE = Transition(
    "approve",
    _("Approva"),
    frozenset({"submitted"}),
    "approved",
    REVIEW,
    description=_("La sezione entra nel Vademecum così com'è ora."),
)
SECTION_RETURN = Transition(
    "return",
    _("Restituisci per modifiche"),
    frozenset({"submitted"}),
    "returned",
    REVIEW,
    comment_required=True,
    description=_("Rimanda la sezione all'organizzazione spiegando che cosa cambiare."),
)
SECTION_REOPEN = Transition(
    "reopen",
    _("Avvia una nuova bozza"),
    frozenset({"approved"}),
    "draft",
    EDIT,
    description=_("I lettori continuano a vedere la versione approvata."),
)

ATTACHMENT_RELEASE = Transition(
    "release",
    _("Rendi visibile alla rete"),
    frozenset({"private"}),
    "attached",
    REVIEW,
    description=_("Di solito avviene da sé, quando la Prefettura approva la sezione."),
)
ATTACHMENT_HOLD = Transition(
    "hold",
    _("Nascondi alla rete"),
    frozenset({"attached"}),
    "private",
    SUBMIT,
    description=_("Il documento torna visibile solo all'organizzazione e alla Prefettura."),
)


def _only_from(transition: Transition, *sources: str) -> Transition:
    """``transition`` leaving only ``sources``: a workflow with fewer states reuses it."""
    return replace(transition, sources=frozenset(sources))


PUBLICATION = "publication"
RESERVED = "reserved_publication"
FOLDER = "folder"
RESERVED_FOLDER = "reserved_folder"
ONE_STATE = "one_state"
VADEMECUM_SECTION = "vademecum_section"
VADEMECUM_CHAPTER = "vademecum_chapter"
VADEMECUM_ATTACHMENT = "vademecum_attachment"

WORKFLOWS: dict[str, Workflow] = {
    workflow.name: workflow
    for workflow in (
        Workflow(
            PUBLICATION,
            _("Pubblicazione con revisione"),
            "private",
            ("private", "pending", "internal", "published"),
            (SUBMIT_FOR_REVIEW, RETRACT, REJECT, PUBLISH_INTERNALLY, PUBLISH),
        ),
        # The reserved area: the same loop, but nothing in it ever becomes public; only a
        # Manager moving it out changes that (and a move starts it again as private).
        Workflow(
            RESERVED,
            _("Pubblicazione nell'area riservata"),
            "private",
            ("private", "pending", "internal"),
            (
                SUBMIT_FOR_REVIEW,
                _only_from(RETRACT, "pending", "internal"),
                REJECT,
                _only_from(PUBLISH_INTERNALLY, "pending"),
            ),
        ),
        Workflow(
            FOLDER,
            _("Cartella"),
            "private",
            ("private", "internal", "published"),
            (FOLDER_MAKE_PRIVATE, FOLDER_MAKE_INTERNAL, FOLDER_PUBLISH),
        ),
        Workflow(
            RESERVED_FOLDER,
            _("Cartella dell'area riservata"),
            "private",
            ("private", "internal"),
            (
                _only_from(FOLDER_MAKE_PRIVATE, "internal"),
                _only_from(FOLDER_MAKE_INTERNAL, "private"),
            ),
        ),
        Workflow(
            VADEMECUM_SECTION,
            _("Sezione del Vademecum"),
            "draft",
            ("draft", "submitted", "approved", "returned"),
            (SECTION_SUBMIT, SECTION_WITHDRAW, SECTION_APPROVE, SECTION_RETURN, SECTION_REOPEN),
        ),
        Workflow(VADEMECUM_CHAPTER, _("Capitolo comune del Vademecum"), "common", ("common",)),
        # A section's useful documents: private to its organisation and the prefecture
        # until the section is approved (the approval releases them), as a draft is.
        Workflow(
            VADEMECUM_ATTACHMENT,
            _("Allegato di una sezione"),
            "private",
            ("private", "attached"),
            (ATTACHMENT_RELEASE, ATTACHMENT_HOLD),
        ),
        # Always published: what its folder lets one see (legal pages, say).
        Workflow(ONE_STATE, _("Sempre pubblicato"), "published", ("published",)),
    )
}


def _check() -> None:
    """The definitions are consistent, or the application does not start (explicit
    raises, not asserts: ``python -O`` must not skip them)."""

    def require(condition: bool, *what) -> None:
        if not condition:
            raise ValueError(f"inconsistent workflow definitions: {what}")

    for workflow in WORKFLOWS.values():
        require(workflow.initial in workflow.states, workflow.name, "initial")
        for state in workflow.states:
            require(state in STATES, workflow.name, state)
        names = [t.name for t in workflow.transitions]
        require(len(names) == len(set(names)), workflow.name, "duplicate transitions")
        for transition in workflow.transitions:
            where = (workflow.name, transition.name)
            require(transition.sources <= set(workflow.states), *where, "sources")
            require(transition.target in workflow.states, *where, "target")
            require(transition.target not in transition.sources, *where, "loop")


_check()


def definitions_hash() -> str:
    """SHA-256 of the states' permission maps and the workflows' shape."""
    data = {
        "states": {
            name: {p: sorted(roles) for p, roles in sorted(state.permissions.items())}
            for name, state in sorted(STATES.items())
        },
        "workflows": {
            name: {
                "initial": wf.initial,
                "states": list(wf.states),
                "transitions": [
                    [t.name, sorted(t.sources), t.target, t.guard] for t in wf.transitions
                ],
            }
            for name, wf in sorted(WORKFLOWS.items())
        },
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
