"""The content tree: names, materialised paths, ordering, subtrees and one-query traversal."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, insert, select
from sqlalchemy.exc import IntegrityError

from tavolo.content.models import Node
from tavolo.content.services import ContentService, InvalidName
from tavolo.content.tree import ancestor_paths, subtree_bounds


@pytest.fixture
def service(dbsession):
    return ContentService(dbsession)


@pytest.fixture
def reserved(service):
    return service.by_path("/area-riservata/")


def listing_titles(page) -> list[str]:
    return [a.get_text(strip=True) for a in page.html.select("ul.tavolo-listing h3 a")]


# names -----------------------------------------------------------------------------------
def test_names_are_unique_within_a_folder(service, reserved):
    service.create(reserved, "page", "verbale", "Verbale")
    with pytest.raises(InvalidName, match="already used"):
        service.create(reserved, "folder", "verbale", "Un altro verbale")
    # The same name in another folder is fine.
    other = service.by_path("/area-riservata/documenti/")
    assert service.create(other, "page", "verbale", "Verbale").path == (
        "/area-riservata/documenti/verbale/"
    )


def _raw_node(parent_id, name, path):
    return insert(Node.__table__).values(
        parent_id=parent_id,
        name=name,
        path=path,
        type="page",
        title="Inserito a mano",
        description="",
        state="private",
        position=99,
        version=1,
        inherit_roles=True,
        exclude_from_nav=False,
        language="it",
    )


def test_the_database_refuses_a_duplicate_name_in_a_folder(dbsession, service, reserved):
    service.create(reserved, "page", "doppione", "Originale")
    # A different path, so that only the (parent_id, name) constraint can object.
    with pytest.raises(IntegrityError) as caught, dbsession.begin_nested():
        dbsession.execute(_raw_node(reserved.id, "doppione", "/altrove/doppione/"))
    message = str(caught.value.orig)
    assert "parent_id" in message and "name" in message
    rows = dbsession.scalars(
        select(Node.title).where(Node.parent_id == reserved.id, Node.name == "doppione")
    ).all()
    assert rows == ["Originale"]
    assert service.by_path("/altrove/doppione/") is None


def test_the_database_refuses_a_second_top_level_node(dbsession, service):
    root = service.root()
    with pytest.raises(IntegrityError), dbsession.begin_nested():
        dbsession.execute(_raw_node(None, root.name, "/seconda-radice/"))
    with pytest.raises(InvalidName):
        service.create(None, "folder", "", "Seconda radice")


@pytest.mark.parametrize(
    "name",
    [
        "",
        "con spazi",
        " spazio",
        "Maiuscole",
        "maiuscolA",
        "..",
        ".",
        "a/b",
        "-trattino",
        "trattino-",
        "punto.",
        "@@vista",
        "città",
        "a" * 201,
    ],
)
def test_invalid_names_are_refused(service, reserved, name):
    with pytest.raises(InvalidName):
        service.create(reserved, "page", name, "Nome non valido")
    assert service.count_children(reserved) == 4  # the demo folders only


@pytest.mark.parametrize("name", ["a", "verbale-2023", "v1.2", "doc_01", "a" * 200])
def test_valid_names_are_accepted(service, reserved, name):
    node = service.create(reserved, "page", name, "Nome valido")
    assert node.path == f"/area-riservata/{name}/"


# paths and ordering ----------------------------------------------------------------------
def test_nested_folders_have_materialised_paths(dbsession, service, reserved):
    a = service.create(reserved, "folder", "a", "A")
    b = service.create(a, "folder", "b", "B")
    c = service.create(b, "page", "c", "C")
    assert (a.path, b.path, c.path) == (
        "/area-riservata/a/",
        "/area-riservata/a/b/",
        "/area-riservata/a/b/c/",
    )
    assert c.depth == 4 and reserved.depth == 1
    dbsession.expire_all()
    found = service.by_path("/area-riservata/a/b/c/")
    assert found.id == c.id and found.parent_id == b.id
    assert [n.path for n in found.lineage] == ancestor_paths(found.path)
    assert [n.name for n in found.lineage] == ["", "area-riservata", "a", "b", "c"]


def test_children_are_ordered_by_position(dbsession, service, testapp, login_as):
    folder = service.create(
        service.by_path("/area-riservata/"), "folder", "ordine", "Ordine", state="internal"
    )
    first = service.create(folder, "page", "primo", "Primo", state="internal")
    second = service.create(folder, "page", "secondo", "Secondo", state="internal")
    third = service.create(folder, "page", "terzo", "Terzo", state="internal")
    assert [first.position, second.position, third.position] == [0, 1, 2]
    assert [n.name for n in service.children(folder)] == ["primo", "secondo", "terzo"]

    first.position, third.position = 2, 0
    dbsession.flush()
    assert [n.name for n in service.children(folder)] == ["terzo", "secondo", "primo"]
    login_as("comune")
    page = testapp.get("/area-riservata/ordine/", status=200)
    assert listing_titles(page) == ["Terzo", "Secondo", "Primo"]


def test_subtree_bounds_select_exactly_a_subtree(dbsession, service):
    assert subtree_bounds("/a/") == ("/a/", "/a0")
    root = service.root()
    # Siblings whose names start like "prova" and sort around it in ASCII and in locales:
    # '-' and '.' come before '/', '0' is the upper bound itself, '_' and letters after.
    for name in ("prova", "prova-bis", "prova.bis", "prova0", "prova_bis", "provaz", "prov"):
        service.create(root, "folder", name, name)
    prova = service.by_path("/prova/")
    inner = service.create(prova, "folder", "interno", "Interno")
    service.create(inner, "page", "foglia", "Foglia")
    service.create(prova, "page", "z-ultimo", "Ultimo")

    low, high = subtree_bounds(prova.path)
    paths = dbsession.scalars(
        select(Node.path).where(Node.path >= low, Node.path < high).order_by(Node.path)
    ).all()
    assert paths == ["/prova/", "/prova/interno/", "/prova/interno/foglia/", "/prova/z-ultimo/"]


# one-query traversal -------------------------------------------------------------------
PATH_LOOKUP = re.compile(r"\bFROM nodes\b.*\bWHERE nodes\.path (IN|=)", re.DOTALL)


@pytest.fixture
def statements(connection):
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    event.listen(connection, "before_cursor_execute", record)
    yield seen
    event.remove(connection, "before_cursor_execute", record)


def _values(parameters) -> set:
    if isinstance(parameters, dict):
        return set(parameters.values())
    return set(parameters or ())


def _path_lookups(statements) -> list[set]:
    return [
        _values(p)
        for s, p in statements
        if s.lstrip().upper().startswith("SELECT") and PATH_LOOKUP.search(s)
    ]


@pytest.mark.parametrize(
    ("url", "login"),
    [
        ("/", None),
        ("/notizie/riunione-15-febbraio-2023/", None),
        ("/area-riservata/vademecum/", "comune"),
    ],
)
def test_traversal_resolves_the_whole_path_in_one_query(testapp, login_as, statements, url, login):
    if login:
        login_as(login)
    statements.clear()
    testapp.get(url, status=200)
    # Pages may look up other paths (the home page's latest documents load their
    # ancestors); the URL's own path is looked up once, all of it at once.
    lookups = [found for found in _path_lookups(statements) if found & set(ancestor_paths(url))]
    assert len(lookups) == 1, [s for s, _ in statements]
    assert set(ancestor_paths(url)) <= lookups[0]
    # Nor is any ancestor loaded one by one afterwards (a news item's image, loaded by its
    # id with its own table, is not an ancestor).
    one_by_one = [s for s, _ in statements if re.search(r"WHERE nodes\.id = ", s)]
    assert not [s for s in one_by_one if "JOIN images" not in s]


def test_deep_traversal_is_still_one_query(service, testapp, login_as, statements):
    parent = service.by_path("/area-riservata/vademecum/")
    for name in ("uno", "due", "tre", "quattro"):
        parent = service.create(parent, "folder", name, name.title(), state="internal")
    url = "/area-riservata/vademecum/uno/due/tre/quattro/"
    login_as("comune")
    statements.clear()
    page = testapp.get(url, status=200)
    assert "<h1>Quattro</h1>" in page.text
    lookups = _path_lookups(statements)
    assert len(lookups) == 1
    assert set(ancestor_paths(url)) <= lookups[0]
    assert len(ancestor_paths(url)) == 7


def test_a_missing_segment_becomes_a_view_name_and_a_404(testapp, statements):
    statements.clear()
    page = testapp.get("/notizie/non-esiste/", status=404)
    assert "Pagina non trovata" in page.text
    # Traversal asked for every candidate at once (the error page's layout may look the
    # root up again afterwards: its context is the exception, not a node).
    lookups = _path_lookups(statements)
    assert lookups[0] >= {"/", "/notizie/", "/notizie/non-esiste/"}
