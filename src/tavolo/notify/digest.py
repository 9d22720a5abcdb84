"""``tavolo-digest CONFIG``: send the daily digest of notices. Meant for cron, once a day.

Every user with notices not yet sent gets one mail listing them - after checking again, for
each notice, that they may still see its item: a notice about something they can no
longer open is dropped (marked sent, not mailed). Users who turned notices off, or whose
account was disabled, since the notices were queued get nothing; their notices are marked
sent too.

Each user's digest is one transaction: the notices are claimed (marked sent) in it and the
mail leaves when it commits - so running the script twice, even at the same time, sends
nothing twice, and a mail server that refuses one digest costs that digest, not the others'.
Delivery is at most once: a mail the server refuses after the commit is logged, not retried.

The mails' links need the site's address: ``tavolo.base_url`` in the ini file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
from dataclasses import dataclass

import transaction
from pyramid.paster import get_appsettings, setup_logging
from sqlalchemy import select, update

from tavolo import settings as tavolo_settings
from tavolo.accounts.models import NotificationMode, User
from tavolo.content.models import Node
from tavolo.db import get_engine, get_session_factory, get_tm_session, utcnow
from tavolo.notify.context import MissingBaseURL, NoticeContext
from tavolo.notify.messages import Notice, digest_mail
from tavolo.notify.models import PendingNotice
from tavolo.security.policy import RoleCalculator
from tavolo.security.principals import principals_for
from tavolo.security.roles import VIEW

log = logging.getLogger(__name__)


@dataclass
class DigestReport:
    mails: int = 0  # digests sent
    notices: int = 0  # notices listed in them
    dropped: int = 0  # notices marked sent without a mail

    def __add__(self, other: DigestReport) -> DigestReport:
        return DigestReport(
            self.mails + other.mails,
            self.notices + other.notices,
            self.dropped + other.dropped,
        )


class DigestService:
    def __init__(self, dbsession, context: NoticeContext):
        self.dbsession = dbsession
        self.context = context

    def users_due(self, now: dt.datetime | None = None) -> list[int]:
        """Ids of the users with notices not yet sent."""
        query = select(PendingNotice.user_id).where(PendingNotice.sent.is_(None))
        if now is not None:
            query = query.where(PendingNotice.created <= now)
        return list(self.dbsession.scalars(query.distinct().order_by(PendingNotice.user_id)))

    def _claim(self, user_id: int, now: dt.datetime) -> list[int]:
        """Mark the user's unsent notices sent, returning those this call marked: of two
        runs at the same time, each notice is claimed by one only."""
        return list(
            self.dbsession.scalars(
                update(PendingNotice)
                .where(
                    PendingNotice.user_id == user_id,
                    PendingNotice.sent.is_(None),
                    PendingNotice.created <= now,
                )
                .values(sent=now)
                .returning(PendingNotice.id)
                .execution_options(synchronize_session=False)
            )
        )

    def send_to(self, user_id: int, now: dt.datetime | None = None) -> DigestReport:
        """The digest of one user (queued on the session's transaction)."""
        now = now or utcnow()
        claimed = self._claim(user_id, now)
        if not claimed:
            return DigestReport()
        user = self.dbsession.get(User, user_id)
        if (
            user is None
            or not user.active
            or not user.email
            or user.notifications == NotificationMode.NONE
        ):
            return DigestReport(dropped=len(claimed))
        rows = self.dbsession.execute(
            select(PendingNotice, Node)
            .join(Node, Node.id == PendingNotice.node_id)
            .where(PendingNotice.id.in_(claimed))
            .order_by(PendingNotice.created, PendingNotice.id)
        ).all()
        calculator = RoleCalculator(self.dbsession, principals_for(self.dbsession, user), now=now)
        visible = [(notice, node) for notice, node in rows if calculator.permits(node, VIEW)]
        dropped = len(claimed) - len(visible)
        if not visible:
            return DigestReport(dropped=dropped)
        names = self._actor_names({notice.actor_login for notice, _node in visible})
        notices = [
            Notice(
                kind=notice.kind,
                node=node,
                actor_name=names.get(notice.actor_login, notice.actor_login),
                comment=notice.comment,
                when=notice.created,
            )
            for notice, node in visible
        ]
        self.context.send(user, *digest_mail(self.context, user, notices))
        return DigestReport(mails=1, notices=len(notices), dropped=dropped)

    def _actor_names(self, logins: set[str]) -> dict[str, str]:
        logins.discard("")
        if not logins:
            return {}
        rows = self.dbsession.execute(
            select(User.login, User.fullname).where(User.login.in_(logins))
        )
        return {login: fullname for login, fullname in rows}

    def send(self, now: dt.datetime | None = None) -> DigestReport:
        """Every user's digest, in the session's one transaction."""
        now = now or utcnow()
        report = DigestReport()
        for user_id in self.users_due(now):
            report += self.send_to(user_id, now)
        return report


def run(settings: dict, now: dt.datetime | None = None, err=None) -> tuple[DigestReport, int]:
    """Send every digest, one transaction per user. Returns the totals and how many users'
    digests failed."""
    err = err or sys.stderr
    now = now or utcnow()
    engine = get_engine(settings)
    factory = get_session_factory(engine)
    manager = transaction.TransactionManager(explicit=True)
    context = NoticeContext.from_settings(settings, manager)
    total, failed = DigestReport(), 0
    try:
        with manager:
            users = DigestService(get_tm_session(factory, manager), context).users_due(now)
        for done, user_id in enumerate(users, 1):
            try:
                with manager:
                    dbsession = get_tm_session(factory, manager)
                    total += DigestService(dbsession, context).send_to(user_id, now)
            except Exception:
                # One user's digest (a refused address, a lost connection) must not stop
                # the others'; the log says which.
                log.exception("digest for user %s not sent", user_id)
                failed += 1
            if done % 100 == 0:
                print(f"digests: {done}/{len(users)} users", file=err, flush=True)
    finally:
        engine.dispose()
    return total, failed


def main(argv=None) -> int:
    argv = sys.argv if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0].replace("``", ""))
    parser.add_argument("config_uri", help="the ini file, e.g. production.ini")
    args = parser.parse_args(argv[1:])
    setup_logging(args.config_uri)
    appsettings = get_appsettings(args.config_uri)
    settings = tavolo_settings.load(getattr(appsettings, "global_conf", None), dict(appsettings))
    try:
        report, failed = run(settings)
    except MissingBaseURL as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(
        f"sent {report.mails} digest mails listing {report.notices} notices; "
        f"{report.dropped} notices dropped (no longer visible, or notices turned off)"
    )
    if failed:
        print(f"{failed} digests failed (see the log)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
