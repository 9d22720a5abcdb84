"""Versioning: every save of a content item writes a revision; its versions can be listed,
viewed and reverted to (``@@versioni``, ``@@versione``, ``@@ripristina``), and shown with the
item's state changes in one timeline (``@@storia``).

Revisions are written by a subscriber of ``ObjectAdded`` and ``ObjectModified`` rather
than by each view that saves: the add and edit forms, the bulk upload and pasted copies
all fire those events already, and a future save path (an API) gets revisions without
remembering to. The subscriber only writes when the snapshot differs from the latest
revision, so events that change no versioned field (a restore from the trash) write
nothing. The edit form's change note travels on the request (``request.change_note``),
since the events carry only the object and the request.
"""

from __future__ import annotations

from tavolo import events

# Revisions are about edits. State changes (StateChanged, AfterTransition) change no
# versioned field and are in the workflow history. A rename or move changes none either,
# so it writes nothing - but the rename form may change the title with the name, and that
# title is a field edit worth a revision: ObjectMoved is listened to for that.
_SAVES = (events.ObjectAdded, events.ObjectModified, events.ObjectMoved)


def record_save(event) -> None:
    from sqlalchemy.orm import object_session

    from tavolo.content.models import Node
    from tavolo.content.registry import TYPES
    from tavolo.versioning.service import RevisionService

    if type(event) not in _SAVES:
        return
    node = event.object
    info = TYPES.get(getattr(node, "type", None))
    if not isinstance(node, Node) or info is None or info.schema is None:
        return
    request = event.request
    dbsession = request.dbsession if request is not None else object_session(node)
    author = request.identity if request is not None else None
    note = getattr(request, "change_note", "") if request is not None else ""
    RevisionService(dbsession).record(node, author, note)


def record_baseline(event) -> None:
    """Before the first recorded edit of an item that has no revision (made before
    versioning existed, or by a script), keep how it was: revision 1, by nobody."""
    from tavolo.content.models import Node
    from tavolo.content.registry import TYPES
    from tavolo.versioning.service import BASELINE_NOTE, RevisionService

    node, request = event.object, event.request
    info = TYPES.get(getattr(node, "type", None))
    if request is None or not isinstance(node, Node) or info is None or info.schema is None:
        return
    service = RevisionService(request.dbsession)
    if service.latest(node) is None:
        service.record(node, None, BASELINE_NOTE)


def includeme(config):
    config.add_subscriber(record_baseline, events.ObjectWillBeModified)
    config.add_subscriber(record_save, events.ObjectAdded)
    config.add_subscriber(record_save, events.ObjectModified)
    config.scan("tavolo.versioning.views")
    config.scan("tavolo.versioning.compare_views")
    config.scan("tavolo.versioning.timeline_views")
    # Advisory edit locks: their views, the notice on item pages, release on save.
    config.include("tavolo.versioning.lock_views")
