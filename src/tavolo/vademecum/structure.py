"""The Vademecum's structure: its common chapters and one section per partner organisation.

``VademecumStructure`` prepares a new Vademecum (the workflows of what it holds, the three
common chapters), creates the sections from the network's organisations, adds one for an
organisation that joins, retires the section of one that leaves (kept, out of the
consolidated view) and changes the order.

Each section blocks inheritance and grants Editor to its organisation as a whole
(``org:<id>``, a local-role row as the sharing tab writes): so only that organisation's
members (and Managers) edit it - not the prefecture's staff, who are Editors of the whole
reserved area, nor the Vademecum's owner. The prefecture reviews as Reviewer.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from tavolo.accounts.models import Organisation, OrganisationKind
from tavolo.content.models import Node
from tavolo.content.services import ContentService
from tavolo.db import utcnow
from tavolo.security.models import LocalRole
from tavolo.security.roles import EDITOR
from tavolo.vademecum.models import Vademecum, VademecumChapter, VademecumSection
from tavolo.vademecum.snapshot import chapters, sections
from tavolo.workflow.definitions import (
    VADEMECUM_ATTACHMENT,
    VADEMECUM_CHAPTER,
    VADEMECUM_SECTION,
)
from tavolo.workflow.models import WorkflowPolicy

# What a Vademecum holds follows the Vademecum's workflows wherever the Vademecum is (the
# reserved area binds its own for every type): a placeful binding on the Vademecum itself.
POLICIES = {
    "vademecum_section": VADEMECUM_SECTION,
    "vademecum_chapter": VADEMECUM_CHAPTER,
    "file": VADEMECUM_ATTACHMENT,
}
# The common chapters every Vademecum starts with: (key, title). Titles are stored in the
# site's language, like every title.
COMMON_CHAPTERS = (
    ("introduzione", "Introduzione"),
    ("come-usarlo", "Come usare il Vademecum"),
    ("glossario", "Glossario"),
)


class StructureError(ValueError):
    """A change the structure refuses (an organisation already there, a retired one...)."""


@dataclass(frozen=True)
class Change:
    """What a structure change did, for the views' events and messages."""

    created: tuple[Node, ...] = ()
    grants: tuple[tuple[VademecumSection, str], ...] = ()  # (section, principal)


class VademecumStructure:
    def __init__(self, dbsession, content: ContentService | None = None):
        self.dbsession = dbsession
        self.content = content or ContentService(dbsession)

    # reading ------------------------------------------------------------------------
    def sections(self, vademecum: Vademecum, *, retired: bool = True) -> list[VademecumSection]:
        return sections(self.dbsession, vademecum, retired=retired)

    def section_of(self, vademecum: Vademecum, organisation_id: int) -> VademecumSection | None:
        return self.dbsession.scalars(
            select(VademecumSection).where(
                VademecumSection.parent_id == vademecum.id,
                VademecumSection.organisation_id == organisation_id,
                VademecumSection.trashed_at.is_(None),
            )
        ).first()

    def missing_organisations(self, vademecum: Vademecum) -> list[Organisation]:
        """Partner organisations of the network (not retired, not the prefecture, whose
        texts are the common chapters) that have no section yet."""
        present = select(VademecumSection.organisation_id).where(
            VademecumSection.parent_id == vademecum.id, VademecumSection.trashed_at.is_(None)
        )
        return list(
            self.dbsession.scalars(
                select(Organisation)
                .where(
                    Organisation.retired.is_(None),
                    Organisation.kind != OrganisationKind.PREFECTURE,
                    Organisation.id.not_in(present),
                )
                .order_by(Organisation.name)
            )
        )

    # changing -----------------------------------------------------------------------
    def setup(self, vademecum: Vademecum) -> Change:
        """Bind the workflows of what the Vademecum holds and add the common chapters that
        are missing (by key). Safe to run again."""
        for type_name, workflow in POLICIES.items():
            if self.dbsession.get(WorkflowPolicy, (vademecum.id, type_name)) is None:
                self.dbsession.add(
                    WorkflowPolicy(node_id=vademecum.id, type_name=type_name, workflow=workflow)
                )
        self.dbsession.flush()
        have = {chapter.key for chapter in chapters(self.dbsession, vademecum)}
        created = []
        for key, title in COMMON_CHAPTERS:
            if key in have:
                continue
            created.append(
                self.content.create(
                    vademecum,
                    "vademecum_chapter",
                    self.content.choose_name(vademecum, title),
                    title,
                    key=key,
                    body="",
                )
            )
        return Change(created=tuple(created))

    def create_sections(self, vademecum: Vademecum) -> Change:
        """A section for every partner organisation that has none."""
        created, grants = [], []
        for organisation in self.missing_organisations(vademecum):
            change = self.add_organisation(vademecum, organisation)
            created += change.created
            grants += change.grants
        return Change(tuple(created), tuple(grants))

    def add_organisation(self, vademecum: Vademecum, organisation: Organisation) -> Change:
        """The section of ``organisation``: a new one, or its retired one brought back."""
        if organisation.retired is not None:
            raise StructureError("retired organisation")
        existing = self.section_of(vademecum, organisation.id)
        if existing is not None:
            if existing.retired_at is None:
                raise StructureError("already present")
            existing.retired_at = None
            self.dbsession.flush()
            return Change()
        if self.dbsession.get(WorkflowPolicy, (vademecum.id, "vademecum_section")) is None:
            self.setup(vademecum)
        section = self.content.create(
            vademecum,
            "vademecum_section",
            self.content.choose_name(vademecum, organisation.name),
            organisation.name,
            organisation_id=organisation.id,
            responsible_organisation_id=organisation.id,
            services=[],
            offices=[],
            contacts={},
            contact_person={},
        )
        # Nothing above reaches it (the prefecture's Editor grant on the reserved area,
        # the Vademecum's owner): its organisation writes it, the prefecture reviews it.
        section.inherit_roles = False
        self.dbsession.add(
            LocalRole(node_id=section.id, organisation_id=organisation.id, role=EDITOR)
        )
        self.dbsession.flush()
        return Change(created=(section,), grants=((section, organisation.principal),))

    def retire(self, section: VademecumSection) -> None:
        """The organisation left the network: its section leaves the consolidated view and
        the dashboard, and is kept (history, editions, a later return)."""
        if section.retired_at is None:
            section.retired_at = utcnow()
            self.dbsession.flush()

    def restore(self, section: VademecumSection) -> None:
        organisation = self.dbsession.get(Organisation, section.organisation_id)
        if organisation is None or organisation.retired is not None:
            raise StructureError("retired organisation")
        section.retired_at = None
        self.dbsession.flush()

    def reorder(self, vademecum: Vademecum, ordered_ids: list[int]) -> None:
        """Put the Vademecum's children in ``ordered_ids``' order; children not named keep
        their relative order after them. Only rows whose position changes are written."""
        children = list(
            self.dbsession.scalars(
                select(Node).where(Node.parent_id == vademecum.id).order_by(Node.position, Node.id)
            )
        )
        by_id = {child.id: child for child in children}
        wanted = [by_id[i] for i in dict.fromkeys(ordered_ids) if i in by_id]
        rest = [child for child in children if child not in wanted]
        for position, child in enumerate(wanted + rest):
            if child.position != position:
                child.position = position
        self.dbsession.flush()

    def move(self, vademecum: Vademecum, node_id: int, offset: int) -> bool:
        """Move one child ``offset`` places (-1 up, +1 down); False if it cannot move."""
        ids = list(
            self.dbsession.scalars(
                select(Node.id)
                .where(Node.parent_id == vademecum.id, Node.trashed_at.is_(None))
                .order_by(Node.position, Node.id)
            )
        )
        if node_id not in ids:
            return False
        here = ids.index(node_id)
        there = here + offset
        if not 0 <= there < len(ids):
            return False
        ids[here], ids[there] = ids[there], ids[here]
        self.reorder(vademecum, ids)
        return True

    def count_sections(self, vademecum: Vademecum) -> int:
        return self.dbsession.scalar(
            select(func.count(VademecumSection.id)).where(
                VademecumSection.parent_id == vademecum.id,
                VademecumSection.retired_at.is_(None),
                VademecumSection.trashed_at.is_(None),
            )
        )


def create_vademecum(
    dbsession, parent: Node, title: str, *, name: str | None = None, content=None, **fields
):
    """A new Vademecum under ``parent``, prepared (workflows, common chapters); scripts'
    way in - the add form gets the same from the ``ObjectAdded`` subscriber."""
    content = content or ContentService(dbsession)
    name = name or content.choose_name(parent, title)
    vademecum = content.create(parent, "vademecum", name, title, **fields)
    VademecumStructure(dbsession, content).setup(vademecum)
    return vademecum


def chapter_of(dbsession, vademecum: Vademecum, key: str) -> VademecumChapter | None:
    return next((c for c in chapters(dbsession, vademecum) if c.key == key), None)
