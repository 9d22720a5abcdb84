"""Saving a section and recording its approval. Usable from views, scripts and tests.

A save is an ordinary content update (version check, version bump) followed by a revision,
written here rather than left to the ``ObjectModified`` subscriber so that scripts and the
suggestion service get one too (the subscriber then finds nothing new and writes none).
Saving an APPROVED section takes the workflow's ``reopen`` transition: the organisation now
writes a new draft, and readers keep the approved content (kept on the section's row) until
the prefecture approves again.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import object_session

from tavolo.content.concurrency import claim_version
from tavolo.content.models import File
from tavolo.content.richtext import sanitise_html
from tavolo.content.services import ContentService
from tavolo.db import utcnow
from tavolo.vademecum.models import VademecumSection
from tavolo.vademecum.snapshot import (
    RICH_FIELDS,
    SECTION_FIELDS,
    approved_content,
    canonical,
    normalise_fields,
    section_content,
)
from tavolo.versioning.service import BASELINE_NOTE, RevisionService

APPROVED = "approved"
REOPEN = "reopen"
RELEASE = "release"


def clean_fields(fields: dict) -> dict:
    """Only the section's own fields, rich text sanitised, lists and mappings normalised:
    what every save stores, whoever saves (forms, suggestions, scripts)."""
    cleaned = {name: fields[name] for name in SECTION_FIELDS if name in fields}
    for name in RICH_FIELDS & cleaned.keys():
        cleaned[name] = sanitise_html(cleaned[name] or "")
    if "languages" in cleaned:
        cleaned["languages"] = (cleaned["languages"] or "").strip()
    return normalise_fields(cleaned)


def current_fields(section: VademecumSection) -> dict:
    """The section's fields as a form or a suggestion takes them."""
    return {
        "competences": section.competences or "",
        "network_role": section.network_role or "",
        **normalise_fields(
            {
                "services": section.services,
                "offices": section.offices,
                "contacts": section.contacts,
                "contact_person": section.contact_person,
            }
        ),
        "languages": section.languages or "",
        "last_checked": section.last_checked,
    }


class SectionService:
    """``engine`` (``tavolo.workflow.engine.WorkflowEngine`` for the person saving) is
    needed only to save an approved section, which reopens it as a draft."""

    def __init__(self, dbsession, *, content: ContentService | None = None, engine=None):
        self.dbsession = dbsession
        self.content = content or ContentService(dbsession)
        self.engine = engine
        self.revisions = RevisionService(dbsession, self.content)

    def save(
        self,
        section: VademecumSection,
        user,
        fields: dict,
        *,
        expected_version: int | None = None,
        note: str = "",
    ):
        """Store ``fields``; the new revision, or None when nothing changed. Raises
        ``EditConflict`` (nothing written) when ``expected_version`` is stale."""
        fields = clean_fields(fields)
        # Checked and locked before anything is written (the baseline revision included).
        claim_version(section, expected_version, self.dbsession)
        if self.revisions.latest(section) is None:
            # Made by a script and never saved: keep how it was, as versioning does.
            self.revisions.record(section, None, BASELINE_NOTE)
        self.content.update(section, user, **fields)
        revision = self.revisions.record(section, user, note)
        if revision is not None and section.state == APPROVED:
            if self.engine is None:
                raise RuntimeError("saving an approved section needs a workflow engine")
            self.engine.take(section, REOPEN)
        return revision


def differs_from_approved(section: VademecumSection) -> bool:
    """Whether the section's own fields are no longer those approved (attachments aside)."""
    approved = approved_content(section)
    if approved is None:
        return False
    current = section_content(section)
    return any(current.get(name) != approved.get(name) for name in SECTION_FIELDS)


def record_approval(section: VademecumSection, actor=None) -> None:
    """Keep what the prefecture approved: the revision number and the content then."""
    dbsession = object_session(section)
    revisions = RevisionService(dbsession)
    # A section saved only by scripts may have no revision yet: the approved text must be
    # one that history can show.
    latest = revisions.record(section, None, "") or revisions.latest(section)
    section.approved_revision = latest.number
    section.approved_snapshot = canonical(section_content(section))
    section.approved_at = utcnow()
    section.approved_by_id = actor.id if actor is not None else None
    section.approved_by_login = actor.login if actor is not None else ""
    dbsession.flush()


def release_attachments(section: VademecumSection, engine) -> list:
    """Make the section's private documents visible to the network (the approver's
    ``engine``: releasing needs ``review``). What the prefecture approved includes them."""
    dbsession = object_session(section)
    held = dbsession.scalars(
        select(File).where(
            File.parent_id == section.id, File.trashed_at.is_(None), File.state == "private"
        )
    ).all()
    released = []
    for document in held:
        document._lineage = [*section.lineage, document]
        engine.take(document, RELEASE)
        released.append(document)
    return released


def after_transition(event) -> None:
    """Subscriber of ``AfterTransition``: an approved section keeps its approved content
    and releases its documents (whatever path approved it: the transition form, folder
    contents, a script that fires its events)."""
    node = event.object
    if isinstance(node, VademecumSection) and event.new_state == APPROVED:
        record_approval(node, event.actor)
        if event.request is not None:
            from tavolo.workflow.web import engine_for

            release_attachments(node, engine_for(event.request))
