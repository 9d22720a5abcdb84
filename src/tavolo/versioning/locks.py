"""Advisory edit locks: who has an item's edit form open, shown to everyone else.

The edit form's script takes the lock by a POST once the page has loaded (a GET never
writes) and refreshes it while the form stays open; saving or cancelling releases it, and
a lock nobody refreshes expires after ``tavolo.lock_timeout`` minutes. Anyone who may edit
the item may take the lock over after a warning; the takeover is kept on the lock (so that
the previous holder's next refresh is told) and, by the view's ``EditLockTakenOver``
event, in the audit trail.

Locks are advisory: they never stop a save. Lost updates are prevented by the version
check of the content service (``EditConflict``), which holds whether or not a lock was
taken - a script, a second tab or a client without JavaScript saves without one.

The clock is injectable (``now``) so that tests can move time instead of sleeping.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from zope.sqlalchemy import mark_changed

from tavolo.accounts.models import User
from tavolo.db import utcnow
from tavolo.settings import DEFAULT_LOCK_TIMEOUT
from tavolo.versioning.models import EditLock

REGISTRY_KEY = "tavolo.lock_timeout"


@dataclass(frozen=True)
class LockInfo:
    """A live lock as callers show it: the holder's id and name, and its times."""

    holder_id: int
    holder_name: str
    acquired: dt.datetime
    expires: dt.datetime
    taken_over_from_id: int | None
    taken_over_at: dt.datetime | None


class LockHeld(Exception):
    """Someone else holds a live lock on the item."""

    def __init__(self, lock: LockInfo):
        super().__init__(lock.holder_name)
        self.lock = lock


class EditLockService:
    def __init__(
        self,
        dbsession,
        timeout: dt.timedelta = dt.timedelta(minutes=DEFAULT_LOCK_TIMEOUT),
        now: Callable[[], dt.datetime] = utcnow,
    ):
        self.dbsession = dbsession
        self.timeout = timeout
        self.now = now

    # reading -----------------------------------------------------------------------------
    def current(self, node) -> LockInfo | None:
        """The live lock on ``node`` with its holder's name, or None when it is free."""
        row = self.dbsession.execute(
            select(EditLock, User.fullname)
            .join(User, User.id == EditLock.holder_id)
            .where(EditLock.node_id == node.id, EditLock.expires > self.now())
        ).first()
        return _info(*row) if row is not None else None

    # writing -----------------------------------------------------------------------------
    def take(self, node, user) -> LockInfo:
        """Take the lock, or refresh it if ``user`` holds it already (the lock's ``acquired``
        stays: it says since when they are editing). Raises ``LockHeld`` when someone else
        holds a live lock - including one taken over from ``user``."""
        now = self.now()
        row = self._row_for_update(node.id)
        if row is None:
            self._insert_if_absent(node.id, user.id, now)
            # Whoever won a race to insert, the row is now there (and locked for us).
            row = self._row_for_update(node.id)
        if row.expires > now and row.holder_id != user.id:
            raise LockHeld(self._describe(row))
        if row.expires <= now or row.holder_id != user.id:
            self._start(row, user.id, now)
        else:
            row.refreshed = now
            row.expires = now + self.timeout
        self.dbsession.flush()
        return self._describe(row, user)

    refresh = take

    def release(self, node, user) -> bool:
        """Release ``user``'s lock. True if there was one; False if the item was free
        anyway. Raises ``LockHeld`` for a live lock of someone else: nobody releases
        another person's lock (taking it over is a separate, recorded step)."""
        row = self._row_for_update(node.id)
        if row is None or row.expires <= self.now():
            return False
        if row.holder_id != user.id:
            raise LockHeld(self._describe(row))
        self.dbsession.delete(row)
        self.dbsession.flush()
        return True

    def leave(self, node, user) -> bool:
        """``user`` stops editing (saved or cancelled): release their lock if they hold
        it, and leave anyone else's alone (it was taken over, or never theirs)."""
        try:
            return self.release(node, user)
        except LockHeld:
            return False

    def take_over(self, node, user) -> LockInfo | None:
        """Take the lock from whoever holds it, recording who lost it on the lock (for
        their next refresh). Returns the lock that was taken over,
        or None when there was nothing to take over (the item was free, or ``user``'s)."""
        now = self.now()
        row = self._row_for_update(node.id)
        if row is None or row.expires <= now or row.holder_id == user.id:
            self.take(node, user)
            return None
        previous = self._describe(row)
        self._start(row, user.id, now)
        row.taken_over_from_id = previous.holder_id
        row.taken_over_at = now
        self.dbsession.flush()
        return previous

    # helpers -----------------------------------------------------------------------------
    def _row_for_update(self, node_id: int) -> EditLock | None:
        # FOR UPDATE on PostgreSQL; SQLite's unsafe requests hold the database already
        # (BEGIN IMMEDIATE, tavolo.db). populate_existing: never decide on a stale copy.
        return self.dbsession.scalars(
            select(EditLock)
            .where(EditLock.node_id == node_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).first()

    def _insert_if_absent(self, node_id: int, user_id: int, now: dt.datetime) -> None:
        # Two first takes at once must not end in an IntegrityError (pyramid_retry does not
        # retry it, and the user would see an error page): the loser inserts nothing and
        # then finds the winner's row.
        dialect = self.dbsession.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        values = {
            "node_id": node_id,
            "holder_id": user_id,
            "acquired": now,
            "refreshed": now,
            "expires": now + self.timeout,
        }
        self.dbsession.execute(
            insert(EditLock).values(**values).on_conflict_do_nothing(index_elements=["node_id"])
        )
        mark_changed(self.dbsession)

    def _start(self, row: EditLock, user_id: int, now: dt.datetime) -> None:
        row.holder_id = user_id
        row.acquired = row.refreshed = now
        row.expires = now + self.timeout
        row.taken_over_from_id = row.taken_over_at = None

    def _describe(self, row: EditLock, holder=None) -> LockInfo:
        name = holder.fullname if holder is not None else None
        if name is None:
            name = self.dbsession.scalar(select(User.fullname).where(User.id == row.holder_id))
        return _info(row, name or "")


def _info(row: EditLock, name: str) -> LockInfo:
    return LockInfo(
        holder_id=row.holder_id,
        holder_name=name,
        acquired=row.acquired,
        expires=row.expires,
        taken_over_from_id=row.taken_over_from_id,
        taken_over_at=row.taken_over_at,
    )


def lock_service(request, now: Callable[[], dt.datetime] | None = None) -> EditLockService:
    """The service with the site's timeout (read once at start-up, see ``includeme``)."""
    timeout = request.registry.get(REGISTRY_KEY) or dt.timedelta(minutes=DEFAULT_LOCK_TIMEOUT)
    return EditLockService(request.dbsession, timeout, now or utcnow)
