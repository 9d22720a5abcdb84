"""The Vademecum's tables: the guide itself, its common chapters, one section per partner
organisation, and the changes partners suggest to each other's sections.

Sections keep their lists (services, offices) and small groups of fields (contacts, the
contact person) as JSON: they travel whole into revision snapshots, compare field by field
in ``@@confronta`` and go unchanged into editions. No query ever looks inside them.

A section remembers what was last approved (``approved_revision`` and the canonical JSON of
its content then, ``approved_snapshot``): everyone but its organisation and the prefecture
reads that, whatever draft is being written meanwhile.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tavolo.content.models import Node
from tavolo.db import Base, UTCDateTime, utcnow


class Vademecum(Node):
    """The guide: common chapters and sections are its children, in its order."""

    __tablename__ = "vademecums"

    id: Mapped[int] = mapped_column(ForeignKey("nodes.id", ondelete="CASCADE"), primary_key=True)
    # A short presentation on the Vademecum's page (sanitised HTML).
    body: Mapped[str] = mapped_column(Text, default="")
    # By when every section should be approved: later ones are "late" on the dashboard.
    deadline: Mapped[dt.date | None] = mapped_column(Date)

    __mapper_args__ = {"polymorphic_identity": "vademecum"}


class VademecumChapter(Node):
    """A common chapter written by the prefecture (introduction, how to use, glossary)."""

    __tablename__ = "vademecum_chapters"

    id: Mapped[int] = mapped_column(ForeignKey("nodes.id", ondelete="CASCADE"), primary_key=True)
    # What the chapter is for ("introduzione", "come-usarlo", "glossario", or free).
    key: Mapped[str] = mapped_column(String(50), default="")
    body: Mapped[str] = mapped_column(Text, default="")

    __mapper_args__ = {"polymorphic_identity": "vademecum_chapter"}


class VademecumSection(Node):
    """One partner organisation's section (AgID "Unità organizzativa", in spirit)."""

    __tablename__ = "vademecum_sections"

    id: Mapped[int] = mapped_column(ForeignKey("nodes.id", ondelete="CASCADE"), primary_key=True)
    # RESTRICT: an organisation with a section is never deleted (it is retired instead;
    # ``responsible_organisation_id`` names it too, so the administration refuses first).
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    competences: Mapped[str] = mapped_column(Text, default="")
    network_role: Mapped[str] = mapped_column(Text, default="")
    # [{"name", "description", "eligibility", "access", "documents"}]
    services: Mapped[list] = mapped_column(JSON, default=list)
    # [{"name", "address", "hours"}]
    offices: Mapped[list] = mapped_column(JSON, default=list)
    # {"phone", "email", "pec", "website"}
    contacts: Mapped[dict] = mapped_column(JSON, default=dict)
    # {"name", "role", "phone", "email", "public"}
    contact_person: Mapped[dict] = mapped_column(JSON, default=dict)
    languages: Mapped[str] = mapped_column(Text, default="")
    last_checked: Mapped[dt.date | None] = mapped_column(Date)

    # Retired with its organisation's leaving: out of the consolidated view, kept here.
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    # The approved state: revision number, its content (canonical JSON of
    # ``tavolo.vademecum.snapshot.section_content``), when and by whom.
    approved_revision: Mapped[int | None] = mapped_column(Integer)
    approved_snapshot: Mapped[str | None] = mapped_column(Text)
    approved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_by_login: Mapped[str] = mapped_column(String(100), default="")

    __mapper_args__ = {"polymorphic_identity": "vademecum_section"}

    def index_text(self) -> str:
        """The plain text of the APPROVED content, for the search index ("" if never
        approved): a draft is for its organisation and the prefecture only."""
        from tavolo.vademecum.snapshot import approved_content, plain_text

        content = approved_content(self)
        return plain_text(content) if content is not None else ""


PENDING = "pending"
ACCEPTED = "accepted"
DECLINED = "declined"


class Suggestion(Base):
    """A change one partner proposes to another's section; its organisation decides.

    ``fields`` holds only the proposed values of the fields the proposer changed, against
    the content they saw (``base_revision``). Accepting applies them as a new revision
    (``applied_revision``) whose note names the proposer; declining needs a reason.
    """

    __tablename__ = "vademecum_suggestions"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("nodes.id", ondelete="CASCADE"), index=True)
    proposer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    proposer_login: Mapped[str] = mapped_column(String(100), default="")
    proposer_name: Mapped[str] = mapped_column(String(200), default="")
    proposer_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL")
    )
    created: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    fields: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    base_revision: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default=PENDING, index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_by_login: Mapped[str] = mapped_column(String(100), default="")
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    applied_revision: Mapped[int | None] = mapped_column(Integer)
