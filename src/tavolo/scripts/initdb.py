"""``tavolo-initdb CONFIG [--demo]``: migrate the database and create the site.

Without ``--demo`` it applies the migrations and creates the empty site (home page and
reserved area). With ``--demo`` it also loads the demo network of the sources: the
Prefettura della Spezia, the fifteen RE.T.I. partners and the demo accounts. Running it
again changes nothing; demo accounts are refused with production settings.
"""

from __future__ import annotations

import argparse
import sys

import transaction
from alembic import command
from alembic.config import Config
from pyramid.paster import get_appsettings, setup_logging
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from tavolo import settings as tavolo_settings
from tavolo.db import get_engine, get_session_factory, get_tm_session
from tavolo.files.blobstore import BlobStore
from tavolo.files.checks import UploadLimits
from tavolo.files.uploads import Uploads
from tavolo.scripts import demo


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0].strip("`"))
    parser.add_argument("config_uri", help="the ini file, e.g. development.ini")
    parser.add_argument("--demo", action="store_true", help="load the demo network too")
    return parser.parse_args(argv[1:])


def migrate(config_uri: str, settings: dict) -> None:
    alembic_config = Config(config_uri)
    # The revision that moved file bytes into the blob store needs to know where it is.
    alembic_config.attributes["tavolo.blobs_dir"] = str(BlobStore.from_settings(settings).root)
    # A plain engine, as the alembic command uses: no foreign keys enforced on SQLite while
    # tables are rebuilt (see alembic/env.py).
    engine = create_engine(settings["sqlalchemy.url"], poolclass=NullPool)
    with engine.connect() as connection:
        alembic_config.attributes["connection"] = connection
        command.upgrade(alembic_config, "head")
    engine.dispose()


def main(argv=sys.argv) -> int:
    args = parse_args(argv)
    setup_logging(args.config_uri)
    appsettings = get_appsettings(args.config_uri)
    settings = tavolo_settings.load(getattr(appsettings, "global_conf", None), dict(appsettings))
    if args.demo and tavolo_settings.is_production(settings):
        print("Refused: demo accounts are never created with production settings.", file=sys.stderr)
        return 2

    print("Applying migrations...")
    migrate(args.config_uri, settings)

    engine = get_engine(settings)
    manager = transaction.TransactionManager(explicit=True)
    with manager:
        dbsession = get_tm_session(get_session_factory(engine), manager)
        report = demo.load_site(dbsession)
        if args.demo:
            store = BlobStore.from_settings(settings)
            files = Uploads(store, UploadLimits.from_settings(settings))
            report += demo.load_demo_network(dbsession, files)
    engine.dispose()
    for line in report or ["Nothing to do: the site is already there."]:
        print(line)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
