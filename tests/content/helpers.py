"""Arranging content for the display tests: nodes made with the real service."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from tavolo.accounts.models import User
from tavolo.content.models import NodeRelation
from tavolo.content.services import ContentService
from tavolo.i18n.dates import SITE_TIMEZONE


def user_id(dbsession, login: str) -> int:
    return dbsession.scalars(select(User.id).where(User.login == login)).one()


def make(
    dbsession, parent_path: str, type_name: str, name: str, title: str, state="published", **kw
):
    service = ContentService(dbsession)
    parent = service.by_path(parent_path)
    assert parent is not None, parent_path
    return service.create(parent, type_name, name, title, state=state, **kw)


def make_file(dbsession, parent_path, name, title, data: bytes, filename, content_type, **kw):
    """A File (or ``type_name="image"``) whose bytes are put in the application's blob
    store as they are, without the upload checks: display tests need rows such as an old
    SVG or an HTML page, which no upload could create today."""
    info = dbsession.info["tavolo.blobs"].put(data)
    return make(
        dbsession,
        parent_path,
        kw.pop("type_name", "file"),
        name,
        title,
        filename=filename,
        content_type=content_type,
        size=info.size,
        sha256=info.sha256,
        **kw,
    )


def relate(dbsession, source, *targets):
    for position, target in enumerate(targets):
        dbsession.add(NodeRelation(source_id=source.id, target_id=target.id, position=position))
    dbsession.flush()


def at(year, month, day, hour=0, minute=0) -> dt.datetime:
    """A time in Rome (CET in winter, +01:00), as the aware UTC the database keeps."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=SITE_TIMEZONE).astimezone(dt.UTC)
