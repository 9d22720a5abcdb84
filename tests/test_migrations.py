"""The alembic migrations: up to head matches the models, down to base leaves nothing."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect
from sqlalchemy.pool import NullPool

from tavolo import models
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
