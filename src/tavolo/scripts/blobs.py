"""``tavolo-blobs CONFIG verify|gc``: check the blob store, collect unreferenced blobs.

``verify`` re-hashes every blob and reports those whose bytes no longer match their name
(disk or backup damage), stray files and leftovers of interrupted writes, and the items
whose blob is missing from the store; it exits with 1 when any blob is damaged or
missing, so that cron or monitoring notices. ``gc`` removes the blobs no
row references any more (with ``--dry-run`` it only says what it would remove), their
cached scales and text, and old temporary files; blobs younger than ``--min-age`` hours
are kept, since an upload stores its blob before its row is committed.

The store is ``tavolo.blobs_dir`` of the ini file (default ``var/blobs`` beside it).
"""

from __future__ import annotations

import argparse
import sys

from pyramid.paster import get_appsettings, setup_logging
from sqlalchemy.exc import SQLAlchemyError

from tavolo import settings as tavolo_settings
from tavolo.db import get_engine
from tavolo.files.blobstore import BlobStore
from tavolo.files.garbage import (
    DEFAULT_MIN_AGE,
    collect_garbage,
    missing_blobs,
    referenced_hashes,
)


class Progress:
    """A running count on stderr: rewritten in place on a terminal, a line every
    ``every`` blobs otherwise (logs of cron jobs stay short)."""

    def __init__(self, label: str, stream=None, every: int | None = None):
        self.label = label
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.every = every or (100 if self.tty else 10_000)
        self.count = 0

    def __call__(self, count: int) -> None:
        self.count = count
        if count % self.every:
            return
        if self.tty:
            self.stream.write(f"\r{self.label}: {count}")
        else:
            self.stream.write(f"{self.label}: {count}\n")
        self.stream.flush()

    def done(self) -> None:
        if self.tty and self.count >= self.every:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0].replace("``", ""))
    parser.add_argument("config_uri", help="the ini file, e.g. production.ini")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("verify", help="re-hash every blob and report damaged ones")
    gc = commands.add_parser("gc", help="remove blobs that no row references")
    gc.add_argument("--dry-run", action="store_true", help="only report what would go")
    gc.add_argument(
        "--min-age",
        type=float,
        default=DEFAULT_MIN_AGE / 3600,
        metavar="HOURS",
        help="keep unreferenced blobs younger than this (default: %(default)g)",
    )
    return parser.parse_args(argv[1:])


def load_settings(config_uri: str) -> dict:
    appsettings = get_appsettings(config_uri)
    return tavolo_settings.load(getattr(appsettings, "global_conf", None), dict(appsettings))


def verify(
    store: BlobStore, out=None, progress: Progress | None = None, settings: dict | None = None
) -> int:
    out = out or sys.stdout
    progress = progress or Progress("verified")
    damaged = warnings = 0
    for problem in store.verify(on_blob=progress):
        print(problem, file=out)
        damaged += problem.serious
        warnings += not problem.serious
    progress.done()
    missing = 0
    if settings is not None:
        try:
            found = _missing(store, settings)
        except SQLAlchemyError as exc:
            # The blobs were checked; the rows could not be: say so, do not fail the run.
            print(
                f"warning: items not checked against the store ({exc.__class__.__name__})", file=out
            )
            warnings += 1
        else:
            for sha256, paths in found.items():
                print(f"missing: blob {sha256} named by {', '.join(paths) or 'a row'}", file=out)
            missing = len(found)
    print(
        f"verified {progress.count} blobs in {store.root}: {damaged} damaged, "
        f"{missing} missing, {warnings} warnings",
        file=out,
    )
    return 1 if damaged or missing else 0


def _missing(store: BlobStore, settings: dict) -> dict[str, list[str]]:
    engine = get_engine(settings)
    try:
        with engine.connect() as connection:
            return missing_blobs(store, connection)
    finally:
        engine.dispose()


def gc(store: BlobStore, settings: dict, *, dry_run: bool, min_age_hours: float, out=None):
    out = out or sys.stdout
    engine = get_engine(settings)
    try:
        with engine.connect() as connection:
            referenced = referenced_hashes(connection)
    finally:
        engine.dispose()
    progress = Progress("examined")
    report = collect_garbage(
        store, referenced, dry_run=dry_run, min_age=min_age_hours * 3600, on_blob=progress
    )
    progress.done()
    verb = "would remove" if dry_run else "removed"
    for sha256, size in report.removed:
        print(f"{verb} blob {sha256} ({size} bytes)", file=out)
    for sha256 in report.derived:
        print(f"{verb} cached scales and text of {sha256} (blob gone)", file=out)
    for path in report.temporary:
        print(f"{verb} temporary file {path}", file=out)
    print(
        f"{report.examined} blobs, {report.referenced} referenced, {len(report.recent)} "
        f"unreferenced but younger than {min_age_hours:g} h (kept), {len(report.removed)} "
        f"{verb} ({report.bytes_removed} bytes)",
        file=out,
    )
    return 0


def main(argv=sys.argv) -> int:
    args = parse_args(argv)
    setup_logging(args.config_uri)
    settings = load_settings(args.config_uri)
    store = BlobStore.from_settings(settings)
    if args.command == "verify":
        return verify(store, settings=settings)
    return gc(store, settings, dry_run=args.dry_run, min_age_hours=args.min_age)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
