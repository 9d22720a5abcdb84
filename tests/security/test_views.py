"""Views: every one is protected, GET never writes, view names are never content names."""

from __future__ import annotations

import logging

import pytest
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.interfaces import IExceptionResponse
from pyramid.response import Response
from pyramid.security import NO_PERMISSION_REQUIRED
from pyramid.static import static_view
from sqlalchemy import select, text, update
from zope.interface.interface import InterfaceClass
from zope.sqlalchemy import mark_changed

from tavolo import content
from tavolo.accounts import password_views
from tavolo.accounts import views as account_views
from tavolo.content import views as content_views
from tavolo.content.models import Folder, Node
from tavolo.content.services import ContentService, InvalidName
from tavolo.security.roles import VIEW
from tests.conftest import build_app, client_for, joined_to

# the view inventory ----------------------------------------------------------------------
# Views anyone may call: logging in and out, and the password pages (a forgotten password
# and the one-time link are for people who cannot log in; the change form sends anonymous
# visitors to the login form itself). Nothing else but static files and the error pages
# may skip the permission check.
OPEN_VIEWS = frozenset(
    {
        account_views.login_form,
        account_views.login_submit,
        account_views.logout_form,
        account_views.logout_submit,
        password_views.password_reset_form,
        password_views.password_reset_submit,
        password_views.set_password_form,
        password_views.set_password_submit,
        password_views.change_password_form,
        password_views.change_password_submit,
    }
)


def _permission(entry) -> str | None:
    """The permission a view was registered with. Pyramid 2 keeps it in a related
    ``permissions`` introspectable rather than on the view's own introspectable."""
    introspectable = entry["introspectable"]
    own = introspectable.get("permission")
    if own is not None:
        return own
    related = [r["value"] for r in entry["related"] if r.category_name == "permissions"]
    assert len(related) <= 1, introspectable.title
    return related[0] if related else None


def _is_exception_view(introspectable) -> bool:
    if introspectable["exception_only"]:
        return True
    context = introspectable["context"]
    if isinstance(context, InterfaceClass):
        # Pyramid's own default view for exception responses.
        return context.isOrExtends(IExceptionResponse)
    return isinstance(context, type) and issubclass(context, BaseException)


def _is_static_view(introspectable) -> bool:
    return isinstance(introspectable["callable"], static_view) and str(
        introspectable["route_name"] or ""
    ).startswith("__static")


def test_every_view_requires_a_permission_outside_the_allowlist(wsgi_app):
    entries = wsgi_app.registry.introspector.get_category("views")
    unprotected, open_found, static_found, exception_found = [], set(), 0, 0
    protected = {}
    for entry in entries:
        introspectable = entry["introspectable"]
        permission = _permission(entry)
        if permission is not None and permission != NO_PERMISSION_REQUIRED:
            protected[introspectable["callable"]] = permission
            continue
        if _is_exception_view(introspectable):
            exception_found += 1
        elif _is_static_view(introspectable):
            static_found += 1
        elif introspectable["callable"] in OPEN_VIEWS:
            open_found.add(introspectable["callable"])
        else:
            unprotected.append(f"{introspectable.title} (name={introspectable['name']!r})")
    assert unprotected == [], f"views without a permission: {unprotected}"
    # The inventory really walked the application's views.
    assert protected[content_views.folder_view] == VIEW
    assert protected[content_views.page_view] == VIEW
    assert open_found == OPEN_VIEWS
    assert static_found == 2  # static/ and deform's static/deform/
    assert exception_found >= 3  # forbidden, not found, server error


# GET never writes --------------------------------------------------------------------
WRITE_VIEW = "prova-scrittura"
WRITTEN_PATH = f"/{WRITE_VIEW}-fatto/"
NEW_TITLE = "Titolo sovrascritto dalla prova"


def _write(kind: str, request) -> None:
    dbsession = request.dbsession
    root = request.context
    if kind == "orm-add":
        ContentService(dbsession).create(root, "page", WRITTEN_PATH.strip("/"), NEW_TITLE)
    elif kind == "orm-change":
        root.title = NEW_TITLE  # flushed only when the transaction commits
    elif kind == "bulk-update":
        dbsession.execute(update(Node).where(Node.id == root.id).values(title=NEW_TITLE))
    elif kind == "raw-sql":
        dbsession.execute(
            text("UPDATE nodes SET title = :title WHERE id = :id"),
            {"title": NEW_TITLE, "id": root.id},
        )
        mark_changed(dbsession)
    else:  # pragma: no cover
        raise AssertionError(kind)


def _get_write(request):
    _write(request.params["kind"], request)
    return Response("scritto")


def _post_write(request):
    _write(request.params["kind"], request)
    return HTTPSeeOther(location=request.application_url + "/")


def includeme(config):
    """A test-only package: a view that writes, reachable by GET and by POST. Included
    through Pyramid's own ``pyramid.includes`` setting, so ``tavolo.main`` is unchanged."""
    for method, view in (("GET", _get_write), ("POST", _post_write)):
        config.add_view(
            view, context=Folder, name=WRITE_VIEW, request_method=method, permission=VIEW
        )


@pytest.fixture(scope="module")
def writing_app(app_settings, demo_database):
    app = build_app(app_settings, demo_database, **{"pyramid.includes": __name__})
    yield app
    app.registry["tavolo.engine"].dispose()


@pytest.fixture
def writing_testapp(writing_app, connection):
    """The test app joined to the test's outer transaction, like ``testapp``."""
    with joined_to(writing_app, connection):
        yield client_for(writing_app)


def _written(dbsession, kind: str) -> bool:
    dbsession.expire_all()
    if kind == "orm-add":
        return ContentService(dbsession).by_path(WRITTEN_PATH) is not None
    return dbsession.scalar(select(Node.title).where(Node.path == "/")) == NEW_TITLE


KINDS = ["orm-add", "orm-change", "bulk-update", "raw-sql"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_write_during_get_fails_loudly_and_writes_nothing(
    writing_testapp, dbsession, caplog, kind
):
    with caplog.at_level(logging.ERROR, logger="tavolo.web.errors"):
        response = writing_testapp.get(f"/@@{WRITE_VIEW}?kind={kind}", status=500)
    assert "Errore del sistema" in response.text
    assert "scritto" not in response.text
    assert "WriteDuringSafeRequest" not in response.text and "Traceback" not in response.text
    assert any("WriteDuringSafeRequest" in r.exc_text for r in caplog.records if r.exc_text)
    assert not _written(dbsession, kind)


@pytest.mark.parametrize("kind", KINDS)
def test_the_same_write_by_post_with_a_csrf_token_works(writing_testapp, dbsession, kind):
    page = writing_testapp.get("/", status=200)
    token = page.html.find("input", attrs={"name": "csrf_token"})["value"]
    writing_testapp.post(f"/@@{WRITE_VIEW}?kind={kind}", {"kind": kind}, status=400)
    assert not _written(dbsession, kind)
    writing_testapp.post(
        f"/@@{WRITE_VIEW}?kind={kind}", {"kind": kind, "csrf_token": token}, status=303
    )
    assert _written(dbsession, kind)


# view names are reserved -----------------------------------------------------------------
@pytest.mark.parametrize("name", ["login", "logout", "static", "language", "@@anything"])
@pytest.mark.parametrize("parent_path", ["/", "/area-riservata/"])
def test_content_cannot_take_a_view_name(wsgi_app, dbsession, name, parent_path):
    service = ContentService(dbsession, reserved_names=content.reserved_names(wsgi_app.registry))
    parent = service.by_path(parent_path)
    with pytest.raises(InvalidName):
        service.create(parent, "page", name, "Pagina abusiva")
    assert service.by_path(f"{parent_path}{name}/") is None


def test_reserved_names_include_every_named_view_and_nothing_ordinary(wsgi_app, dbsession):
    reserved = content.reserved_names(wsgi_app.registry)
    assert {"login", "logout", "static", "language"} <= reserved
    service = ContentService(dbsession, reserved_names=reserved)
    page = service.create(service.by_path("/"), "page", "lingue", "Un nome qualsiasi")
    assert page.path == "/lingue/"
