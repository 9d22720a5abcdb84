"""CSV export of the audit trail.

Semicolon-separated, UTF-8 with a byte-order mark: what a spreadsheet set up for Italy
(where the comma is the decimal separator) opens without asking. Cells that a spreadsheet
would take for a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return) get a leading apostrophe: a login name or a path typed by an attacker must not
run as a formula on the administrator's computer (CSV injection).
"""

from __future__ import annotations

import csv
import io

from tavolo.i18n import _
from tavolo.i18n.dates import SITE_TIMEZONE

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
DELIMITER = ";"

COLUMNS = (
    _("Numero"),
    _("Data e ora"),
    _("Tipo"),
    _("Descrizione"),
    _("Autore"),
    _("Id autore"),
    _("Indirizzo"),
    _("Tipo di oggetto"),
    _("Id oggetto"),
    _("Oggetto"),
    _("Dettagli"),
)


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def to_csv(entries, translate, event_titles) -> bytes:
    """``entries`` as CSV bytes; ``translate`` turns message ids into the user's language."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=DELIMITER, lineterminator="\r\n")
    writer.writerow([translate(title) for title in COLUMNS])
    for entry in entries:
        title = event_titles.get(entry.event_type)
        row = (
            entry.id,
            entry.at.astimezone(SITE_TIMEZONE).isoformat(timespec="seconds"),
            entry.event_type,
            translate(title) if title is not None else entry.event_type,
            entry.actor_login,
            entry.actor_id,
            entry.address,
            entry.object_type,
            entry.object_id,
            entry.object_path,
            entry.details,
        )
        writer.writerow([safe_cell(value) for value in row])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")
