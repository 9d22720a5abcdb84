"""Rename, move and copy: subtree paths follow, old URLs redirect, copies start private."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tavolo.accounts.models import User
from tavolo.content.models import Node
from tavolo.content.moving import TreeChangeError, TreeChanges, move_to_position
from tavolo.content.services import ContentService


@pytest.fixture
def tree(dbsession):
    """/prova/ (published) with a page and a sub-folder holding a page; /prova-bis/ beside it;
    /destinazione/ (published) to move things into."""
    service = ContentService(dbsession)
    root = service.root()
    prova = service.create(root, "folder", "prova", "Prova", state="published")
    service.create(prova, "page", "pagina", "Pagina", state="published", body="<p>x</p>")
    sub = service.create(prova, "folder", "sotto", "Sotto", state="published")
    service.create(sub, "page", "foglia", "Foglia", state="published")
    service.create(root, "folder", "prova-bis", "Prova bis", state="published")
    service.create(root, "folder", "destinazione", "Destinazione", state="published")
    prova.tags = ["uno", "due"]
    dbsession.flush()
    return service


def paths_under(dbsession, prefix: str) -> list[str]:
    return sorted(p for p in dbsession.scalars(select(Node.path)) if p.startswith(prefix))


def test_rename_rewrites_the_subtree_and_only_the_subtree(dbsession, tree):
    prova = tree.by_path("/prova/")
    child = tree.by_path("/prova/sotto/foglia/")
    versions = (prova.version, child.version)
    TreeChanges(dbsession).rename(prova, "rinominata")
    dbsession.expire_all()
    assert paths_under(dbsession, "/rinominata/") == [
        "/rinominata/",
        "/rinominata/pagina/",
        "/rinominata/sotto/",
        "/rinominata/sotto/foglia/",
    ]
    assert paths_under(dbsession, "/prova/") == []
    assert tree.by_path("/prova-bis/") is not None  # a neighbour sharing the prefix
    assert tree.by_path("/rinominata/").version == versions[0] + 1
    assert tree.by_path("/rinominata/sotto/foglia/").version == versions[1]


def test_old_urls_redirect_to_the_new_place(dbsession, tree, testapp):
    TreeChanges(dbsession).rename(tree.by_path("/prova/"), "rinominata")
    dbsession.flush()
    moved = testapp.get("/prova/", status=301)
    assert moved.location == "http://localhost/rinominata/"
    deep = testapp.get("/prova/sotto/foglia/?page=2", status=301)
    assert deep.location == "http://localhost/rinominata/sotto/foglia/?page=2"
    assert "Foglia" in deep.follow().text
    testapp.get("/prova-inesistente/", status=404)


def test_move_into_another_folder(dbsession, tree, testapp):
    changes = TreeChanges(dbsession)
    moved = changes.move(tree.by_path("/prova/sotto/"), tree.by_path("/destinazione/"))
    assert moved.path == "/destinazione/sotto/"
    dbsession.flush()
    assert testapp.get("/destinazione/sotto/foglia/", status=200)
    assert testapp.get("/prova/sotto/foglia/", status=301).location == (
        "http://localhost/destinazione/sotto/foglia/"
    )
    # Listed in its new folder, gone from the old one.
    assert "Sotto" in testapp.get("/destinazione/").text
    assert "Sotto" not in testapp.get("/prova/").text


def test_moving_back_lets_the_old_place_live_again(dbsession, tree, testapp):
    changes = TreeChanges(dbsession)
    changes.rename(tree.by_path("/prova/"), "altrove")
    changes.rename(tree.by_path("/altrove/"), "prova")
    dbsession.flush()
    testapp.get("/prova/", status=200)
    assert testapp.get("/altrove/sotto/", status=301).location == "http://localhost/prova/sotto/"


def test_new_content_at_an_old_path_wins_over_the_redirect(dbsession, tree, testapp):
    TreeChanges(dbsession).rename(tree.by_path("/prova/"), "rinominata")
    tree.create(tree.root(), "page", "prova", "Pagina nuova", state="published")
    dbsession.flush()
    assert "Pagina nuova" in testapp.get("/prova/", status=200).text


def test_a_redirect_never_reveals_where_hidden_content_went(dbsession, tree, testapp):
    prova = tree.by_path("/prova/")
    prova.state = "private"
    TreeChanges(dbsession).rename(prova, "segreta")
    dbsession.flush()
    testapp.get("/prova/", status=404)


@pytest.mark.parametrize(
    ("source", "target", "reason"),
    [
        ("/prova/", "/prova/sotto/", "into itself"),
        ("/prova/", "/prova/", "into itself"),
    ],
)
def test_impossible_moves_are_refused(dbsession, tree, source, target, reason):
    with pytest.raises(TreeChangeError, match=reason):
        TreeChanges(dbsession).move(tree.by_path(source), tree.by_path(target))


def test_names_stay_unique_and_unreserved(dbsession, tree):
    changes = TreeChanges(dbsession, reserved_names=frozenset({"language"}))
    with pytest.raises(TreeChangeError, match="already used"):
        changes.rename(tree.by_path("/prova/"), "prova-bis")
    with pytest.raises(TreeChangeError, match="reserved"):
        changes.rename(tree.by_path("/prova/"), "language")
    with pytest.raises(TreeChangeError, match="root"):
        changes.rename(tree.root(), "home")


def test_a_copy_is_a_new_private_subtree_owned_by_the_copier(dbsession, tree, testapp):
    original = tree.by_path("/prova/")
    comune = dbsession.scalars(select(User.id).where(User.login == "comune")).one()
    copy = TreeChanges(dbsession).copy(original, tree.by_path("/destinazione/"), owner_id=comune)
    dbsession.flush()
    assert copy.path == "/destinazione/prova/"
    assert copy.id != original.id
    assert paths_under(dbsession, "/destinazione/prova/") == [
        "/destinazione/prova/",
        "/destinazione/prova/pagina/",
        "/destinazione/prova/sotto/",
        "/destinazione/prova/sotto/foglia/",
    ]
    states = {
        n.path: n.state
        for n in dbsession.scalars(select(Node).where(Node.path.startswith("/destinazione/p")))
    }
    assert set(states.values()) == {"private"}
    assert copy.owner_id == comune
    assert tree.by_path("/destinazione/prova/pagina/").body == "<p>x</p>"
    assert tree.by_path("/destinazione/prova/").tags == ["due", "uno"]
    # The original is untouched and still public; the copy is not public.
    assert tree.by_path("/prova/").state == "published"
    testapp.get("/prova/pagina/", status=200)
    testapp.get("/destinazione/prova/", status=303)  # anonymous: asked to log in


def test_copy_in_the_same_folder_gets_a_free_name(dbsession, tree):
    changes = TreeChanges(dbsession)
    first = changes.copy(tree.by_path("/prova/pagina/"), tree.by_path("/prova/"), owner_id=None)
    second = changes.copy(tree.by_path("/prova/pagina/"), tree.by_path("/prova/"), owner_id=None)
    assert (first.name, second.name) == ("pagina-copia", "pagina-copia-2")


def titles_in_order(tree, path):
    return [n.name for n in tree.children(tree.by_path(path))]


def test_reordering_moves_one_item_and_keeps_versions(dbsession, tree):
    folder = tree.by_path("/destinazione/")
    for name in ("a", "b", "c", "d"):
        tree.create(folder, "page", name, name.upper(), state="published")
    d = tree.by_path("/destinazione/d/")
    version = d.version
    move_to_position(dbsession, d, 0)
    assert titles_in_order(tree, "/destinazione/") == ["d", "a", "b", "c"]
    move_to_position(dbsession, tree.by_path("/destinazione/a/"), 99)
    assert titles_in_order(tree, "/destinazione/") == ["d", "b", "c", "a"]
    assert tree.by_path("/destinazione/d/").version == version
