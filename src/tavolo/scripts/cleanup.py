"""``tavolo-cleanup CONFIG``: forget what has expired. Meant for cron, e.g. hourly.

Deletes login sessions past their idle or absolute timeout whose browser never came back,
and failed-login records older than the throttling window. Safe to run at any time and as
often as wanted: it removes only what no longer counts.
"""

from __future__ import annotations

import argparse
import sys

import transaction
from pyramid.paster import get_appsettings, setup_logging

from tavolo import settings as tavolo_settings
from tavolo.accounts.login import LoginService, Throttle
from tavolo.accounts.sessions import SessionPolicy, purge_expired
from tavolo.db import get_engine, get_session_factory, get_tm_session


def cleanup(dbsession, settings) -> dict[str, int]:
    return {
        "expired sessions": purge_expired(dbsession, SessionPolicy.from_settings(settings)),
        "stale login failures": LoginService(
            dbsession, Throttle.from_settings(settings)
        ).prune_failures(),
    }


def main(argv=sys.argv) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0].strip("`"))
    parser.add_argument("config_uri", help="the ini file, e.g. production.ini")
    args = parser.parse_args(argv[1:])
    setup_logging(args.config_uri)
    settings = tavolo_settings.load(None, get_appsettings(args.config_uri))
    engine = get_engine(settings)
    manager = transaction.TransactionManager(explicit=True)
    with manager:
        removed = cleanup(get_tm_session(get_session_factory(engine), manager), settings)
    engine.dispose()
    for what, count in removed.items():
        print(f"removed {count} {what}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
