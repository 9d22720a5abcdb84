"""Files and images: their pages and their bytes, with the exact headers."""

from __future__ import annotations

import hashlib
import io
import logging

import pytest
from PIL import Image as PILImage
from sqlalchemy import select

from tavolo.content.models import File
from tavolo.files.names import content_disposition
from tests.content.helpers import at, make, make_file
from tests.files.makers import jpeg_bytes, png_bytes

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
            'attachment; filename="a_b Set-Cookie_ x_1.pdf"; '
            "filename*=UTF-8''a%22b%20Set-Cookie%3A%20x%3D1.pdf",
        ),
        ("../../etc/passwd", "attachment; filename=\"passwd\"; filename*=UTF-8''passwd"),
        ("\\\\server\\share.txt", "attachment; filename=\"share.txt\"; filename*=UTF-8''share.txt"),
        ("", "attachment; filename=\"download\"; filename*=UTF-8''download"),
        ("日本.pdf", "attachment; filename=\"pdf\"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.pdf"),
    ],
)
def test_content_disposition_is_always_safe(filename, expected):
    value = content_disposition(filename)
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
    assert disposition.startswith('attachment; filename="r_ X-Injected_ yes_citta.txt"; ')
    assert disposition.endswith("filename*=UTF-8''r%22%20X-Injected%3A%20yes%22citt%C3%A0.txt")


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
    # The large preview, no bigger than the picture itself.
    assert img["src"].endswith("/notizie/foto/@@image/large") and img["alt"] == "Foto della sala"
    assert (img["width"], img["height"]) == ("10", "5")
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


# streaming from the blob store: ranges, missing blobs ---------------------------------
BIG = bytes(range(256)) * 4096  # 1 MiB, every byte value


@pytest.fixture
def big(dbsession):
    return make_file(
        dbsession, FOLDER, "dati.csv", "Dati", BIG, "dati.csv", "application/octet-stream"
    )


def test_downloads_stream_from_the_blob_store(testapp, big):
    response = testapp.get("/notizie/dati.csv/@@download", status=200)
    assert response.body == BIG
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["Content-Length"] == str(len(BIG))


def test_a_single_range_gives_206(testapp, big):
    response = testapp.get(
        "/notizie/dati.csv/@@download", headers={"Range": "bytes=1000-2999"}, status=206
    )
    assert response.body == BIG[1000:3000]
    assert response.headers["Content-Range"] == f"bytes 1000-2999/{len(BIG)}"
    assert response.headers["Content-Length"] == "2000"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    tail = testapp.get("/notizie/dati.csv/@@download", headers={"Range": "bytes=-10"}, status=206)
    assert tail.body == BIG[-10:]
    head = testapp.head("/notizie/dati.csv/@@download", headers={"Range": "bytes=0-9"})
    assert head.status_int == 206 and head.body == b""


def test_an_unsatisfiable_range_gives_416(testapp, big):
    response = testapp.get(
        "/notizie/dati.csv/@@download",
        headers={"Range": f"bytes={len(BIG)}-{len(BIG) + 10}"},
        status=416,
    )
    assert response.headers["Content-Range"] == f"bytes */{len(BIG)}"


def test_a_range_for_another_version_gives_the_whole_file(testapp, big):
    response = testapp.get(
        "/notizie/dati.csv/@@download",
        headers={"Range": "bytes=0-9", "If-Range": '"un-altro-file"'},
        status=200,
    )
    assert response.body == BIG


def test_a_missing_blob_is_an_error_page_and_a_log_line(testapp, dbsession, caplog):
    make_file(dbsession, FOLDER, "perso.pdf", "Perso", PDF, "perso.pdf", "application/pdf")
    node = dbsession.scalars(select(File).where(File.name == "perso.pdf")).one()
    node.sha256 = hashlib.sha256(b"bytes that were never stored").hexdigest()
    dbsession.flush()
    with caplog.at_level(logging.ERROR, logger="tavolo.content.views.files"):
        page = testapp.get("/notizie/perso.pdf/@@download", status=500)
    assert "Errore del sistema" in page.text and "Traceback" not in page.text
    assert any(node.sha256 in record.getMessage() for record in caplog.records)
    testapp.get("/notizie/perso.pdf/", status=200)  # its page still shows


# scales ---------------------------------------------------------------------------------


@pytest.fixture
def photo(dbsession):
    return make_file(
        dbsession,
        FOLDER,
        "foto.jpg",
        "Foto",
        jpeg_bytes(2000, 1000),
        "foto.jpg",
        "image/jpeg",
        type_name="image",
        width=2000,
        height=1000,
    )


@pytest.mark.parametrize(
    ("name", "size"), [("thumbnail", (160, 80)), ("listing", (480, 240)), ("large", (1200, 600))]
)
def test_scales_are_made_once_with_their_size(testapp, wsgi_app, photo, name, size):
    response = testapp.get(f"/notizie/foto.jpg/@@image/{name}", status=200)
    assert response.headers["Content-Type"] == "image/jpeg"
    assert response.headers["Content-Security-Policy"] == "sandbox"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("inline;")
    with PILImage.open(io.BytesIO(response.body)) as picture:
        assert picture.size == size
    cached = wsgi_app.registry["tavolo.scales"].cached(photo.sha256, name)
    assert cached is not None and (cached.width, cached.height) == size
    mtime = cached.path.stat().st_mtime_ns
    again = testapp.get(f"/notizie/foto.jpg/@@image/{name}", status=200)
    assert again.body == response.body and cached.path.stat().st_mtime_ns == mtime
    testapp.get(
        f"/notizie/foto.jpg/@@image/{name}",
        headers={"If-None-Match": response.headers["ETag"]},
        status=304,
    )


def test_unknown_scales_and_unscalable_images_are_404(testapp, dbsession, photo):
    testapp.get("/notizie/foto.jpg/@@image/enorme", status=404)
    testapp.get("/notizie/foto.jpg/@@image/large/altro", status=404)
    make_file(
        dbsession, FOLDER, "logo", "Logo", b"<svg/>", "logo.svg", "image/svg+xml", type_name="image"
    )
    testapp.get("/notizie/logo/@@image/thumbnail", status=404)


def test_scales_need_the_images_permission(testapp, dbsession, login_as):
    make_file(
        dbsession,
        RESERVED,
        "foto-interna.png",
        "Foto interna",
        png_bytes(600, 300),
        "foto-interna.png",
        "image/png",
        type_name="image",
        width=600,
        height=300,
        state="private",
    )
    url = "/area-riservata/documenti/foto-interna.png/@@image/thumbnail"
    assert "/login?came_from=" in testapp.get(url, status=303).headers["Location"]
    login_as("comune")
    testapp.get(url, status=403)


def test_news_use_the_listing_scale(testapp, dbsession, photo):
    make(
        dbsession,
        FOLDER,
        "news",
        "con-foto",
        "Notizia con foto",
        image_id=photo.id,
        effective=at(2024, 1, 1),
    )
    page = testapp.get("/notizie/con-foto/", status=200)
    img = page.html.select_one("figure.tavolo-news-image img")
    assert img["src"].endswith("/notizie/foto.jpg/@@image/listing")
    assert (img["width"], img["height"]) == ("480", "240")
