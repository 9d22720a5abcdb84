"""Real files made in the tests: documents, pictures, signed files and hostile ones.

Nothing is kept on disk in the repository: each test makes the bytes it needs.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from PIL import Image

from tavolo.scripts.demo_site import tiny_pdf

__all__ = ["tiny_pdf"]

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/{part}" ContentType="{main}"/>'
    "</Types>"
)
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="{part}"/></Relationships>'
)


def zip_bytes(entries, *, first_stored: bool = False) -> bytes:
    """A zip of ``(name or ZipInfo, bytes)`` entries, deflated."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, data) in enumerate(entries):
            if first_stored and index == 0:
                archive.writestr(name, data, compress_type=zipfile.ZIP_STORED)
            else:
                archive.writestr(name, data)
    return out.getvalue()


def docx_xml(paragraphs: list[str]) -> str:
    body = "".join(
        f'<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>'
        f"<w:r><w:t>{text}</w:t></w:r></w:p>"
        for text in paragraphs
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W_NS}">'
        f"<w:body>{body}</w:body></w:document>"
    )


def docx_bytes(
    paragraphs=("Verbale della riunione",), document: str | bytes | None = None, extra=()
):
    return zip_bytes(
        [
            ("[Content_Types].xml", CONTENT_TYPES.format(part="word/document.xml", main=DOCX_MAIN)),
            ("_rels/.rels", RELS.format(part="word/document.xml")),
            ("word/document.xml", document if document is not None else docx_xml(list(paragraphs))),
            *extra,
        ]
    )


def xlsx_bytes() -> bytes:
    workbook = (
        '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
        'spreadsheetml/2006/main"><sheets/></workbook>'
    )
    return zip_bytes(
        [
            ("[Content_Types].xml", CONTENT_TYPES.format(part="xl/workbook.xml", main=XLSX_MAIN)),
            ("_rels/.rels", RELS.format(part="xl/workbook.xml")),
            ("xl/workbook.xml", workbook),
        ]
    )


ODF_TEXT = "application/vnd.oasis.opendocument.text"
MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
    'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
    '<manifest:file-entry manifest:full-path="/" manifest:media-type="{mimetype}"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)


def odt_xml(paragraphs: list[str]) -> str:
    body = "".join(f"<text:p>{text}</text:p>" for text in paragraphs)
    return (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f"<office:body><office:text>{body}</office:text></office:body></office:document-content>"
    )


def odt_bytes(paragraphs=("Documento d'intesa",), mimetype=ODF_TEXT, content=None, extra=()):
    return zip_bytes(
        [
            ("mimetype", mimetype),
            ("content.xml", content if content is not None else odt_xml(list(paragraphs))),
            ("META-INF/manifest.xml", MANIFEST.format(mimetype=mimetype)),
            *extra,
        ],
        first_stored=True,
    )


def png_bytes(width=64, height=32, mode="RGBA", color=(0, 102, 204, 128)) -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height), color[: len(mode)]).save(out, "PNG")
    return out.getvalue()


def jpeg_bytes(width=64, height=32, orientation: int | None = None, noise=False) -> bytes:
    image = (
        Image.effect_noise((width, height), 64).convert("RGB")
        if noise
        else Image.new("RGB", (width, height), (200, 30, 30))
    )
    if orientation is None:
        exif = Image.Exif()
        exif[0x010F] = "Fotocamera di prova"  # Make: metadata that scales must drop
    else:
        exif = Image.Exif()
        exif[0x0112] = orientation
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def png_bomb(width=60_000, height=60_000) -> bytes:
    """A small PNG whose header declares ``width`` x ``height`` pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (width * 3 + 1) * 4)  # a few rows; the rest is missing
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


# --- DER for signed files ----------------------------------------------------------------------


def der(tag: int, content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        encoded = bytes([length])
    else:
        octets = length.to_bytes((length.bit_length() + 7) // 8, "big")
        encoded = bytes([0x80 | len(octets)]) + octets
    return bytes([tag]) + encoded + content


def p7m_bytes(document: bytes) -> bytes:
    """A CMS SignedData structure (no real signature) wrapping ``document``: what the
    upload check looks at is the ContentInfo header and its OID."""
    signed_data_oid = bytes.fromhex("06092a864886f70d010702")
    data_oid = bytes.fromhex("06092a864886f70d010701")
    sha256_alg = der(0x30, bytes.fromhex("0609608648016503040201"))
    encapsulated = der(0x30, data_oid + der(0xA0, der(0x04, document)))
    signed_data = der(
        0x30, der(0x02, b"\x01") + der(0x31, sha256_alg) + encapsulated + der(0x31, b"")
    )
    return der(0x30, signed_data_oid + der(0xA0, signed_data))


def pdf_with_pages(pages: list[list[str]], *, compress: bool = False) -> bytes:
    """A hand-written PDF: one page per list of lines, Helvetica text objects."""
    objects: list[bytes] = [b"", b""]  # catalogue and page tree, filled in at the end
    kids = []
    font = len(objects) + 1
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for lines in pages:
        ops = ["BT", "/F1 11 Tf", "72 760 Td"]
        for line in lines:
            ops += [f"({line}) Tj", "0 -14 Td"]
        ops.append("ET")
        stream = "\n".join(ops).encode("latin-1")
        if compress:
            stream = zlib.compress(stream, 9)
            head = f"<< /Length {len(stream)} /Filter /FlateDecode >>".encode()
        else:
            head = f"<< /Length {len(stream)} >>".encode()
        objects.append(head + b"\nstream\n" + stream + b"\nendstream")
        content = len(objects)
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            f"/Resources << /Font << /F1 {font} 0 R >> >> /Contents {content} 0 R >>".encode()
        )
        kids.append(len(objects))
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[1] = (
        f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>"
    ).encode()
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


# --- a zip bomb, assembled by hand -------------------------------------------------------------

MiB = 1024 * 1024


def _zeros_deflated(mebibytes: int) -> tuple[bytes, int]:
    """A raw deflate stream of ``mebibytes`` MiB of zeros, and its CRC-32, without
    compressing a gibibyte: one MiB compressed after a full flush (which resets the
    dictionary) is the same bytes every time, so it is repeated, then the final block."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(bytes(MiB)) + compressor.flush(zlib.Z_FULL_FLUSH)
    stream = block * mebibytes + compressor.flush(zlib.Z_FINISH)
    crc = 0
    zeros = bytes(MiB)
    for _ in range(mebibytes):
        crc = zlib.crc32(zeros, crc)
    return stream, crc


def zip_from_parts(parts: list[tuple], flags: int = 0x800) -> bytes:
    """A zip written field by field from ``(name, data as stored, crc, size, method)``,
    with the general-purpose ``flags`` of every entry (0x800: UTF-8 names)."""
    out = bytearray()
    central = bytearray()
    for name, data, crc, size, method in parts:
        encoded = name.encode()
        offset = len(out)
        out += struct.pack(
            "<IHHHHHIIIHH",
            0x04034B50,
            20,
            flags,
            method,
            0,
            0x21,
            crc,
            len(data),
            size,
            len(encoded),
            0,
        )
        out += encoded + data
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            0x0314,
            20,
            flags,
            method,
            0,
            0x21,
            crc,
            len(data),
            size,
            len(encoded),
            0,
            0,
            0,
            0,
            0o100644 << 16,
            offset,
        )
        central += encoded
    start = len(out)
    out += central
    out += struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(parts), len(parts), len(central), start, 0
    )
    return bytes(out)


def zip_bomb_docx(mebibytes: int = 1024) -> bytes:
    """A DOCX whose ``word/document.xml`` inflates to ``mebibytes`` MiB of zeros."""
    content_types = CONTENT_TYPES.format(part="word/document.xml", main=DOCX_MAIN).encode()
    rels = RELS.format(part="word/document.xml").encode()
    stream, crc = _zeros_deflated(mebibytes)
    return zip_from_parts(
        [
            (
                "[Content_Types].xml",
                content_types,
                zlib.crc32(content_types),
                len(content_types),
                0,
            ),
            ("_rels/.rels", rels, zlib.crc32(rels), len(rels), 0),
            ("word/document.xml", stream, crc, mebibytes * MiB, 8),
        ]
    )
