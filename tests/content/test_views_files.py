"""Files and images: their pages and their bytes, with the exact headers."""

from __future__ import annotations

import hashlib

import pytest

from tavolo.content.views.files import content_disposition
from tests.content.helpers import make_file

FOLDER = "/notizie/"
RESERVED = "/area-riservata/documenti/"
PDF = b"%PDF-1.4\n% a tiny pdf\n"


@pytest.fixture
def pdf(dbsession):
    return make_file(
        dbsession,
        FOLDER,
        "verbale.pdf",
        "Verbale della riunione",
        PDF,
        "verbale città.pdf",
        "application/pdf",
    )


def test_file_page_shows_name_size_type_and_links(testapp, dbsession, pdf):
    big = make_file(
        dbsession,
        FOLDER,
        "grande.zip",
        "Archivio",
        b"x" * 1_258_291,
        "grande.zip",
        "application/zip",
    )
    page = testapp.get("/notizie/verbale.pdf/", status=200)
    info = page.html.select_one("dl.tavolo-file-info").get_text(" ", strip=True)
    assert "verbale città.pdf" in info and "22 byte" in info and "application/pdf" in info
    assert page.html.select_one("a[href$='/notizie/verbale.pdf/@@download']")
    assert page.html.select_one("a[href$='/notizie/verbale.pdf/@@inline']")
    assert "Ultimo aggiornamento" in page.text
    page = testapp.get("/notizie/grande.zip/", status=200)
    assert "1,2\xa0MB" in page.html.select_one("dl.tavolo-file-info").get_text()
    assert not page.html.select("a[href$='@@inline']")  # a zip is never opened inline
    assert big.size == 1_258_291


def test_download_headers(testapp, pdf):
    response = testapp.get("/notizie/verbale.pdf/@@download", status=200)
    assert response.body == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"verbale citta.pdf\"; filename*=UTF-8''verbale%20citt%C3%A0.pdf"
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "sandbox"
    assert response.headers["ETag"] == f'"{hashlib.sha256(PDF).hexdigest()}"'
    assert response.headers["Content-Length"] == str(len(PDF))


def test_etag_gives_304(testapp, pdf):
    etag = testapp.get("/notizie/verbale.pdf/@@download").headers["ETag"]
    response = testapp.get(
        "/notizie/verbale.pdf/@@download", headers={"If-None-Match": etag}, status=304
    )
    assert response.body == b"" and response.headers["ETag"] == etag
    response = testapp.get(
        "/notizie/verbale.pdf/@@download",
        headers={"If-None-Match": '"altro", ' + etag},
        status=304,
    )
    testapp.get("/notizie/verbale.pdf/@@download", headers={"If-None-Match": '"altro"'}, status=200)


def test_pdf_opens_inline_sandboxed(testapp, pdf):
    response = testapp.get("/notizie/verbale.pdf/@@inline", status=200)
    assert response.headers["Content-Disposition"].startswith(
        'inline; filename="verbale citta.pdf"'
    )
    assert response.headers["Content-Security-Policy"] == "sandbox"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "content_type",
    [
        "text/html",
        "image/svg+xml",
        "text/html; charset=utf-8",
        "application/xhtml+xml",
        "text/plain",
    ],
)
def test_other_types_are_never_inline(testapp, dbsession, content_type):
    make_file(
        dbsession,
        FOLDER,
        "pagina.html",
        "Pagina caricata",
        b"<script>alert(1)</script>",
        "pagina.html",
        content_type,
    )
    for view in ("@@inline", "@@download"):
        response = testapp.get(f"/notizie/pagina.html/{view}", status=200)
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Security-Policy"] == "sandbox"
        assert response.headers["Content-Type"] == content_type.split(";")[0]


def test_a_malformed_stored_type_is_served_as_octet_stream(testapp, dbsession):
    make_file(dbsession, FOLDER, "strano", "Strano", b"abc", "strano.bin", "text/html\r\nX-A: 1")
    response = testapp.get("/notizie/strano/@@download", status=200)
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert "X-A" not in response.headers


@pytest.mark.parametrize(
    "filename,expected",
    [
        ("città.pdf", "attachment; filename=\"citta.pdf\"; filename*=UTF-8''citt%C3%A0.pdf"),
        (
            'a"b\r\nSet-Cookie: x=1.pdf',
            'attachment; filename="a_bSet-Cookie_ x_1.pdf"; '
            "filename*=UTF-8''a%22bSet-Cookie%3A%20x%3D1.pdf",
        ),
        (
            "../../etc/passwd",
            "attachment; filename=\"_.._etc_passwd\"; filename*=UTF-8''_.._etc_passwd",
        ),
        (
            "\\\\server\\share.txt",
            "attachment; filename=\"__server_share.txt\"; filename*=UTF-8''__server_share.txt",
        ),
        ("", "attachment; filename=\"download\"; filename*=UTF-8''download"),
        ("日本.pdf", "attachment; filename=\"pdf\"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.pdf"),
    ],
)
def test_content_disposition_is_always_safe(filename, expected):
    value = content_disposition("attachment", filename)
    assert value == expected
    assert "\r" not in value and "\n" not in value
    fallback = value.split('filename="', 1)[1].split('"', 1)[0]
    assert fallback.isascii() and "\\" not in fallback


def test_hostile_filename_through_http(testapp, dbsession):
    make_file(
        dbsession,
        FOLDER,
        "ostile",
        "Ostile",
        b"abc",
        'r"\r\nX-Injected: yes"città.txt',
        "text/plain",
    )
    response = testapp.get("/notizie/ostile/@@download", status=200)
    assert "X-Injected" not in response.headers
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="r_X-Injected_ yes_citta.txt"; ')
    assert disposition.endswith("filename*=UTF-8''r%22X-Injected%3A%20yes%22citt%C3%A0.txt")


def test_reserved_file_needs_login(testapp, dbsession, login_as):
    make_file(
        dbsession,
        RESERVED,
        "interno.pdf",
        "Interno",
        PDF,
        "interno.pdf",
        "application/pdf",
        state="internal",
    )
    for view in ("", "@@download", "@@inline"):
        response = testapp.get(f"/area-riservata/documenti/interno.pdf/{view}", status=303)
        assert "/login?came_from=" in response.headers["Location"]
    login_as("comune")
    response = testapp.get("/area-riservata/documenti/interno.pdf/@@download", status=200)
    assert response.body == PDF
    assert response.headers["Cache-Control"] == "private, no-store"


def test_private_file_is_refused_to_partners(testapp, dbsession, login_as):
    make_file(
        dbsession,
        RESERVED,
        "privato.pdf",
        "Privato",
        PDF,
        "privato.pdf",
        "application/pdf",
        state="private",
    )
    login_as("comune")
    testapp.get("/area-riservata/documenti/privato.pdf/@@download", status=403)


def test_downloads_only_answer_get_and_head(testapp, pdf):
    assert testapp.head("/notizie/verbale.pdf/@@download", status=200).headers["ETag"]
    testapp.post("/notizie/verbale.pdf/@@download", status=(400, 403, 404))


# images --------------------------------------------------------------------------------
PNG = b"\x89PNG\r\n\x1a\n fake"


@pytest.mark.parametrize("content_type", ["image/png", "image/jpeg", "image/gif", "image/webp"])
def test_images_are_shown_inline_sandboxed(testapp, dbsession, content_type):
    make_file(
        dbsession,
        FOLDER,
        "foto",
        "Foto della sala",
        PNG,
        "sala.png",
        content_type,
        type_name="image",
        width=10,
        height=5,
    )
    response = testapp.get("/notizie/foto/@@image", status=200)
    assert response.headers["Content-Type"] == content_type
    assert response.headers["Content-Disposition"].startswith('inline; filename="sala.png"')
    assert response.headers["Content-Security-Policy"] == "sandbox"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    download = testapp.get("/notizie/foto/@@download", status=200)
    assert download.headers["Content-Disposition"].startswith("attachment;")


def test_image_page(testapp, dbsession):
    make_file(
        dbsession,
        FOLDER,
        "foto",
        "Foto della sala",
        PNG,
        "sala.png",
        "image/png",
        type_name="image",
        width=10,
        height=5,
    )
    page = testapp.get("/notizie/foto/", status=200)
    img = page.html.select_one("#main-container figure img")
    assert img["src"].endswith("/notizie/foto/@@image") and img["alt"] == "Foto della sala"
    assert page.html.select_one("a[href$='/notizie/foto/@@download']")
    assert "Ultimo aggiornamento" in page.text


def test_svg_images_are_never_rendered(testapp, dbsession):
    make_file(
        dbsession,
        FOLDER,
        "logo",
        "Logo",
        b"<svg onload='alert(1)'/>",
        "logo.svg",
        "image/svg+xml",
        type_name="image",
    )
    response = testapp.get("/notizie/logo/@@image", status=200)
    assert response.headers["Content-Disposition"].startswith("attachment;")
    page = testapp.get("/notizie/logo/", status=200)
    assert page.html.select_one("#main-container figure img") is None
