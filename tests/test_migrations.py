"""The alembic migrations: up to head matches the models, down to base leaves nothing."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool

from tavolo import models
from tavolo.files.blobstore import BlobStore
from tests.conftest import alembic_config, migrate


def _inspect(url: str, check):
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return check(connection)
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    return _inspect(url, lambda connection: set(inspect(connection).get_table_names()))


def _diff(url: str) -> list:
    """What ``alembic check`` compares, with the options alembic/env.py uses."""

    def compare(connection):
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "render_as_batch": connection.dialect.name == "sqlite",
                "target_metadata": models.metadata,
            },
        )
        return compare_metadata(context, models.metadata)

    return _inspect(url, compare)


def _current(url: str) -> str | None:
    return _inspect(url, lambda c: MigrationContext.configure(c).get_current_revision())


def test_upgrade_check_downgrade_upgrade(backend, databases):
    url = databases.url(backend, "migrations")
    expected = set(models.metadata.tables)
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()

    migrate(url, "head", "upgrade")
    assert _current(url) == head
    assert _tables(url) == expected | {"alembic_version"}
    assert _diff(url) == []

    migrate(url, "base", "downgrade")
    assert _tables(url) <= {"alembic_version"}
    assert _current(url) is None
    # The comparison is not blind: against the empty schema it sees every table missing.
    missing = {diff[1].name for diff in _diff(url) if diff[0] == "add_table"}
    assert missing == expected

    migrate(url, "head", "upgrade")
    assert _current(url) == head
    assert _tables(url) == expected | {"alembic_version"}
    assert _diff(url) == []


def _autoincrement_tables(url: str) -> set[str]:
    rows = _inspect(
        url,
        lambda c: c.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'table'")).all(),
    )
    return {name for name, sql in rows if "AUTOINCREMENT" in sql.upper()}


def test_sqlite_tables_keep_autoincrement_through_every_rebuild(databases):
    """Ids of accounts, groups, organisations, nodes are never reused (DESIGN.md): on SQLite
    that takes AUTOINCREMENT, which a batch rebuild drops unless it is told to keep it."""
    url = databases.url("sqlite", "autoincrement")
    wanted = {
        table.name
        for table in models.metadata.tables.values()
        if table.dialect_options["sqlite"].get("autoincrement")
    }
    assert {"users", "groups", "organisations", "nodes"} <= wanted
    migrate(url, "head", "upgrade")
    assert _autoincrement_tables(url) >= wanted
    migrate(url, "base", "downgrade")
    migrate(url, "head", "upgrade")
    assert _autoincrement_tables(url) >= wanted


BLOBS_REVISION = "3f8a1c5e7b21"  # file bytes moved into the blob store


def test_file_bytes_survive_upgrade_downgrade_upgrade(backend, databases, tmp_path):
    """A row's bytes go into the blob store on upgrade, come back into the column on
    downgrade, and into the store again; a row whose hash was wrong is corrected."""
    url = databases.url(backend, "blobs-migration")
    blobs = tmp_path / "blobs"
    previous = ScriptDirectory.from_config(alembic_config()).get_revision(BLOBS_REVISION)
    migrate(url, previous.down_revision, "upgrade", blobs_dir=blobs)
    data = b"%PDF-1.4\n" + bytes(range(256)) * 64 + b"\n%%EOF\n"
    digest = hashlib.sha256(data).hexdigest()
    image_data = b"\x89PNG\r\n\x1a\n immagine"
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

    def insert(connection):
        for node_id, node_type, path in (
            (1, "folder", "/"),
            (2, "file", "/a.pdf/"),
            (3, "image", "/b.png/"),
        ):
            connection.execute(
                text(
                    "INSERT INTO nodes (id, parent_id, name, type, title, description, created,"
                    " modified, language, state, position, path, version, inherit_roles,"
                    " exclude_from_nav) VALUES (:id, :parent, :name, :type, 'T', '', :now, :now,"
                    " 'it', 'private', 0, :path, 1, :true, :false)"
                ),
                {
                    "id": node_id,
                    "parent": None if node_id == 1 else 1,
                    "name": path.strip("/"),
                    "type": node_type,
                    "now": now,
                    "path": path,
                    "true": True,
                    "false": False,
                },
            )
        connection.execute(
            text(
                "INSERT INTO files (id, filename, content_type, size, sha256, data)"
                " VALUES (2, 'a.pdf', 'application/pdf', :size, :sha, :data)"
            ),
            {"size": len(data), "sha": digest, "data": data},
        )
        connection.execute(
            text(
                "INSERT INTO images (id, filename, content_type, size, sha256, data, width, height)"
                " VALUES (3, 'b.png', 'image/png', 1, :sha, :data, 1, 1)"
            ),
            {"sha": "0" * 64, "data": image_data},  # a wrong hash and size: corrected
        )
        connection.commit()

    _inspect(url, insert)
    migrate(url, BLOBS_REVISION, "upgrade", blobs_dir=blobs)
    store = BlobStore(blobs)
    assert store.path(digest).read_bytes() == data
    image_digest = hashlib.sha256(image_data).hexdigest()
    assert store.path(image_digest).read_bytes() == image_data

    def columns(connection, table):
        return {c["name"] for c in inspect(connection).get_columns(table)}

    assert "data" not in _inspect(url, lambda c: columns(c, "files"))
    rows = _inspect(url, lambda c: c.execute(text("SELECT sha256, size FROM images")).all())
    assert [tuple(r) for r in rows] == [(image_digest, len(image_data))]

    migrate(url, previous.down_revision, "downgrade", blobs_dir=blobs)
    stored = _inspect(url, lambda c: c.execute(text("SELECT data FROM files")).scalar_one())
    assert bytes(stored) == data

    migrate(url, BLOBS_REVISION, "upgrade", blobs_dir=blobs)
    assert store.path(digest).read_bytes() == data
    assert sorted(store.iter_hashes()) == sorted([digest, image_digest])


def test_downgrade_stops_when_a_blob_is_missing(backend, databases, tmp_path):
    url = databases.url(backend, "blobs-missing")
    blobs = tmp_path / "blobs"
    migrate(url, BLOBS_REVISION, "upgrade", blobs_dir=blobs)
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

    def insert(connection):
        connection.execute(
            text(
                "INSERT INTO nodes (id, parent_id, name, type, title, description, created,"
                " modified, language, state, position, path, version, inherit_roles,"
                " exclude_from_nav) VALUES (1, NULL, '', 'file', 'T', '', :now, :now, 'it',"
                " 'private', 0, '/', 1, :true, :false)"
            ),
            {"now": now, "true": True, "false": False},
        )
        connection.execute(
            text(
                "INSERT INTO files (id, filename, content_type, size, sha256)"
                " VALUES (1, 'a.pdf', 'application/pdf', 1, :sha)"
            ),
            {"sha": "a" * 64},
        )
        connection.commit()

    _inspect(url, insert)
    previous = ScriptDirectory.from_config(alembic_config()).get_revision(BLOBS_REVISION)
    with pytest.raises(RuntimeError, match="missing"):
        migrate(url, previous.down_revision, "downgrade", blobs_dir=blobs)
    assert _current(url) == BLOBS_REVISION  # nothing changed: the column is not back
    files_columns = _inspect(
        url, lambda c: {col["name"] for col in inspect(c).get_columns("files")}
    )
    assert "data" not in files_columns


GROUPS_REVISION = "feece7979922"  # organisations in groups, notification choice


def test_users_rebuild_keeps_ids_unique_and_data(backend, databases):
    """SQLite rebuilds ``users`` to add the notification choice: accounts, their audit
    entries and the AUTOINCREMENT guarantee (a deleted account's id never comes back)
    survive; organisation members of groups go on downgrade, user members stay."""
    url = databases.url(backend, "users-rebuild")
    previous = ScriptDirectory.from_config(alembic_config()).get_revision(GROUPS_REVISION)
    migrate(url, previous.down_revision, "upgrade")
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

    def insert_users(connection):
        ids = [
            connection.execute(
                text(
                    "INSERT INTO users (login, email, fullname, active, created)"
                    " VALUES (:login, 'a@example.it', 'A', :true, :now) RETURNING id"
                ),
                {"login": f"u{n}", "true": True, "now": now},
            ).scalar_one()
            for n in (1, 2)
        ]
        connection.execute(
            text(
                "INSERT INTO audit_entries (at, actor_id, actor_login, event_type, details)"
                " VALUES (:now, :actor, 'u2', 'login_ok', '{}')"
            ),
            {"now": now, "actor": ids[1]},
        )
        connection.execute(text("DELETE FROM users WHERE id = :id"), {"id": ids[1]})
        group_id = connection.execute(
            text("INSERT INTO groups (name, title, created) VALUES ('g', 'G', :now) RETURNING id"),
            {"now": now},
        ).scalar_one()
        connection.execute(
            text("INSERT INTO group_members (group_id, user_id) VALUES (:g, :u)"),
            {"g": group_id, "u": ids[0]},
        )
        connection.commit()
        return ids, group_id

    (first, deleted), group_id = _inspect(url, insert_users)
    migrate(url, GROUPS_REVISION, "upgrade")

    def after_upgrade(connection):
        modes = connection.execute(text("SELECT notifications FROM users")).scalars().all()
        org_id = connection.execute(
            text(
                "INSERT INTO organisations (name, kind, lead_partner, created)"
                " VALUES ('O', 'public_partner', :false, :now) RETURNING id"
            ),
            {"false": False, "now": now},
        ).scalar_one()
        connection.execute(
            text("INSERT INTO group_members (group_id, organisation_id) VALUES (:g, :o)"),
            {"g": group_id, "o": org_id},
        )
        new_id = connection.execute(
            text(
                "INSERT INTO users (login, email, fullname, active, created)"
                " VALUES ('u3', 'c@example.it', 'C', :true, :now) RETURNING id"
            ),
            {"true": True, "now": now},
        ).scalar_one()
        actor = connection.execute(text("SELECT actor_login FROM audit_entries")).scalar_one()
        connection.commit()
        return modes, new_id, actor

    modes, new_id, actor = _inspect(url, after_upgrade)
    assert modes == ["immediate"]
    assert new_id > deleted  # the deleted account's id is never handed out again
    assert actor == "u2"

    migrate(url, previous.down_revision, "downgrade")
    members = _inspect(
        url,
        lambda c: c.execute(text("SELECT group_id, user_id FROM group_members")).all(),
    )
    assert [tuple(m) for m in members] == [(group_id, first)]
    assert _diff(url) != []  # the older schema, not the models' (the comparison is live)


WORKFLOW_REVISION = "33cf1b07694a"  # workflow history, placeful policies


def test_an_existing_reserved_area_is_bound_to_the_reserved_workflows(backend, databases):
    url = databases.url(backend, "workflow-policies")
    previous = ScriptDirectory.from_config(alembic_config()).get_revision(WORKFLOW_REVISION)
    migrate(url, previous.down_revision, "upgrade")
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

    def insert(connection):
        for name, parent, path in (("", None, "/"), ("area-riservata", 1, "/area-riservata/")):
            connection.execute(
                text(
                    "INSERT INTO nodes (parent_id, name, type, title, description, created,"
                    " modified, language, state, position, path, version, inherit_roles,"
                    " exclude_from_nav) VALUES (:parent, :name, 'folder', 'T', '', :now, :now,"
                    " 'it', 'internal', 0, :path, 1, :true, :false)"
                ),
                {
                    "parent": parent,
                    "name": name,
                    "now": now,
                    "path": path,
                    "true": True,
                    "false": False,
                },
            )
        connection.commit()

    _inspect(url, insert)
    migrate(url, WORKFLOW_REVISION, "upgrade")
    rows = _inspect(
        url,
        lambda c: c.execute(
            text(
                "SELECT n.path, p.type_name, p.workflow FROM workflow_policies p"
                " JOIN nodes n ON n.id = p.node_id ORDER BY p.type_name"
            )
        ).all(),
    )
    assert [tuple(r) for r in rows] == [
        ("/area-riservata/", "*", "reserved_publication"),
        ("/area-riservata/", "folder", "reserved_folder"),
    ]
    migrate(url, previous.down_revision, "downgrade")
    assert "workflow_policies" not in _tables(url)
