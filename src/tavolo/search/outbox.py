"""Writing the outbox: domain events become queue rows in the transaction of the change.

Each subscriber adds a row to the session that holds the changed node, so the row
commits or rolls back with the change itself. The first row of a transaction also
registers an after-commit hook on it: once the database has committed, the queue is
applied (never inside the request's transaction, and never for a transaction that
failed). Rows left behind - a crash, a busy writer, a change made by a script - are
applied by the next hook, at start-up or by ``tavolo-index``.
"""

from __future__ import annotations

import logging

import transaction
import transaction.interfaces
from sqlalchemy.orm import object_session

from tavolo import events
from tavolo.search.models import IndexQueueEntry

log = logging.getLogger(__name__)

_HOOKED = "tavolo.search.after_commit"
# How long a request waits for another process's writer before leaving its rows queued.
REQUEST_WRITER_TIMEOUT = 0.5


def enqueue(dbsession, node_id: int, *, subtree: bool = False, reason: str = "") -> None:
    """Queue ``node_id`` (with its subtree) for reindexing, in ``dbsession``'s transaction."""
    dbsession.add(IndexQueueEntry(node_id=node_id, subtree=subtree, reason=reason[:30]))


def _apply_after_commit(committed: bool, registry) -> None:
    if not committed:
        return
    from tavolo.search.indexer import apply_pending

    try:
        apply_pending(
            registry["dbsession_factory"],
            registry["tavolo.search_index"],
            extractor=registry.get("tavolo.search_extractor"),
            timeout=REQUEST_WRITER_TIMEOUT,
        )
    except Exception:
        # The change is committed and its rows are safe in the queue: a failure here must
        # not turn a saved change into an error page. The next run applies them.
        log.exception("applying the index queue after commit failed; the rows stay queued")


def _hook(request, registry) -> None:
    """Apply the queue once this request's transaction has committed."""
    if request is None or registry is None:
        return  # a script: its rows wait for the next run (or tavolo-index)
    manager = getattr(request, "tm", None) or transaction.manager
    try:
        current = manager.get()
    except transaction.interfaces.NoTransaction:
        return
    if _has_data(current, _HOOKED):
        return
    current.set_data(_HOOKED, True)
    current.addAfterCommitHook(_apply_after_commit, args=(registry,))


def _has_data(txn, key) -> bool:
    try:
        txn.data(key)
    except KeyError:
        return False
    return True


def _queue(event, *, subtree: bool, reason: str) -> None:
    node = event.object
    dbsession = object_session(node)
    if dbsession is None or node.id is None:
        log.warning("no session for %r: not queued for the index", node)
        return
    enqueue(dbsession, node.id, subtree=subtree, reason=reason)
    request = event.request
    _hook(request, getattr(request, "registry", None))


def on_added(event):
    # A node restored from the trash comes back with its subtree.
    _queue(event, subtree=True, reason="added")


_DATES = "tavolo.search.dates_before"


def _dates(node) -> tuple:
    return (node.effective, node.expires)


def on_will_be_modified(event):
    """Remember the dates before an edit: an ancestor's date window decides who sees its
    subtree (``allowed``), so a changed window reindexes the subtree, any other edit only
    the node."""
    dbsession = object_session(event.object)
    if dbsession is not None and event.object.id is not None:
        dbsession.info.setdefault(_DATES, {})[event.object.id] = _dates(event.object)


def on_modified(event):
    if isinstance(event, events.ObjectMoved):
        _queue(event, subtree=True, reason="moved")
    elif isinstance(event, events.StateChanged):
        _queue(event, subtree=True, reason="state")
    else:
        dbsession = object_session(event.object)
        before = (dbsession.info.get(_DATES, {}) if dbsession is not None else {}).pop(
            event.object.id, None
        )
        dates_changed = before is not None and before != _dates(event.object)
        _queue(event, subtree=dates_changed, reason="dates" if dates_changed else "modified")


def on_removed(event):
    _queue(event, subtree=True, reason="removed")


def on_local_roles(event):
    reason = "inheritance" if event.inherit_roles is not None else "sharing"
    _queue(event, subtree=True, reason=reason)


def includeme(config):
    config.add_subscriber(on_added, events.ObjectAdded)
    config.add_subscriber(on_will_be_modified, events.ObjectWillBeModified)
    # ObjectMoved and StateChanged (so AfterTransition) are ObjectModified.
    config.add_subscriber(on_modified, events.ObjectModified)
    config.add_subscriber(on_removed, events.ObjectRemoved)
    config.add_subscriber(on_local_roles, events.LocalRolesChanged)
