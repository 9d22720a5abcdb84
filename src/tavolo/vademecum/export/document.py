"""An edition laid out for print, once, for every format: cover, entries, labelled parts.

The writers (``pdf``, ``word``) only typeset what this gives them, so the PDF and the DOCX
say the same things in the same order with the same labels, translated once here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from tavolo.i18n import _
from tavolo.i18n.dates import format_date
from tavolo.vademecum.edition_compare import (
    CONTACT_LABELS,
    PERSON_LABELS,
    SERVICE_LABELS,
    untranslated,
)
from tavolo.vademecum.export.richtext import Block, Run, clean_text, html_blocks, plain_blocks


@dataclass
class Part:
    label: str  # "" for none
    blocks: list[Block]


@dataclass
class Entry:
    kind: str  # "chapter" or "section"
    title: str
    parts: list[Part] = field(default_factory=list)
    last_checked: str = ""  # sections: the date of last check, as text


@dataclass
class ExportDocument:
    title: str
    edition_label: str  # "Edizione n. 3"
    date_label: str  # "Pubblicata il 26 novembre 2026"
    sha256: str
    hash_label: str
    note: str
    publisher: str  # the prefecture
    toc_title: str
    sections_title: str
    page_label: str  # "Pagina" (followed by the number)
    last_checked_label: str
    entries: list[Entry] = field(default_factory=list)

    @property
    def chapters(self) -> list[Entry]:
        return [e for e in self.entries if e.kind == "chapter"]

    @property
    def sections(self) -> list[Entry]:
        return [e for e in self.entries if e.kind == "section"]


def _date(value, locale: str) -> str:
    if not value:
        return ""
    try:
        return format_date(dt.date.fromisoformat(str(value)[:10]), locale)
    except ValueError:
        return clean_text(str(value))


def _line(text: str, bold: bool = False) -> Block:
    return Block(runs=[Run(clean_text(text), bold=bold)])


def _pairs(values: dict, labels, translate) -> list[Block]:
    return [
        _line(f"{translate(label)}: {values[key]}")
        for key, label in labels
        if str(values.get(key) or "").strip()
    ]


def _section_parts(section: dict, translate, locale: str) -> list[Part]:
    parts: list[Part] = []

    def add(label, blocks):
        if blocks:
            parts.append(Part(translate(label) if label else "", blocks))

    organisation = section.get("organisation") or {}
    if organisation.get("name") and organisation.get("name") != section.get("title"):
        add(_("Organizzazione"), [_line(organisation["name"])])
    add(_("Competenze"), html_blocks(section.get("competences")))
    add(_("Ruolo nella rete"), html_blocks(section.get("network_role")))
    services = []
    for service in section.get("services") or []:
        services.append(_line(str(service.get("name") or ""), bold=True))
        services.extend(_pairs(service, SERVICE_LABELS, translate))
    add(_("Servizi per i cittadini stranieri"), [b for b in services if b.text])
    offices = []
    for office in section.get("offices") or []:
        offices.append(_line(str(office.get("name") or ""), bold=True))
        offices.extend(plain_blocks(office.get("address")))
        offices.extend(plain_blocks(office.get("hours")))
    add(_("Sedi e orari"), [b for b in offices if b.text])
    add(_("Contatti"), _pairs(section.get("contacts") or {}, CONTACT_LABELS, translate))
    add(
        _("Referente per la rete"),
        _pairs(section.get("contact_person") or {}, PERSON_LABELS, translate),
    )
    add(_("Lingue e mediazione culturale"), plain_blocks(section.get("languages")))
    documents = [
        _line(f"{doc.get('title') or ''} ({doc.get('filename') or ''})")
        for doc in section.get("documents") or []
    ]
    add(_("Documenti utili"), documents)
    if section.get("approved_at"):
        date = _date(section.get("approved_at"), locale)
        who = section.get("approved_by") or ""
        message = (
            _("Approvata il ${date} da ${who}", mapping={"date": date, "who": who})
            if who
            else _("Approvata il ${date}", mapping={"date": date})
        )
        add("", [_line(translate(message))])
    return parts


def build_document(
    edition,
    data: dict,
    *,
    publisher: str,
    locale: str = "it",
    translate: Callable[[object], str] = untranslated,
) -> ExportDocument:
    """The printable document of ``edition`` with ``data`` (already filtered for the public
    area when it is the public edition's)."""
    title = clean_text((data.get("vademecum") or {}).get("title") or translate(_("Vademecum")))
    document = ExportDocument(
        title=title,
        edition_label=translate(_("Edizione n. ${number}", mapping={"number": edition.number})),
        date_label=translate(
            _(
                "Pubblicata il ${date}",
                mapping={"date": format_date(edition.published_at.date(), locale)},
            )
        ),
        sha256=edition.sha256,
        hash_label=translate(_("Impronta SHA-256 del testo")),
        note=clean_text(edition.note or ""),
        publisher=clean_text(publisher),
        toc_title=translate(_("Indice")),
        sections_title=translate(_("Le organizzazioni della rete")),
        page_label=translate(_("Pagina")),
        last_checked_label=translate(_("Data dell'ultima verifica")),
    )
    for chapter in data.get("chapters") or []:
        document.entries.append(
            Entry(
                "chapter",
                clean_text(chapter.get("title") or ""),
                [Part("", html_blocks(chapter.get("body")))],
            )
        )
    for section in data.get("sections") or []:
        checked = _date(section.get("last_checked"), locale) or translate(_("non indicata"))
        document.entries.append(
            Entry(
                "section",
                clean_text(section.get("title") or ""),
                _section_parts(section, translate, locale),
                last_checked=checked,
            )
        )
    return document
