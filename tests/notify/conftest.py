"""Notifications through the real stack: the workflow engine fires ``AfterTransition`` in a
real request's transaction (pyramid_tm's manager, the request's session and mailer), the
subscriber sends through pyramid_mailer to the run's SMTP server on loopback, and each
test's work is rolled back with its outer transaction."""

from __future__ import annotations

import pytest
import transaction
from pyramid.request import Request, apply_request_extensions
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from tavolo.accounts.models import User
from tavolo.content.services import ContentService
from tavolo.db import get_tm_session
from tavolo.notify.context import NoticeContext
from tavolo.security.policy import RoleCalculator
from tavolo.security.principals import principals_for
from tavolo.workflow.engine import WorkflowEngine

BASE = "http://localhost"


@pytest.fixture
def mailbox(smtp_server):
    smtp_server.clear()
    yield smtp_server
    smtp_server.clear()


def body_of(message) -> str:
    """The text as a reader sees it (on the wire lines end with CRLF, as SMTP wants)."""
    return message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")


def recipients_of(mailbox) -> list[str]:
    return sorted(m["X-Envelope-To"] for m in mailbox.messages())


def user_named(dbsession, login: str) -> User:
    return dbsession.scalars(select(User).where(User.login == login)).one()


def new_request(app) -> Request:
    """A POST request of the application, as a view sees it: its own transaction manager
    (``request.tm``), session and mailer bound to it."""
    request = Request.blank("/", base_url=BASE, POST={})
    request.registry = app.registry
    apply_request_extensions(request)
    return request


def take(
    dbsession, node, name: str, login: str, comment: str = "", request=None, notify=None, **kw
):
    """Take transition ``name`` on ``node`` as ``login``, firing the application's events."""
    actor = user_named(dbsession, login)
    calculator = RoleCalculator(dbsession, principals_for(dbsession, actor))
    engine = WorkflowEngine(dbsession, calculator, actor, notify=notify, request=request)
    return engine.take(node, name, comment, **kw)


class Site:
    """Transitions taken in requests of the real application, each committed (or aborted)
    like a view's, inside the test's outer transaction."""

    def __init__(self, app):
        self.app = app

    def transition(self, path: str, name: str, login: str, comment: str = "", *, abort=False, **kw):
        request = new_request(self.app)
        request.tm.begin()
        try:
            node = ContentService(request.dbsession).by_path(path)
            take(
                request.dbsession,
                node,
                name,
                login,
                comment,
                request=request,
                notify=self.app.registry.notify,
                **kw,
            )
            request.dbsession.flush()
        except BaseException:
            request.tm.abort()
            raise
        if abort:
            request.tm.abort()
        else:
            request.tm.commit()


@pytest.fixture
def site(wsgi_app, connection):
    return Site(wsgi_app)


@pytest.fixture
def manager():
    return transaction.TransactionManager(explicit=True)


@pytest.fixture
def script_session(connection, manager):
    """A session joined to ``manager``, as a console script has one, inside the test's
    outer transaction (its commits are savepoints)."""
    factory = sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )
    return get_tm_session(factory, manager)


@pytest.fixture
def script_context(wsgi_app, manager):
    return NoticeContext.from_registry(wsgi_app.registry, manager)


def make_item(dbsession, folder_path: str, name: str, title: str, owner: str):
    """A private page owned by ``owner`` in a folder (made ``internal`` if missing, one
    level below an existing one)."""
    service = ContentService(dbsession)
    folder = service.by_path(folder_path)
    if folder is None:
        parent_path, folder_name = folder_path.rstrip("/").rsplit("/", 1)
        folder = service.create(
            service.by_path(parent_path + "/"),
            "folder",
            folder_name,
            "Cartella di prova",
            state="internal",
            owner_id=user_named(dbsession, "prefettura").id,
        )
    page = service.create(
        folder, "page", name, title, owner_id=user_named(dbsession, owner).id, state="private"
    )
    dbsession.flush()
    return page
