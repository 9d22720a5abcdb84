"""The Vademecum: the guide the network writes together (issue 9).

* ``models``: the guide, its common chapters, one section per partner organisation, and
  the suggestions partners make to each other's sections;
* ``schemas``: the forms (a section in the spirit of AgID's "Unità organizzativa");
* ``snapshot``: a section's content as plain data, approved or current, and the whole
  guide (``consolidated``) - the contract with editions, exports and search;
* ``access``: who sees a section's draft, who writes it, who may suggest;
* ``service``: saving a section (a revision each time; an approved one reopens as a
  draft) and keeping the approved content when the prefecture approves;
* ``structure``: common chapters and sections, added, retired and reordered;
* ``suggestions``: proposing, accepting (a revision crediting the proposer), declining;
* ``dashboard`` and ``reminders``: the prefecture's overview and its reminder mail;
* ``notices``: mails to organisations and proposers;
* ``views``, ``suggestion_views``, ``structure_views``, ``dashboard_views``: the web.

Editions, the consolidated page, exports and the public edition are in ``editions``,
``edition_views``, ``consolidated_views``, ``public`` and ``export``.

Nothing is imported here at the top: ``tavolo.models`` imports ``vademecum.models`` while
the other domains' models are still being imported.
"""


def on_transition(event) -> None:
    from tavolo.vademecum.models import VademecumSection
    from tavolo.vademecum.notices import notify_section_decision
    from tavolo.vademecum.service import after_transition

    after_transition(event)
    if isinstance(event.object, VademecumSection) and event.transition in ("approve", "return"):
        notify_section_decision(event)


def on_modified(event) -> None:
    """A change made outside the section's own form (a revert from ``@@versioni``) to an
    approved section starts a new draft too: "approved" always means that readers see what
    its organisation wrote."""
    from tavolo import events
    from tavolo.vademecum.models import VademecumSection
    from tavolo.vademecum.service import APPROVED, REOPEN, differs_from_approved
    from tavolo.workflow.web import engine_for

    node, request = event.object, event.request
    # Exactly ObjectModified: transitions and moves are modifications too, not edits.
    if type(event) is not events.ObjectModified or request is None:
        return
    approved = isinstance(node, VademecumSection) and node.state == APPROVED
    if approved and differs_from_approved(node):
        engine_for(request).take(node, REOPEN)


def _document_added(document, request) -> None:
    """A document added to an approved section is a change of the section: it starts a new
    draft, and the document is released with the section's next approval."""
    from tavolo.vademecum.models import VademecumSection
    from tavolo.vademecum.service import APPROVED, REOPEN
    from tavolo.workflow.web import engine_for

    lineage = document.lineage
    section = lineage[-2] if len(lineage) > 1 else None
    if isinstance(section, VademecumSection) and section.state == APPROVED:
        engine_for(request).take(section, REOPEN)


def on_added(event) -> None:
    """A Vademecum added through the ordinary add form gets its workflows and common
    chapters, as one created by ``structure.create_vademecum``; a document added to an
    approved section reopens the section."""
    from tavolo import events
    from tavolo.content.models import File
    from tavolo.vademecum.models import Vademecum
    from tavolo.vademecum.structure import VademecumStructure

    node, request = event.object, event.request
    if request is None:
        return
    if isinstance(node, File) and node.state == "private":
        _document_added(node, request)
    if not isinstance(node, Vademecum):
        return
    vademecum = node
    change = VademecumStructure(request.dbsession).setup(vademecum)
    for chapter in change.created:
        request.registry.notify(events.ObjectAdded(chapter, request))


def includeme(config):
    from tavolo import events

    config.add_subscriber(on_transition, events.AfterTransition)
    config.add_subscriber(on_added, events.ObjectAdded)
    config.add_subscriber(on_modified, events.ObjectModified)
    config.scan("tavolo.vademecum.views")
    config.scan("tavolo.vademecum.suggestion_views")
    config.scan("tavolo.vademecum.structure_views")
    config.scan("tavolo.vademecum.dashboard_views")
    # Editions, the consolidated page, exports and the public edition.
    config.include("tavolo.vademecum.edition_views")
