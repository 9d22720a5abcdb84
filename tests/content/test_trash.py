"""The trash: deleted items vanish with their subtree, a Manager restores them or empties
the trash for good."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tavolo.content.models import Node, NodeRelation, NodeTag
from tavolo.content.services import ContentService
from tavolo.content.trash import TrashService

RESERVED = "/area-riservata/"


@pytest.fixture
def service(dbsession):
    return ContentService(dbsession)


@pytest.fixture
def trash(dbsession):
    return TrashService(dbsession)


@pytest.fixture
def tree(service):
    reserved = service.by_path(RESERVED)
    folder = service.create(reserved, "folder", "cestinata", "Cartella cestinata")
    inner = service.create(folder, "page", "dentro", "Pagina dentro", tags=["x"])
    other = service.create(reserved, "page", "altra", "Altra pagina")
    return folder, inner, other


def rows(dbsession, model) -> int:
    return dbsession.scalar(select(func.count()).select_from(model))


def test_trash_hides_the_subtree_and_restore_brings_it_back(service, trash, tree):
    folder, inner, _ = tree
    trash.trash(folder)
    assert folder.trashed_at is not None
    assert service.by_path(folder.path) is None
    assert trash.count() >= 1
    assert trash.items()[0].id == folder.id
    # The name stays taken while in the trash.
    assert service.choose_name(folder.lineage[-2], "cestinata") == "cestinata-2"
    trash.restore(folder)
    assert service.by_path(inner.path).title == "Pagina dentro"


def test_empty_deletes_for_good(dbsession, service, trash, tree):
    folder, inner, other = tree
    dbsession.add(NodeRelation(source_id=other.id, target_id=inner.id))
    dbsession.flush()
    before = rows(dbsession, Node)
    inner_id, other_id = inner.id, other.id
    trash.trash(folder)
    assert trash.empty() == 2
    assert rows(dbsession, Node) == before - 2
    assert dbsession.get(Node, other_id) is not None
    assert not dbsession.scalars(
        select(NodeRelation).where(NodeRelation.target_id == inner_id)
    ).all()
    assert not dbsession.scalars(select(NodeTag).where(NodeTag.node_id == inner_id)).all()
    assert trash.count() == 0


def test_the_root_cannot_be_trashed(service, trash):
    with pytest.raises(ValueError):
        trash.trash(service.root())


# through the web --------------------------------------------------------------------------
def test_a_manager_restores_from_the_trash(testapp, login_as, dbsession, trash, tree):
    folder, inner, _ = tree
    trash.trash(folder)
    dbsession.flush()
    login_as("admin")
    page = testapp.get("/@@trash", status=200)
    assert "Cartella cestinata" in page.text
    form = next(f for f in page.forms.values() if "restore" in f.fields)
    response = form.submit("restore", status=303)
    assert response.location.endswith("/@@trash?restored=1")
    dbsession.expire_all()
    assert ContentService(dbsession).by_path(inner.path) is not None


def test_a_manager_empties_the_trash_after_confirming(testapp, login_as, dbsession, trash, tree):
    folder, inner, _ = tree
    inner_id = inner.id
    trash.trash(folder)
    dbsession.flush()
    login_as("admin")
    page = testapp.get("/@@trash")
    assert "empty-form" not in page.forms
    page = page.click(href=r"empty=confirm")
    assert "Svuotare il cestino?" in page.text
    response = page.forms["empty-form"].submit("empty", status=303)
    assert response.location.endswith("/@@trash?emptied=1")
    dbsession.expire_all()
    assert dbsession.get(Node, inner_id) is None
    assert "Il cestino è vuoto." in response.follow().text


def test_the_trash_is_paginated(testapp, login_as, dbsession, service, trash):
    reserved = service.by_path(RESERVED)
    for i in range(25):
        trash.trash(service.create(reserved, "page", f"p{i}", f"Pagina {i}"))
    dbsession.flush()
    login_as("admin")
    first = testapp.get("/@@trash")
    assert len(first.html.select("table.tavolo-trash tbody tr")) == 20
    second = testapp.get("/@@trash?page=2")
    assert len(second.html.select("table.tavolo-trash tbody tr")) >= 5


@pytest.mark.parametrize("login", ["prefettura", "comune"])
def test_only_managers_see_the_trash(testapp, login_as, dbsession, trash, tree, login):
    folder, _, _ = tree
    trash.trash(folder)
    dbsession.flush()
    login_as(login)
    testapp.get("/@@trash", status=403)
    token = testapp.get("/").forms["language-form"]["csrf_token"].value
    testapp.post("/@@trash", {"csrf_token": token, "empty": "1"}, status=403)
    testapp.post("/@@trash", {"csrf_token": token, "restore": str(folder.id)}, status=403)
    dbsession.expire_all()
    assert dbsession.get(Node, folder.id).trashed_at is not None


def test_anonymous_visitors_are_sent_to_login(testapp):
    assert "/login?came_from=" in testapp.get("/@@trash", status=303).location


def test_the_trash_lives_on_the_site_root_only(testapp, login_as):
    login_as("admin")
    testapp.get(f"{RESERVED}@@trash", status=404)
