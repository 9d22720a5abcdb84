"""Delivering the notices of a transition, each as its recipient chose.

* immediate: one mail, queued with the transaction's mailer - it leaves only if the
  transaction commits, so a transition that is rolled back tells nobody;
* digest: a ``PendingNotice`` row in the same transaction, for the daily digest;
* none: nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy.orm import object_session

from tavolo.accounts.models import NotificationMode, User
from tavolo.db import utcnow
from tavolo.notify import recipients as who
from tavolo.notify.context import NoticeContext, attached
from tavolo.notify.messages import Notice, notice_mail
from tavolo.notify.models import PendingNotice

log = logging.getLogger(__name__)


@dataclass
class Delivered:
    """Who was told how: for tests, logs and scripts' reports."""

    mailed: list[User] = field(default_factory=list)
    queued: list[User] = field(default_factory=list)  # for the digest

    @property
    def count(self) -> int:
        return len(self.mailed) + len(self.queued)


class NotificationService:
    def __init__(self, dbsession, context: NoticeContext):
        self.dbsession = dbsession
        self.context = context

    def transition(
        self, node, transition: str, *, actor=None, comment: str = "", now=None
    ) -> Delivered:
        """Tell whoever should hear that ``actor`` took ``transition`` on ``node``."""
        now = now or utcnow()
        notice = Notice(
            kind=transition,
            node=node,
            actor_name=actor.fullname if actor is not None else "",
            comment=comment or "",
            when=now,
        )
        users = who.recipients(self.dbsession, node, transition, actor, now)
        return self._deliver(users, notice, actor, now)

    def comment(
        self, node, text: str, *, actor, participants, link: str = "", now=None
    ) -> Delivered:
        """Tell the item's owner and ``participants`` (ids of those who wrote in its
        discussion) that ``actor`` commented ``text`` on ``node``; ``link`` leads to the
        comment. Only those who may still see the item, never the actor."""
        now = now or utcnow()
        ids = set(participants)
        if node.owner_id is not None:
            ids.add(node.owner_id)
        notice = Notice(
            kind="comment",
            node=node,
            actor_name=actor.fullname if actor is not None else "",
            comment=text or "",
            when=now,
            link=link,
        )
        users = who.discussion(self.dbsession, node, ids, actor, now)
        return self._deliver(users, notice, actor, now)

    def _deliver(self, users, notice: Notice, actor, now) -> Delivered:
        """Each user as they chose: a mail now, a row for the digest, or nothing."""
        delivered = Delivered()
        node, kind, comment = notice.node, notice.kind, notice.comment
        for user in users:
            if user.notifications == NotificationMode.IMMEDIATE:
                if user.email:
                    self.context.send(user, *notice_mail(self.context, user, notice, now))
                    delivered.mailed.append(user)
            elif user.notifications == NotificationMode.DIGEST:
                self.dbsession.add(
                    PendingNotice(
                        user_id=user.id,
                        node_id=node.id,
                        kind=kind,
                        actor_login=actor.login if actor is not None else "",
                        comment=comment or "",
                        created=now,
                    )
                )
                delivered.queued.append(user)
        if delivered.queued:
            self.dbsession.flush()
        return delivered


def notify_transition(dbsession, event, context: NoticeContext) -> Delivered:
    """Deliver the notices of an ``AfterTransition`` event with ``context``'s mailer.

    The subscriber calls this for every transition; a script that does not fire its
    events through the registry calls it itself (never both: that would tell twice)."""
    return NotificationService(dbsession, context).transition(
        event.object, event.transition, actor=event.actor, comment=event.comment
    )


def after_transition(event) -> None:
    """Subscriber of ``AfterTransition``: the request's mailer and address, or - for an
    event fired by a script, without a request - the context the script attached to the
    session (``tavolo.notify.attach``)."""
    dbsession = object_session(event.object)
    request = event.request
    if request is not None:
        dbsession = dbsession or request.dbsession
        context = NoticeContext.from_request(request)
    else:
        context = attached(dbsession)
    if dbsession is None or context is None:
        log.warning(
            "transition %s on %r fired without a request or a mail context: nobody told",
            event.transition,
            event.object,
        )
        return
    notify_transition(dbsession, event, context)
