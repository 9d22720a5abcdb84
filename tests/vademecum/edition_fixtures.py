"""A Vademecum with approved sections, for the editions', consolidated view's and public
area's tests: built with the core package's own services, as a script would."""

from __future__ import annotations

from sqlalchemy import select

from tavolo.accounts.models import Organisation, User
from tavolo.content.services import ContentService
from tavolo.scripts.demo import COMUNE, MONDO_APERTO
from tavolo.security.models import LocalRole
from tavolo.security.roles import READER
from tavolo.vademecum.service import record_approval
from tavolo.vademecum.snapshot import sections
from tavolo.vademecum.structure import VademecumStructure, chapter_of, create_vademecum
from tests.vademecum import edition_samples as samples

PATH = "/area-riservata/vademecum-edizioni/"
APPROVED = (COMUNE, MONDO_APERTO, "CGIL")


def user(dbsession, login: str) -> User:
    return dbsession.scalars(select(User).where(User.login == login)).one()


def organisation(dbsession, name: str) -> Organisation:
    return dbsession.scalars(select(Organisation).where(Organisation.name == name)).one()


def fill(section, index: int, *, public_person: bool) -> None:
    sample = samples.section(index, public_person=public_person)
    for name in ("competences", "network_role", "services", "offices", "contacts"):
        setattr(section, name, sample[name])
    section.contact_person = dict(sample["contact_person"])
    section.languages = sample["languages"]


def approve(dbsession, section, login: str = "prefettura") -> None:
    record_approval(section, user(dbsession, login))
    section.state = "approved"
    dbsession.flush()


def build(dbsession, *, state: str = "internal", reader_org: str | None = None):
    """A Vademecum at ``PATH`` whose sections of ``APPROVED`` are approved (the Comune's
    contact person not public, Mondo Aperto's public); ``state`` "private" with
    ``reader_org`` makes it readable by that organisation (and the prefecture) only."""
    content = ContentService(dbsession)
    reserved = content.by_path("/area-riservata/")
    vademecum = create_vademecum(
        dbsession, reserved, "Vademecum edizioni", content=content, state=state
    )
    assert vademecum.path == PATH, vademecum.path
    if reader_org is not None:
        vademecum.inherit_roles = False
        dbsession.add(
            LocalRole(
                node_id=vademecum.id,
                organisation_id=organisation(dbsession, reader_org).id,
                role=READER,
            )
        )
    intro = chapter_of(dbsession, vademecum, "introduzione")
    if intro is not None:
        intro.body = "<p>Come è nata la rete e a che cosa serve questa guida.</p>"
    VademecumStructure(dbsession, content).create_sections(vademecum)
    by_name = {s.title: s for s in sections(dbsession, vademecum)}
    for index, name in enumerate(APPROVED, start=1):
        section = by_name[name]
        fill(section, index, public_person=(name == MONDO_APERTO))
        approve(dbsession, section)
    dbsession.flush()
    return vademecum


def section_of(dbsession, vademecum, name: str = COMUNE):
    return next(s for s in sections(dbsession, vademecum) if s.title == name)


def approved_titles(dbsession, vademecum) -> list[str]:
    """The approved sections' titles in the Vademecum's order."""
    return [s.title for s in sections(dbsession, vademecum) if s.title in APPROVED]
