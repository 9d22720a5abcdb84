"""``tavolo-scheduled CONFIG [--now ISO] [--since ISO] [--dry-run]``: record the
publication and expiry dates that came. Meant for cron, e.g. every five minutes.

Content a reviewer published with a future publication date, or with an expiry date, is
shown and hidden by the security policy at once; this records the moment in each node's
history ("became visible", "expired", the system as actor) and fires ``AfterTransition``
through the application's registry, so that notifications and the search index act. It
never changes a state, and running it again records nothing twice
(``tavolo.workflow.schedule``).

The owners' mails carry links, so ``tavolo.base_url`` must be set (as for
``tavolo-digest``); without it the script records nothing and exits with 2, so that no
notice is lost: the next run, once it is set, records and tells.

Only dates from ``--since`` (default: a week before ``--now``) are considered. Times
without an offset are the site's (Europe/Rome). Rows are committed a batch at a time, so
that a long run never holds SQLite's write lock for long.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

import transaction
from pyramid.paster import bootstrap, setup_logging

from tavolo.db import get_session_factory, get_tm_session, utcnow
from tavolo.i18n.dates import SITE_TIMEZONE
from tavolo.notify.context import MissingBaseURL, NoticeContext, attach
from tavolo.scripts.blobs import Progress
from tavolo.workflow.schedule import DEFAULT_WINDOW, KINDS, Due, Report, ScheduledPublication


def parse_when(text: str) -> dt.datetime:
    """An ISO 8601 date or time as an aware UTC datetime; without an offset, Rome's."""
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date or time: {text!r}") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=SITE_TIMEZONE)
    return value.astimezone(dt.UTC)


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Record the publication and expiry dates that came (meant for cron)."
    )
    parser.add_argument("config_uri", help="the ini file, e.g. production.ini")
    parser.add_argument(
        "--now", type=parse_when, help="run as of this time (default: the current time)"
    )
    parser.add_argument(
        "--since",
        type=parse_when,
        help=f"consider only dates from this time (default: {DEFAULT_WINDOW.days} days before "
        "--now)",
    )
    parser.add_argument("--dry-run", action="store_true", help="only report what is due")
    args = parser.parse_args(argv[1:])
    args.now = args.now or utcnow()
    args.since = args.since or args.now - DEFAULT_WINDOW
    if args.since > args.now:
        parser.error("--since is after --now")
    return args


def _describe(due: Due) -> str:
    return f"{due.kind} {due.node.path} ({due.date.isoformat(timespec='minutes')})"


def record(registry, *, now, since, dry_run: bool, out=None) -> Report:
    """One run against the application's database, events fired through ``registry``.
    Raises ``MissingBaseURL`` before anything is done when mails could not be written."""
    out = out or sys.stdout
    engine = registry["tavolo.engine"]
    manager = transaction.TransactionManager(explicit=True)
    # Notices go with the rows: the mailer joins the script's transactions, so a batch
    # that is rolled back tells nobody. A dry run tells nobody anyway.
    notices = None if dry_run else NoticeContext.from_registry(registry, manager)
    if not dry_run:
        # Take SQLite's write lock when each batch starts: a read transaction that later
        # writes fails at once ("database is locked") if a request wrote meanwhile.
        engine = engine.execution_options(tavolo_sqlite_begin="IMMEDIATE")
    progress = Progress("examined")
    verb = "would record" if dry_run else "recorded"

    def on_item(due: Due, recorded: bool) -> None:
        if recorded:
            print(f"{verb} {_describe(due)}", file=out)
        else:
            print(f"already recorded by another run: {_describe(due)}", file=out)
        progress(progress.count + 1)

    def checkpoint() -> None:
        manager.commit()
        manager.begin()

    manager.begin()
    try:
        dbsession = get_tm_session(get_session_factory(engine), manager)
        if notices is not None:
            # The notifications subscriber finds it here (the events carry no request).
            attach(dbsession, notices)
        service = ScheduledPublication(dbsession, now=now, since=since, notify=registry.notify)
        report = service.run(dry_run=dry_run, on_item=on_item, on_batch=checkpoint)
    except BaseException:
        manager.abort()
        raise
    if dry_run:
        manager.abort()
    else:
        manager.commit()
    progress.done()
    counts = " and ".join(f"{report.count(kind)} {kind}" for kind in KINDS)
    print(
        f"{verb} {counts} for dates from {since.isoformat(timespec='minutes')} to "
        f"{now.isoformat(timespec='minutes')} ({len(report.already)} already recorded by "
        "another run)",
        file=out,
    )
    return report


def main(argv=sys.argv) -> int:
    args = parse_args(argv)
    setup_logging(args.config_uri)
    # The whole application, for its registry: the subscribers of AfterTransition
    # (notifications, the search index) are registered by the packages' includeme.
    env = bootstrap(args.config_uri)
    registry = env["registry"]
    try:
        record(registry, now=args.now, since=args.since, dry_run=args.dry_run)
    except MissingBaseURL as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        env["closer"]()
        registry["tavolo.engine"].dispose()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
