"""Showing a section's fields as readable text: for suggestions (what a proposal changes)
and anywhere a field must be told in a line rather than laid out as on the section's page.
"""

from __future__ import annotations

import datetime as dt

from tavolo.i18n.dates import format_date
from tavolo.vademecum.schemas import SectionSchema
from tavolo.vademecum.snapshot import RICH_FIELDS, SECTION_FIELDS, normalise_fields
from tavolo.versioning.diff import diff_html


def _labels(schema_node) -> dict:
    return {child.name: child.title for child in schema_node.children}


def describe(name: str, value, translate, locale: str = "it") -> str:
    """``value`` of field ``name`` as text (lists one entry a line, labelled parts)."""
    schema = SectionSchema()
    value = normalise_fields({name: value}).get(name, value)
    if value in (None, "", [], {}):
        return "—"
    if name == "last_checked":
        date = value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
        return format_date(date, locale)
    if name in ("services", "offices"):
        labels = _labels(schema[name].children[0])
        lines = []
        for entry in value:
            parts = [f"{translate(labels[k])}: {v}" for k, v in entry.items() if v]
            lines.append(" · ".join(parts))
        return "\n".join(lines)
    if name in ("contacts", "contact_person"):
        labels = _labels(schema[name])
        parts = []
        for key, item in value.items():
            if isinstance(item, bool):
                item = "✓" if item else ""
            if item:
                parts.append(f"{translate(labels[key])}: {item}")
        return "\n".join(parts) or "—"
    return str(value)


def field_rows(fields: dict, current: dict | None, translate, locale: str = "it") -> list[dict]:
    """One row per proposed field, in the form's order: label, rich or not, the value now
    (when the reader may see it) and the proposed one - rich text as an inline diff."""
    labels = _labels(SectionSchema())
    rows = []
    for name in SECTION_FIELDS:
        if name not in fields:
            continue
        proposed = fields[name]
        before = current.get(name) if current is not None else None
        rich = name in RICH_FIELDS
        if rich:
            after = diff_html(before or "", proposed or "") if current is not None else proposed
        else:
            after = describe(name, proposed, translate, locale)
            before = describe(name, before, translate, locale)
        rows.append(
            {
                "name": name,
                "label": translate(labels[name]),
                "rich": rich,
                "before": before or "",
                "after": after or "",
            }
        )
    return rows
