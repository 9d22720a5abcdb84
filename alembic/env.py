"""Alembic environment: the database URL comes from the application's own settings.

Run as ``alembic -c development.ini upgrade head``. Programs (the initdb script, the test
suite) may hand over an open connection in ``config.attributes["connection"]``.
"""

from logging.config import fileConfig

from alembic import context
from pyramid.paster import get_appsettings
from sqlalchemy import engine_from_config, pool

from tavolo import models
from tavolo.db import UTCDateTime
from tavolo.settings import resolve_environment

config = context.config
target_metadata = models.metadata


def _url() -> str:
    settings = resolve_environment(get_appsettings(config.config_file_name))
    return settings["sqlalchemy.url"]


def _render_item(type_, obj, autogen_context):
    """Render our column types as plain SQLAlchemy ones: migrations must not import
    application code that later changes."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure(connection):
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
    )


def run_migrations_offline():
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    if config.config_file_name and not config.attributes.get("skip_logging"):
        fileConfig(config.config_file_name, disable_existing_loggers=False)
    engine = engine_from_config({"sqlalchemy.url": _url()}, "sqlalchemy.", poolclass=pool.NullPool)
    # Foreign keys stay off on SQLite while migrating: a batch operation recreates a table,
    # and with them on, dropping the old copy would cascade into the rows that point at it.
    with engine.connect() as connection:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
