"""What changed between two editions: pure functions over two snapshots (no Pyramid).

Sections are matched by their organisation (a section recreated for the same partner is
still that partner's section), chapters by their key. Each entry is added, removed or
changed; a changed one lists its fields that differ, each as an inline diff in HTML with
``<ins>``/``<del>`` - the same diff as a page's versions (``versioning.diff.diff_html``),
which sanitises both sides again, so a snapshot's text can never inject markup here.

Fields that are not rich text (services, offices, contacts...) are first written as small
HTML fragments with every value escaped, then diffed the same way: a changed opening hour
shows in place, inside its office.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from markupsafe import escape

from tavolo.i18n import _
from tavolo.versioning.diff import diff_html

ADDED = "added"
REMOVED = "removed"
CHANGED = "changed"


@dataclass(frozen=True)
class FieldDiff:
    name: str
    label: object  # a translation string
    html: str  # the inline diff, safe HTML


@dataclass
class EntryDiff:
    kind: str  # "chapter" or "section"
    title: str
    status: str  # ADDED, REMOVED or CHANGED
    changes: list[FieldDiff] = field(default_factory=list)


CHAPTER_FIELDS = (("title", _("Titolo")), ("body", _("Testo")))
SECTION_FIELDS = (
    ("title", _("Titolo")),
    ("competences", _("Competenze")),
    ("network_role", _("Ruolo nella rete")),
    ("services", _("Servizi per i cittadini stranieri")),
    ("offices", _("Sedi e orari")),
    ("contacts", _("Contatti")),
    ("contact_person", _("Referente per la rete")),
    ("languages", _("Lingue e mediazione culturale")),
    ("documents", _("Documenti utili")),
    ("last_checked", _("Data dell'ultima verifica")),
    ("approval", _("Approvazione")),
)
RICH = frozenset({"body", "competences", "network_role"})

SERVICE_LABELS = (
    ("description", _("Descrizione")),
    ("eligibility", _("Chi può accedere")),
    ("access", _("Come accedere")),
    ("documents", _("Documenti necessari")),
)
CONTACT_LABELS = (
    ("phone", _("Telefono")),
    ("email", _("E-mail")),
    ("pec", _("PEC")),
    ("website", _("Sito web")),
)
PERSON_LABELS = (
    ("name", _("Nome")),
    ("role", _("Ruolo")),
    ("phone", _("Telefono")),
    ("email", _("E-mail")),
)


def untranslated(message) -> str:
    """A translation string's Italian text with its mapping filled in (no localizer)."""
    interpolate = getattr(message, "interpolate", None)
    return interpolate() if interpolate is not None else str(message)


def _text(value) -> str:
    return "" if value is None else str(value)


def _pairs(values: dict, labels, translate) -> str:
    parts = [
        f"{escape(translate(label))}: {escape(_text(values.get(key)))}"
        for key, label in labels
        if _text(values.get(key)).strip()
    ]
    return "; ".join(str(p) for p in parts)


def field_html(name: str, section: dict, translate: Callable[[object], str]) -> str:
    """A field of a snapshot's section (or chapter) as an HTML fragment to diff."""
    value = section.get(name)
    if name in RICH:
        return _text(value)
    if name == "services":
        items = []
        for service in value or []:
            head = f"<strong>{escape(_text(service.get('name')))}</strong>"
            rest = _pairs(service, SERVICE_LABELS, translate)
            items.append(f"<li>{head}{'. ' + rest if rest else ''}</li>")
        return f"<ul>{''.join(items)}</ul>" if items else ""
    if name == "offices":
        items = [
            "<li>"
            + ". ".join(
                str(escape(_text(office.get(key))))
                for key in ("name", "address", "hours")
                if _text(office.get(key)).strip()
            )
            + "</li>"
            for office in value or []
        ]
        return f"<ul>{''.join(items)}</ul>" if items else ""
    if name == "contacts":
        text = _pairs(value or {}, CONTACT_LABELS, translate)
        return f"<p>{text}</p>" if text else ""
    if name == "contact_person":
        person = value or {}
        text = _pairs(person, PERSON_LABELS, translate)
        if text and not person.get("public"):
            text += f" ({escape(translate(_('dati personali non pubblici')))})"
        return f"<p>{text}</p>" if text else ""
    if name == "documents":
        items = [
            f"<li>{escape(_text(doc.get('title')))} ({escape(_text(doc.get('filename')))})</li>"
            for doc in value or []
        ]
        return f"<ul>{''.join(items)}</ul>" if items else ""
    if name == "approval":
        if not section.get("approved_at"):
            return ""
        return "<p>{}</p>".format(
            escape(
                translate(
                    _(
                        "Versione ${revision}, approvata il ${date} da ${who}",
                        mapping={
                            "revision": _text(section.get("revision")),
                            "date": _text(section.get("approved_at"))[:10],
                            "who": _text(section.get("approved_by")),
                        },
                    )
                )
            )
        )
    if name == "title" and "organisation" in section:
        return f"<p>{escape(_text(value))}</p>"
    return f"<p>{escape(_text(value))}</p>" if _text(value).strip() else ""


def _changes(old: dict | None, new: dict | None, fields, translate) -> list[FieldDiff]:
    changes = []
    for name, label in fields:
        before = field_html(name, old, translate) if old is not None else ""
        after = field_html(name, new, translate) if new is not None else ""
        if before != after:
            changes.append(FieldDiff(name, label, diff_html(before, after)))
    return changes


def section_key(section: dict):
    organisation = section.get("organisation") or {}
    return organisation.get("id") or f"node-{section.get('node_id')}"


def chapter_key(chapter: dict):
    return chapter.get("key") or f"node-{chapter.get('node_id')}"


def _entries(old_items, new_items, key, kind, fields, translate) -> list[EntryDiff]:
    old_by_key = {key(item): item for item in old_items}
    new_keys = {key(item) for item in new_items}
    result = []
    for item in new_items:
        before = old_by_key.get(key(item))
        if before is None:
            status = ADDED
        elif before == item:
            continue
        else:
            status = CHANGED
        changes = _changes(before, item, fields, translate)
        if status == CHANGED and not changes:
            continue  # only bookkeeping moved (the node id, a position)
        result.append(EntryDiff(kind, _text(item.get("title")), status, changes))
    for item in old_items:
        if key(item) not in new_keys:
            changes = _changes(item, None, fields, translate)
            result.append(EntryDiff(kind, _text(item.get("title")), REMOVED, changes))
    return result


def compare_editions(
    old: dict, new: dict, translate: Callable[[object], str] = untranslated
) -> list[EntryDiff]:
    """Chapters then sections that differ between two snapshots, in ``new``'s order with
    the removed ones after; ``translate`` turns labels written into the diffs into text."""
    chapters = _entries(
        old.get("chapters", []),
        new.get("chapters", []),
        chapter_key,
        "chapter",
        CHAPTER_FIELDS,
        translate,
    )
    sections = _entries(
        old.get("sections", []),
        new.get("sections", []),
        section_key,
        "section",
        SECTION_FIELDS,
        translate,
    )
    return chapters + sections
