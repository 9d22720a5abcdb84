"""What the index holds for each node, and how changes made through the web reach it:
edits, workflow transitions, sharing, inheritance blocks, moves, renames and deletions
each reindex the node and, where visibility or paths change, its whole subtree."""

from __future__ import annotations

import pytest
from whoosh.qparser import QueryParser

from tavolo.search.analysis import terms
from tests.content.test_organising import destination_value, move_form, rename_form
from tests.search.helpers import allowed_tokens, documents, ids_matching
from tests.security.test_local_roles import RESERVED, grant, make, user_id
from tests.security.test_sharing import share

FOLDER = f"{RESERVED}indice/"
PAGE = f"{FOLDER}pagina/"


def search(index, text: str, field: str = "content") -> set[int]:
    with index.searcher() as searcher:
        query = QueryParser(field, index.index().schema).parse(text)
        return {int(hit["id"]) for hit in searcher.search(query, limit=None)}


# analysis ------------------------------------------------------------------------------
def test_italian_stems_meet():
    assert terms("documento") == terms("documenti") == terms("documentazione")


@pytest.mark.parametrize(("accented", "plain"), [("città", "citta"), ("verità", "verita")])
def test_accents_are_folded(accented, plain):
    assert terms(accented) == terms(plain) != []


def test_stop_words_are_dropped_with_or_without_accents():
    assert terms("perché il della perche") == []


# documents -----------------------------------------------------------------------------
@pytest.fixture
def tree(dbsession, search_index, apply_queue):
    """A private folder of the reserved area with an internal page in it, indexed."""
    folder = make(dbsession, RESERVED, "indice", "Cartella dell'indice", "private")
    page = make(
        dbsession,
        FOLDER,
        "pagina",
        "Verbale sulla città",
        "internal",
        type_name="page",
        description="Documentazione della riunione",
        body="<p>Il <strong>regolamento</strong> dell'accoglienza</p>",
    )
    page.tags = ["Vademecum", "Lavoro"]
    dbsession.flush()
    from tavolo.search.outbox import enqueue

    enqueue(dbsession, folder.id, subtree=True)
    dbsession.flush()
    assert apply_queue() == 1
    return folder, page


def test_a_document_holds_the_node(search_index, tree):
    folder, page = tree
    doc = documents(search_index)[page.id]
    assert doc["path"] == PAGE and doc["type"] == "page" and doc["state"] == "internal"
    assert doc["title"] == "Verbale sulla città"
    assert "regolamento" in doc["excerpt"] and "<strong>" not in doc["excerpt"]
    assert doc["tags"] == "Lavoro,Vademecum" and doc["language"] == "it"
    assert doc["year"] == f"{doc['date'].year:04d}" and doc["month"].startswith(doc["year"])
    assert page.id in ids_matching(search_index, "ancestors", str(folder.id))
    assert page.id in ids_matching(search_index, "tags", "vademecum")
    # stems and folding meet in every text field
    # Title, description and text are searched as one field.
    assert page.id in search(search_index, "documenti")  # the description's
    assert page.id in search(search_index, "citta")  # the title's
    assert page.id in search(search_index, "regolamenti")  # the text's


def test_the_root_and_trashed_nodes_are_not_indexed(search_index, dbsession):
    from tavolo.content.services import ContentService

    docs = documents(search_index)
    root = ContentService(dbsession).root()
    assert root.id not in docs and docs  # the demo site is there


def test_a_private_folder_narrows_what_its_children_allow(search_index, tree, dbsession):
    folder, page = tree
    tokens = allowed_tokens(search_index, page.id)
    # The page alone would be open to every registered user; its folder is private.
    assert "role:Authenticated" not in tokens
    assert "role:Manager" in tokens and "role:Reader" in tokens
    assert "role:Anonymous" not in allowed_tokens(search_index, folder.id)


def test_attachments_text_is_indexed(search_index):
    # The demo's draft agreement is a PDF: its words are found.
    docs = documents(search_index)
    [pdf] = [d for d in docs.values() if d["path"].endswith("bozza-documento-intesa.pdf/")]
    assert pdf["type"] == "file" and pdf["excerpt"].strip()


# changes through the web ---------------------------------------------------------------
def test_an_edit_is_in_the_index_after_the_request(testapp, login_as, search_index, tree):
    _folder, page = tree
    login_as("admin")
    form = rename_form(testapp, PAGE)
    form["title"] = "Verbale della consulta"
    form.submit("save", status=303)
    assert documents(search_index)[page.id]["title"] == "Verbale della consulta"
    assert page.id in search(search_index, "consulta")
    assert page.id not in search(search_index, "citta")  # the old title's word is gone


def test_a_transition_reindexes_the_subtree(testapp, login_as, search_index, tree):
    folder, page = tree
    login_as("admin")
    form = testapp.get(f"{FOLDER}@@transizione", {"nome": "make_internal"}).forms["deform"]
    form.submit("save", status=303)
    assert documents(search_index)[folder.id]["state"] == "internal"
    assert "role:Authenticated" in allowed_tokens(search_index, page.id)


def test_sharing_and_revoking_reindex_the_subtree(testapp, login_as, dbsession, search_index, tree):
    _folder, page = tree
    comune = f"user:{user_id(dbsession, 'comune')}"
    login_as("admin")
    share(testapp, "grant", path=f"{FOLDER}@@condivisione", principal=comune, role="Reader")
    assert comune in allowed_tokens(search_index, page.id)
    share(testapp, "revoke", path=f"{FOLDER}@@condivisione", principal=comune, role="Reader")
    assert comune not in allowed_tokens(search_index, page.id)


def test_blocking_inheritance_reindexes_the_subtree(
    testapp, login_as, dbsession, search_index, tree
):
    folder, _page = tree
    comune = f"user:{user_id(dbsession, 'comune')}"
    grant(dbsession, folder, user_id=user_id(dbsession, "comune"))
    sub = make(dbsession, FOLDER, "sotto", "Sottocartella", "private")
    child = make(dbsession, sub.path, "foglia", "Foglia", "internal", type_name="page")
    sharing = f"{sub.path}@@condivisione"
    login_as("admin")
    share(testapp, "grant", path=sharing, principal=comune, role="Editor")
    assert comune in allowed_tokens(search_index, child.id)
    share(testapp, "inheritance", path=sharing, block="1")
    # Editor on the subfolder itself still lets comune see it; nothing is inherited.
    assert comune in allowed_tokens(search_index, child.id)
    assert "role:Reader" in allowed_tokens(search_index, child.id)
    share(testapp, "revoke", path=sharing, principal=comune, role="Editor")
    assert comune not in allowed_tokens(search_index, sub.id)
    assert comune not in allowed_tokens(search_index, child.id)


def test_a_rename_reindexes_the_paths_below(testapp, login_as, dbsession, search_index, tree):
    folder, page = tree
    login_as("admin")
    form = rename_form(testapp, FOLDER)
    form["name"] = "indice-nuovo"
    form.submit("save", status=303)
    docs = documents(search_index)
    assert docs[folder.id]["path"] == f"{RESERVED}indice-nuovo/"
    assert docs[page.id]["path"] == f"{RESERVED}indice-nuovo/pagina/"


def test_a_move_reindexes_the_subtree(testapp, login_as, dbsession, search_index, tree):
    folder, page = tree
    sub = make(dbsession, FOLDER, "sotto", "Sottocartella", "internal")
    child = make(dbsession, sub.path, "foglia", "Foglia", "internal", type_name="page")
    login_as("admin")
    form = move_form(testapp, sub.path)
    form["destination"] = destination_value(form, f"{RESERVED}archivio/")
    form.submit("save", status=303)
    docs = documents(search_index)
    assert docs[sub.id]["path"] == f"{RESERVED}archivio/sotto/"
    assert docs[child.id]["path"] == f"{RESERVED}archivio/sotto/foglia/"
    assert ids_matching(search_index, "ancestors", str(folder.id)) == {page.id}


def test_a_deletion_removes_the_subtree(testapp, login_as, dbsession, search_index, tree):
    folder, page = tree
    login_as("admin")
    page_ = testapp.get(f"{FOLDER}@@delete")
    csrf = page_.html.find("input", attrs={"name": "csrf_token"})["value"]
    version = page_.html.find("input", attrs={"name": "expected_version"})["value"]
    testapp.post(
        f"{FOLDER}@@delete",
        {"csrf_token": csrf, "expected_version": version, "delete": "1"},
        status=303,
    )
    docs = documents(search_index)
    assert folder.id not in docs and page.id not in docs


def test_a_folder_s_new_dates_reindex_its_subtree(testapp, login_as, search_index, tree):
    _folder, page = tree
    assert "role:Reader" in allowed_tokens(search_index, page.id)
    login_as("admin")
    form = testapp.get(f"{FOLDER}@@edit").forms["deform"]
    form.set("date", "2099-05-01", index=0)  # not yet in effect: only its editors see it
    form.set("time", "10:00", index=0)
    form.submit("save", status=303)
    tokens = allowed_tokens(search_index, page.id)
    assert "role:Reader" not in tokens and "role:Manager" in tokens
    form = testapp.get(f"{FOLDER}@@edit").forms["deform"]
    form.set("date", "", index=0)
    form.set("time", "", index=0)
    form.submit("save", status=303)
    assert "role:Reader" in allowed_tokens(search_index, page.id)
