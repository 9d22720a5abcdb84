"""File names: kept for display, neutralised in headers."""

from __future__ import annotations

import unicodedata

import pytest

from tavolo.files.checks import content_disposition, display_filename


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("città.pdf", "città.pdf"),
        (unicodedata.normalize("NFD", "città.pdf"), "città.pdf"),  # macOS sends NFD
        ("C:\\Users\\laura\\Desktop\\verbale.pdf", "verbale.pdf"),
        ("../../etc/passwd", "passwd"),
        ("verbale\r\nSet-Cookie: x=1.pdf", "verbale Set-Cookie: x=1.pdf"),
        ("nul\x00byte.pdf", "nulbyte.pdf"),
        ("fattura\u202efdp.exe", "fatturafdp.exe"),  # right-to-left override dropped
        ("zero\u200bwidth.txt", "zerowidth.txt"),
        ('"citazione" e \\ barra.txt', "barra.txt"),  # a backslash is a separator
        ('"citazione".txt', '"citazione".txt'),  # quotes are text to display
        ("  .nascosto.txt  ", "nascosto.txt"),
        ("molti    spazi\t.txt", "molti spazi .txt"),
        ("", "file"),
        (None, "file"),
        ("...", "file"),
    ],
)
def test_display_filename(raw, shown):
    assert display_filename(raw) == shown


def test_long_names_keep_their_extension():
    name = display_filename("relazione " * 40 + ".pdf.p7m")
    assert len(name) <= 200
    assert name.endswith(".pdf.p7m")
    assert name.startswith("relazione relazione")


def test_content_disposition_with_cr_lf_quotes_and_accents():
    header = content_disposition('verbale "finale"\r\n\\città.pdf')
    assert "\r" not in header and "\n" not in header
    assert header == ("attachment; filename=\"citta.pdf\"; filename*=UTF-8''citt%C3%A0.pdf")
    header = content_disposition('il "verbale"; città.pdf', inline=True)
    assert header == (
        'inline; filename="il _verbale__ citta.pdf"; '
        "filename*=UTF-8''il%20%22verbale%22%3B%20citt%C3%A0.pdf"
    )
    assert content_disposition("\r\n") == (
        "attachment; filename=\"download\"; filename*=UTF-8''download"
    )
