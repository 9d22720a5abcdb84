"""No lost updates: every change of a node that was based on what someone saw carries the
version it was based on, and is refused with ``EditConflict`` when the node moved on.

The check and the write must be one step. Comparing the version loaded at the start of
the request with the expected one is not enough on PostgreSQL: two requests can both read
version 5, both pass, and the second UPDATE - which waits for the first transaction's row
lock - then overwrites the first save. ``claim_version`` therefore re-reads the version
with ``SELECT ... FOR UPDATE``: under READ COMMITTED the second request waits for the
first to commit, then reads the new version and gets the conflict. On SQLite an unsafe
request starts with ``BEGIN IMMEDIATE`` (tavolo.db), so writers are already serialised
and the plain read is current.

``EditConflict`` is our own exception, not an SQLAlchemy error: zope.sqlalchemy marks
some of those retryable, and pyramid_retry re-running a save would hide the conflict.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import object_session

from tavolo.content.models import Node


class EditConflict(Exception):
    """The item changed since the form was opened: saving would overwrite that change.

    ``node`` is refreshed to what the other person saved when this is raised."""

    def __init__(self, node: Node, expected: int):
        super().__init__(
            f"{node!r} is at version {node.version}, the change was based on {expected}"
        )
        self.node = node
        self.expected = expected


def claim_version(node: Node, expected: int | None, dbsession=None) -> None:
    """Lock ``node``'s row for the rest of the transaction and check that it is still at
    version ``expected``; ``None`` (a script, a change not based on a form) locks only.

    On a conflict the node's loaded attributes are refreshed, so that the caller can show
    what the other person saved."""
    dbsession = dbsession or object_session(node)
    current = dbsession.execute(
        select(Node.version).where(Node.id == node.id).with_for_update()
    ).scalar_one()
    if expected is None or expected == current:
        if current != node.version:  # moved on before we started: work on the current row
            dbsession.refresh(node)
        return
    dbsession.refresh(node)
    raise EditConflict(node, expected)
