"""What a section says, as plain data: the contract with editions, exports and search.

* ``section_content(section)``: the section's CURRENT fields (what its organisation is
  writing now), normalised - every list entry has exactly its keys, strings are strings;
* ``approved_content(section)``: the same dict as it was when the prefecture last approved
  the section, or None if it never was;
* ``consolidated(dbsession, vademecum)``: the whole guide as its readers see it - common
  chapters, then every approved, non-retired section, in the Vademecum's order.

Everything here is JSON-serialisable, so an edition can freeze it and hash it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from sqlalchemy import select
from sqlalchemy.orm import object_session

from tavolo.accounts.models import Organisation, User
from tavolo.content.models import File
from tavolo.content.richtext import plain_text as html_plain_text
from tavolo.vademecum.models import Vademecum, VademecumChapter, VademecumSection

SERVICE_KEYS = ("name", "description", "eligibility", "access", "documents")
OFFICE_KEYS = ("name", "address", "hours")
CONTACT_KEYS = ("phone", "email", "pec", "website")
PERSON_KEYS = ("name", "role", "phone", "email")
# The section's own fields, in the order of its form (revisions, suggestions, comparisons).
SECTION_FIELDS = (
    "competences",
    "network_role",
    "services",
    "offices",
    "contacts",
    "contact_person",
    "languages",
    "last_checked",
)
RICH_FIELDS = frozenset({"competences", "network_role"})


def _text(value) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _entries(values, keys) -> list[dict]:
    """A list of mappings with exactly ``keys`` (strings); entries with nothing in them are
    dropped (an empty row left in the form is not a service)."""
    found = []
    for value in values or ():
        if not isinstance(value, dict):
            continue
        entry = {key: _text(value.get(key)).strip() for key in keys}
        if any(entry.values()):
            found.append(entry)
    return found


def normalise_contacts(value) -> dict:
    value = value if isinstance(value, dict) else {}
    return {key: _text(value.get(key)).strip() for key in CONTACT_KEYS}


def normalise_person(value) -> dict:
    value = value if isinstance(value, dict) else {}
    person = {key: _text(value.get(key)).strip() for key in PERSON_KEYS}
    person["public"] = bool(value.get("public"))
    return person


def normalise_fields(fields: dict) -> dict:
    """The section's fields as stored: lists and mappings with exactly their keys."""
    out = dict(fields)
    if "services" in out:
        out["services"] = _entries(out["services"], SERVICE_KEYS)
    if "offices" in out:
        out["offices"] = _entries(out["offices"], OFFICE_KEYS)
    if "contacts" in out:
        out["contacts"] = normalise_contacts(out["contacts"])
    if "contact_person" in out:
        out["contact_person"] = normalise_person(out["contact_person"])
    return out


def organisation_info(organisation: Organisation | None) -> dict:
    if organisation is None:
        return {"id": None, "name": "", "kind": ""}
    kind = organisation.kind
    return {
        "id": organisation.id,
        "name": organisation.name,
        "kind": getattr(kind, "value", kind) or "",
    }


def documents_of(dbsession, section: VademecumSection) -> list[dict]:
    """The useful documents: the File items inside the section, in their order."""
    if dbsession is None or section.id is None:
        return []
    rows = dbsession.execute(
        select(File.id, File.title, File.filename)
        .where(File.parent_id == section.id, File.trashed_at.is_(None))
        .order_by(File.position, File.id)
    )
    return [{"title": title, "filename": filename, "node_id": id_} for id_, title, filename in rows]


def section_content(section: VademecumSection) -> dict:
    """The current fields of ``section`` (no approval keys)."""
    dbsession = object_session(section)
    organisation = (
        dbsession.get(Organisation, section.organisation_id) if dbsession is not None else None
    )
    last_checked = section.last_checked
    return {
        "node_id": section.id,
        "organisation": organisation_info(organisation),
        "title": section.title,
        "competences": _text(section.competences),
        "network_role": _text(section.network_role),
        "services": _entries(section.services, SERVICE_KEYS),
        "offices": _entries(section.offices, OFFICE_KEYS),
        "contacts": normalise_contacts(section.contacts),
        "contact_person": normalise_person(section.contact_person),
        "languages": _text(section.languages),
        "documents": documents_of(dbsession, section),
        "last_checked": last_checked.isoformat() if last_checked else None,
    }


def approved_content(section: VademecumSection) -> dict | None:
    """The content approved last (a dict like ``section_content``), or None."""
    if not section.approved_snapshot:
        return None
    return json.loads(section.approved_snapshot)


def canonical(content: dict) -> str:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def plain_text(content: dict) -> str:
    """The words of a section's content, for search: rich text without its markup."""
    parts = [content.get("title", ""), (content.get("organisation") or {}).get("name", "")]
    parts += [html_plain_text(content.get(name) or "") for name in RICH_FIELDS]
    for entry in content.get("services") or ():
        parts += [entry.get(key, "") for key in SERVICE_KEYS]
    for entry in content.get("offices") or ():
        parts += [entry.get(key, "") for key in OFFICE_KEYS]
    person = content.get("contact_person") or {}
    # The contact person's name and role are searchable only when published by choice.
    if person.get("public"):
        parts += [person.get("name", ""), person.get("role", "")]
    parts.append(content.get("languages", ""))
    parts += [doc.get("title", "") for doc in content.get("documents") or ()]
    return "\n".join(part for part in parts if part)


def chapters(dbsession, vademecum: Vademecum) -> list[VademecumChapter]:
    return list(
        dbsession.scalars(
            select(VademecumChapter)
            .where(
                VademecumChapter.parent_id == vademecum.id, VademecumChapter.trashed_at.is_(None)
            )
            .order_by(VademecumChapter.position, VademecumChapter.id)
        )
    )


def sections(dbsession, vademecum: Vademecum, *, retired: bool = False) -> list[VademecumSection]:
    """The sections of ``vademecum`` in its order; retired ones only with ``retired``."""
    query = select(VademecumSection).where(
        VademecumSection.parent_id == vademecum.id, VademecumSection.trashed_at.is_(None)
    )
    if not retired:
        query = query.where(VademecumSection.retired_at.is_(None))
    return list(dbsession.scalars(query.order_by(VademecumSection.position, VademecumSection.id)))


def _draft_predicate(include_drafts_for) -> Callable[[VademecumSection], bool]:
    """``include_drafts_for``: None (approved content only), a role calculator (its caller's
    drafts: those they may see, as on the section page), or a predicate on sections."""
    if include_drafts_for is None:
        return lambda section: False
    if hasattr(include_drafts_for, "permits"):
        from tavolo.vademecum.access import sees_draft

        return lambda section: sees_draft(include_drafts_for, section)
    if callable(include_drafts_for):
        return include_drafts_for
    raise TypeError("include_drafts_for: None, a RoleCalculator or a callable")


def _approver_names(dbsession, ids: Iterable[int]) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(dbsession.execute(select(User.id, User.fullname).where(User.id.in_(ids))).all())


def consolidated(dbsession, vademecum: Vademecum, *, include_drafts_for=None) -> dict:
    """The guide as readers see it (see the module's docstring); JSON-serialisable."""
    draft_for = _draft_predicate(include_drafts_for)
    found_sections = sections(dbsession, vademecum)
    names = _approver_names(dbsession, (s.approved_by_id for s in found_sections))
    out_sections = []
    for section in found_sections:
        if draft_for(section):
            from tavolo.versioning.service import RevisionService

            content = section_content(section)
            latest = RevisionService(dbsession).latest(section)
            revision = latest.number if latest is not None else 0
        else:
            content = approved_content(section)
            revision = section.approved_revision
        if content is None:
            continue
        approved_by = names.get(section.approved_by_id) or section.approved_by_login or ""
        out_sections.append(
            {
                **content,
                "node_id": section.id,
                "revision": revision,
                "approved_at": section.approved_at.isoformat() if section.approved_at else "",
                "approved_by": approved_by,
            }
        )
    return {
        "vademecum": {"id": vademecum.id, "title": vademecum.title, "path": vademecum.path},
        "chapters": [
            {
                "node_id": chapter.id,
                "key": chapter.key or "",
                "title": chapter.title,
                "body": chapter.body or "",
                "position": chapter.position,
            }
            for chapter in chapters(dbsession, vademecum)
        ],
        "sections": out_sections,
    }
