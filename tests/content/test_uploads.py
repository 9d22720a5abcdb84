"""Uploads through the real forms: every refusal of the files issue is a message next to
the field with nothing saved and nothing written to the blob store; accepted files keep
the type recognised from their bytes; several files go into a folder at once."""

from __future__ import annotations

import dataclasses

import pytest
import webtest
from sqlalchemy import func, select

from tavolo.content.models import File, Image, Node
from tavolo.content.services import ContentService
from tavolo.files.uploads import Uploads
from tests.files.conftest import stored_files
from tests.files.makers import (
    docx_bytes,
    jpeg_bytes,
    odt_bytes,
    png_bomb,
    png_bytes,
    tiny_pdf,
    zip_bomb_docx,
    zip_bytes,
)
from tests.files.test_checks import HTML, SVG, _truncated_jpeg, _zip_with_member

FOLDER = "/area-riservata/documenti/"
PDF = tiny_pdf("Verbale", ["Prima riga."])


def error_texts(page) -> list[str]:
    return [p.get_text(" ", strip=True) for p in page.html.select(".invalid-feedback")]


def count(dbsession, model=Node) -> int:
    dbsession.expire_all()
    return dbsession.scalar(select(func.count(model.id)))


def add_form(testapp, type_name, title, upload, folder=FOLDER):
    form = testapp.get(f"{folder}@@add?type={type_name}", status=200).forms["deform"]
    form["title"] = title
    form["upload"] = upload
    return form.submit("save")


@pytest.fixture(scope="module")
def bomb():
    return zip_bomb_docx(1024)  # 1 GiB of zeros, about 1 MB


REFUSED = [
    ("html-as-pdf", "file", "verbale.pdf", HTML, "pagine web"),
    ("svg-with-script", "file", "logo.svg", SVG, "SVG"),
    ("svg-as-image", "image", "logo.png", SVG, "SVG"),
    ("traversal-docx", "file", "relazione.docx", _zip_with_member("../../x"), "percorsi"),
    ("image-bomb", "image", "mappa.png", png_bomb(60_000, 60_000), "milioni di pixel"),
    ("truncated-image", "image", "foto.jpg", _truncated_jpeg(), "incompleta"),
    ("pdf-as-image", "image", "verbale.pdf", PDF, "PNG o JPEG"),
    ("zip", "file", "documenti.zip", zip_bytes([("a.txt", "testo")]), "archivi"),
]


@pytest.mark.parametrize(
    ("type_name", "filename", "data", "fragment"),
    [case[1:] for case in REFUSED],
    ids=[case[0] for case in REFUSED],
)
def test_refused_uploads_store_nothing(
    testapp, login_as, dbsession, blobs, type_name, filename, data, fragment
):
    login_as("admin")
    nodes, before = count(dbsession), stored_files(blobs)
    # The browser's claim is a harmless type: only the bytes decide.
    page = add_form(testapp, type_name, "Rifiutato", webtest.Upload(filename, data, "image/png"))
    assert page.status_int == 200
    errors = error_texts(page)
    assert len(errors) == 1 and fragment in errors[0], errors
    # Next to the upload field: deform's error paragraph carries the field's id.
    upload_id = page.html.select_one("input[type=file]")["id"]
    assert page.html.select_one(".invalid-feedback")["id"] == f"error-{upload_id}"
    assert count(dbsession) == nodes
    assert stored_files(blobs) == before


def test_a_zip_bomb_disguised_as_docx_is_refused(testapp, login_as, dbsession, blobs, bomb):
    login_as("admin")
    nodes, before = count(dbsession), stored_files(blobs)
    page = add_form(testapp, "file", "Bomba", webtest.Upload("relazione.docx", bomb))
    assert any("troppi dati" in text for text in error_texts(page))
    assert count(dbsession) == nodes and stored_files(blobs) == before


def test_an_oversize_upload_is_refused(wsgi_app, testapp, login_as, dbsession, blobs):
    registry = wsgi_app.registry
    temp, limits = registry["tavolo.upload_store"], registry["tavolo.upload_limits"]
    saved = temp.max_bytes
    temp.max_bytes = 4096
    registry["tavolo.upload_limits"] = dataclasses.replace(limits, max_bytes=4096)
    try:
        login_as("admin")
        before = stored_files(blobs)
        big = tiny_pdf("Grande", ["riga " * 15] * 60)
        assert len(big) > 4096
        page = add_form(testapp, "file", "Grande", webtest.Upload("grande.pdf", big))
        assert any("supera la dimensione massima" in text for text in error_texts(page))
        assert stored_files(blobs) == before
    finally:
        temp.max_bytes = saved
        registry["tavolo.upload_limits"] = limits


def test_a_refused_replacement_keeps_the_old_file(testapp, login_as, dbsession, blobs):
    service = ContentService(dbsession, files=Uploads(blobs))
    folder = service.by_path(FOLDER)
    item = service.create(
        folder, "file", "verbale.pdf", "Verbale", upload={"filename": "verbale.pdf", "data": PDF}
    )
    old = item.sha256
    login_as("admin")
    before = stored_files(blobs)
    form = testapp.get(f"{item.path}@@edit").forms["deform"]
    form["upload"] = webtest.Upload("nuovo.pdf", HTML, "application/pdf")
    page = form.submit("save", status=200)
    assert any("pagine web" in text for text in error_texts(page))
    dbsession.expire_all()
    assert (item.sha256, item.version) == (old, 1)
    assert stored_files(blobs) == before


ACCEPTED = [
    ("file", "verbale.pdf", PDF, "application/pdf"),
    (
        "file",
        "relazione.docx",
        docx_bytes(["Relazione"]),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ("file", "intesa.odt", odt_bytes(), "application/vnd.oasis.opendocument.text"),
    ("file", "foto.png", png_bytes(), "image/png"),
    ("image", "logo.png", png_bytes(64, 32), "image/png"),
    ("image", "foto.jpeg", jpeg_bytes(64, 32), "image/jpeg"),
]


@pytest.mark.parametrize(("type_name", "filename", "data", "content_type"), ACCEPTED)
def test_accepted_uploads_get_the_detected_type(
    testapp, login_as, dbsession, blobs, type_name, filename, data, content_type
):
    login_as("admin")
    # The browser says "text/html": stored is what the bytes are.
    response = add_form(
        testapp, type_name, "Accettato", webtest.Upload(filename, data, "text/html")
    )
    assert response.status_int == 303, error_texts(response)
    node = dbsession.scalars(
        select(Node)
        .where(Node.path == f"{FOLDER}accettato/")
        .execution_options(populate_existing=True)
    ).one()
    assert (node.filename, node.content_type, node.size) == (filename, content_type, len(data))
    with blobs.open(node.sha256) as stream:
        assert stream.read() == data
    if type_name == "image":
        assert (node.width, node.height) == (64, 32)
    download = testapp.get(f"{FOLDER}accettato/@@download", status=200)
    assert download.body == data and download.headers["Content-Type"] == content_type


def test_a_filename_with_quotes_and_accents_through_the_form(testapp, login_as, dbsession):
    login_as("admin")
    response = add_form(
        testapp, "file", "Virgolette", webtest.Upload('verbale "finale" città.pdf', PDF)
    )
    assert response.status_int == 303, error_texts(response)
    node = dbsession.scalars(select(File).where(File.name == "virgolette")).one()
    assert node.filename == 'verbale "finale" città.pdf'
    download = testapp.get(f"{FOLDER}virgolette/@@download", status=200)
    assert download.headers["Content-Disposition"] == (
        'attachment; filename="verbale _finale_ citta.pdf"; '
        "filename*=UTF-8''verbale%20%22finale%22%20citt%C3%A0.pdf"
    )


def test_a_hostile_filename_is_neutralised(testapp, login_as, dbsession, blobs):
    """CR and LF cannot cross a multipart header, so the name is given to the service,
    as an import would."""
    service = ContentService(dbsession, files=Uploads(blobs))
    name = 'C:\\Documenti\\verbale "finale"\r\nSet-Cookie: x=1 città.pdf'
    service.create(
        service.by_path(FOLDER),
        "file",
        "nome-ostile",
        "Nome ostile",
        upload={"filename": name, "data": PDF},
    )
    node = dbsession.scalars(select(File).where(File.name == "nome-ostile")).one()
    assert node.filename == 'verbale "finale" Set-Cookie: x=1 città.pdf'
    login_as("admin")
    page = testapp.get(f"{FOLDER}nome-ostile/", status=200)
    assert 'verbale "finale" Set-Cookie: x=1 città.pdf' in page.html.get_text()
    download = testapp.get(f"{FOLDER}nome-ostile/@@download", status=200)
    assert all(
        "x=1" not in value for key, value in download.headerlist if key != "Content-Disposition"
    )
    assert download.headers["Content-Disposition"] == (
        'attachment; filename="verbale _finale_ Set-Cookie_ x_1 citta.pdf"; '
        "filename*=UTF-8''verbale%20%22finale%22%20Set-Cookie%3A%20x%3D1%20citt%C3%A0.pdf"
    )


def test_a_redisplayed_form_keeps_the_upload(testapp, login_as, dbsession):
    """A form refused for another field keeps the file (deform's temp store): the editor
    fixes the title and saves without choosing the file again."""
    login_as("admin")
    page = add_form(testapp, "file", "", webtest.Upload("verbale.pdf", PDF))
    assert page.status_int == 200 and error_texts(page)
    form = page.forms["deform"]
    form["title"] = "Ripresentato"
    response = form.submit("save", status=303)
    node = dbsession.scalars(select(File).where(File.name == "ripresentato")).one()
    assert (node.filename, node.size) == ("verbale.pdf", len(PDF))
    assert response.location.endswith("/ripresentato/?saved=1")


def test_only_pdf_png_and_jpeg_open_inline(testapp, login_as, dbsession, blobs):
    service = ContentService(dbsession, files=Uploads(blobs))
    folder = service.by_path("/notizie/")
    for filename, data in [
        ("a.pdf", PDF),
        ("b.png", png_bytes()),
        ("c.jpg", jpeg_bytes()),
        ("d.docx", docx_bytes()),
        ("e.odt", odt_bytes()),
        ("f.txt", b"testo"),
    ]:
        service.create(
            folder,
            "file",
            filename,
            filename,
            state="published",
            upload={"filename": filename, "data": data},
        )
    for name, inline in [("a.pdf", True), ("b.png", True), ("c.jpg", True), ("d.docx", False)]:
        disposition = testapp.get(f"/notizie/{name}/@@inline").headers["Content-Disposition"]
        assert disposition.startswith("inline;" if inline else "attachment;"), name
    for name in ("e.odt", "f.txt"):
        disposition = testapp.get(f"/notizie/{name}/@@inline").headers["Content-Disposition"]
        assert disposition.startswith("attachment;")


# several files at once -------------------------------------------------------------------


def upload_many(testapp, folder, files, status=200):
    form = testapp.get(f"{folder}@@carica", status=200).forms["upload-form"]
    form["files"] = files
    return form.submit(status=status)


def test_several_files_at_once_with_results_per_file(testapp, login_as, dbsession, blobs):
    login_as("admin")
    before = set(stored_files(blobs))
    good = [
        webtest.Upload("verbale città.pdf", PDF),
        webtest.Upload("foto.jpg", jpeg_bytes(80, 40)),
        webtest.Upload("relazione.docx", docx_bytes(["Relazione"])),
    ]
    bad = [
        webtest.Upload("pagina.pdf", HTML),
        webtest.Upload("mappa.png", png_bomb(60_000, 60_000)),
    ]
    page = upload_many(testapp, FOLDER, [good[0], bad[0], good[1], bad[1], good[2]])
    created = page.html.select(".tavolo-upload-created a")
    assert [a.get_text(strip=True) for a in created] == [
        "verbale città.pdf",
        "foto.jpg",
        "relazione.docx",
    ]
    assert [a["href"] for a in created] == [
        f"http://localhost{FOLDER}verbale-citta.pdf/",
        f"http://localhost{FOLDER}foto.jpg/",
        f"http://localhost{FOLDER}relazione.docx/",
    ]
    refused = [li.get_text(" ", strip=True) for li in page.html.select(".tavolo-upload-refused")]
    assert len(refused) == 2
    assert "pagina.pdf" in refused[0] and "pagine web" in refused[0]
    assert "mappa.png" in refused[1] and "milioni di pixel" in refused[1]
    assert "File non caricati: 2" in page.text

    dbsession.expire_all()
    photo = dbsession.scalars(select(Image).where(Image.name == "foto.jpg")).one()
    assert (photo.content_type, photo.width, photo.height, photo.title) == (
        "image/jpeg",
        80,
        40,
        "foto",
    )
    document = dbsession.scalars(select(File).where(File.name == "verbale-citta.pdf")).one()
    assert (document.title, document.state) == ("verbale città", "private")
    # The search indexer's extracted text is a cache beside the blobs, not a stored file.
    new = {path for path in set(stored_files(blobs)) - before if not path.startswith("text/")}
    assert {path.rsplit("/", 1)[-1] for path in new} <= {
        photo.sha256,
        document.sha256,
        dbsession.scalars(select(File.sha256).where(File.name == "relazione.docx")).one(),
    }

    # The same file again gets the next free name.
    again = upload_many(testapp, FOLDER, [webtest.Upload("verbale città.pdf", PDF)])
    assert again.html.select_one(".tavolo-upload-created a")["href"].endswith(
        "/verbale-citta-2.pdf/"
    )


def test_upload_needs_the_add_permission(testapp, login_as):
    assert "/login" in testapp.get(f"{FOLDER}@@carica", status=303).headers["Location"]
    login_as("comune")  # a partner reads the reserved area, adds nothing there
    testapp.get(f"{FOLDER}@@carica", status=403)


def test_upload_needs_a_file_and_a_folder(testapp, login_as):
    login_as("admin")
    page = testapp.get(f"{FOLDER}@@carica", status=200)
    assert page.html.select_one("input[type=file][multiple]")
    response = page.forms["upload-form"].submit(status=400)
    assert "Scegli almeno un file" in response.text
    testapp.get("/notizie/@@carica", status=200)
    testapp.get("/privacy/@@carica", status=404)  # a page holds no files


def test_upload_is_linked_from_the_editor_bar_and_the_contents(testapp, login_as):
    login_as("admin")
    page = testapp.get(FOLDER, status=200)
    links = page.html.select("nav.tavolo-editor-bar a[href$='@@carica']")
    assert links and links[0].get_text(strip=True) == "Carica file"
    contents = testapp.get(f"{FOLDER}@@contents", status=200)
    assert contents.html.select_one("a[href$='@@carica']")
