"""file bytes in the blob store

Revision ID: 3f8a1c5e7b21
Revises: 7d1e4a2b9c30
Create Date: 2026-11-27 09:00:00.000000

Moves the bytes of every File and Image row from the ``data`` column into the blob store
(``tavolo.blobs_dir`` of the ini file, or ``config.attributes["tavolo.blobs_dir"]`` when a
program runs the migration), then drops the column; rows keep naming them by ``sha256``.
The downgrade fills the column again from the store and stops, changing nothing, if a
blob is missing or damaged.

This revision imports ``tavolo.files.blobstore``, against the rule that migrations import
no application code: the blob layout and its atomic writes are a storage format that
must be written in exactly one way, and a copy here could drift from it unnoticed.
"""

import logging

import sqlalchemy as sa
from alembic import context, op

revision = "3f8a1c5e7b21"
down_revision = "7d1e4a2b9c30"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")
TABLES = ("files", "images")


def _store():
    from pyramid.paster import get_appsettings

    from tavolo.files.blobstore import BlobStore, blobs_dir

    config = context.config
    configured = config.attributes.get("tavolo.blobs_dir")
    if configured:
        return BlobStore(configured)
    settings = get_appsettings(config.config_file_name)
    here = getattr(settings, "global_conf", {}).get("here")
    return BlobStore(blobs_dir(dict(settings), here))


def _table(name: str) -> sa.Table:
    return sa.table(
        name,
        sa.column("id", sa.Integer),
        sa.column("sha256", sa.String),
        sa.column("size", sa.Integer),
        sa.column("data", sa.LargeBinary),
    )


def upgrade():
    bind = op.get_bind()
    store = None
    for name in TABLES:
        table = _table(name)
        ids = bind.execute(sa.select(table.c.id).order_by(table.c.id)).scalars().all()
        for row_id in ids:  # one row's bytes in memory at a time
            row = bind.execute(
                sa.select(table.c.data, table.c.sha256, table.c.size).where(table.c.id == row_id)
            ).one()
            if row.data is None:  # the column was nullable: nothing to move
                log.warning(
                    "%s row %s has no bytes; its blob will be reported missing", name, row_id
                )
                continue
            store = store or _store()
            info = store.put(bytes(row.data))
            if (info.sha256, info.size) != (row.sha256, row.size):
                # The bytes are what the user uploaded: the row is corrected to name them.
                log.warning(
                    "%s row %s: stored hash %s / size %s did not match its bytes (%s / %s); "
                    "corrected",
                    name,
                    row_id,
                    row.sha256,
                    row.size,
                    info.sha256,
                    info.size,
                )
                bind.execute(
                    table.update()
                    .where(table.c.id == row_id)
                    .values(sha256=info.sha256, size=info.size)
                )
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_column("data")
            batch_op.create_index(batch_op.f(f"ix_{name}_sha256"), ["sha256"], unique=False)


def _read(store, name, row_id, sha256) -> bytes:
    import hashlib

    try:
        with store.open(sha256) as stream:
            data = stream.read()
    except LookupError:
        raise RuntimeError(
            f"{name} row {row_id}: blob {sha256} is missing from {store.root}; "
            "restore the blob directory from the backup before downgrading"
        ) from None
    if hashlib.sha256(data).hexdigest() != sha256:
        raise RuntimeError(
            f"{name} row {row_id}: blob {sha256} in {store.root} is damaged "
            "(tavolo-blobs verify); restore it before downgrading"
        )
    return data


def downgrade():
    bind = op.get_bind()
    rows = {}
    for name in TABLES:
        table = _table(name)
        rows[name] = bind.execute(sa.select(table.c.id, table.c.sha256).order_by(table.c.id)).all()
    store = _store() if any(rows.values()) else None
    # Every blob is checked before the schema changes: SQLite runs this migration outside
    # a transaction, and a half-done downgrade could not be run again.
    for name, table_rows in rows.items():
        for row_id, sha256 in table_rows:
            _read(store, name, row_id, sha256)
    for name, table_rows in rows.items():
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{name}_sha256"))
            batch_op.add_column(sa.Column("data", sa.LargeBinary(), nullable=True))
        table = _table(name)
        for row_id, sha256 in table_rows:  # one row's bytes in memory at a time
            data = _read(store, name, row_id, sha256)
            bind.execute(table.update().where(table.c.id == row_id).values(data=data))
