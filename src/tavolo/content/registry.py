"""The type registry: each content type declared in one place.

A ``TypeInfo`` says what a type is called, which model stores it, who may add it and
where, and whether it holds other content. The forms, views and indexing of each type hang
off the same declaration as they are built.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import colander

from tavolo.content.models import (
    Collection,
    Event,
    File,
    Folder,
    Image,
    Legislation,
    Link,
    NewsItem,
    Node,
    Page,
    Question,
)
from tavolo.content.schemas import (
    CollectionSchema,
    EventSchema,
    FileSchema,
    FolderSchema,
    ImageSchema,
    LegislationSchema,
    LinkSchema,
    NewsSchema,
    PageSchema,
    QuestionSchema,
)
from tavolo.i18n import _
from tavolo.security.roles import ADD
from tavolo.vademecum.models import Vademecum, VademecumChapter, VademecumSection
from tavolo.vademecum.schemas import ChapterSchema, SectionSchema, VademecumSchema

# Workflow names (``tavolo.workflow.definitions``), spelt out: the workflow package imports
# the security package, which imports content; ``tavolo.workflow.includeme`` checks that
# every type names a workflow that exists.
FOLDER = "folder"
PUBLICATION = "publication"

_IN_FOLDERS = frozenset({"folder"})


@dataclass(frozen=True)
class TypeInfo:
    name: str
    model: type[Node]
    title: str
    # The workflow it follows unless a folder above binds another (placeful policy); its
    # initial state is where new items of the type start.
    workflow: str
    add_permission: str = ADD
    # Types this one may be added to; empty means "nowhere" (only scripts create it).
    addable_to: frozenset[str] = field(default_factory=frozenset)
    # Whether it holds other content (folders, and legislation with its attachments).
    folderish: bool = False
    # The colander schema of its add and edit forms (a class: each form builds its own).
    schema: type[colander.Schema] | None = None
    # Whether its items have a discussion unless a folder above says otherwise
    # (``tavolo.comments``): documents yes; folders, links and images no.
    comments: bool = False
    # Whether its items are among the latest documents (``@@ultimi-documenti``, the home
    # page): not containers, nor the Vademecum's chapters and sections, which are
    # rewritten in drafts and read in the Vademecum.
    in_latest: bool = True


TYPES: dict[str, TypeInfo] = {
    info.name: info
    for info in (
        TypeInfo(
            "folder",
            Folder,
            _("Cartella"),
            FOLDER,
            addable_to=_IN_FOLDERS,
            folderish=True,
            schema=FolderSchema,
            in_latest=False,
        ),
        TypeInfo(
            "page",
            Page,
            _("Pagina"),
            PUBLICATION,
            addable_to=_IN_FOLDERS,
            schema=PageSchema,
            comments=True,
        ),
        TypeInfo(
            "link", Link, _("Collegamento"), PUBLICATION, addable_to=_IN_FOLDERS, schema=LinkSchema
        ),
        TypeInfo(
            "news",
            NewsItem,
            _("Notizia"),
            PUBLICATION,
            addable_to=_IN_FOLDERS,
            schema=NewsSchema,
            comments=True,
        ),
        TypeInfo(
            "event",
            Event,
            _("Evento"),
            PUBLICATION,
            addable_to=_IN_FOLDERS,
            schema=EventSchema,
            comments=True,
        ),
        TypeInfo(
            "file",
            File,
            _("File"),
            PUBLICATION,
            # In a Vademecum section: the organisation's useful documents.
            addable_to=_IN_FOLDERS | {"legislation", "vademecum_section"},
            schema=FileSchema,
            comments=True,
        ),
        TypeInfo(
            "image", Image, _("Immagine"), PUBLICATION, addable_to=_IN_FOLDERS, schema=ImageSchema
        ),
        TypeInfo(
            "legislation",
            Legislation,
            _("Normativa"),
            PUBLICATION,
            addable_to=_IN_FOLDERS,
            folderish=True,
            schema=LegislationSchema,
            comments=True,
        ),
        TypeInfo(
            "question",
            Question,
            _("Domanda e risposta"),
            PUBLICATION,
            addable_to=_IN_FOLDERS,
            schema=QuestionSchema,
            comments=True,
        ),
        # A saved search: its page lists what matches now (tavolo.search).
        TypeInfo(
            "collection",
            Collection,
            _("Raccolta"),
            PUBLICATION,
            addable_to=_IN_FOLDERS,
            schema=CollectionSchema,
        ),
        # The Vademecum (tavolo.vademecum): the guide, its common chapters, and one section
        # per partner organisation, which only the structure service creates.
        TypeInfo(
            "vademecum",
            Vademecum,
            _("Vademecum"),
            PUBLICATION,
            addable_to=_IN_FOLDERS,
            folderish=True,
            schema=VademecumSchema,
            in_latest=False,
        ),
        TypeInfo(
            "vademecum_chapter",
            VademecumChapter,
            _("Capitolo del Vademecum"),
            "vademecum_chapter",
            addable_to=frozenset({"vademecum"}),
            schema=ChapterSchema,
            comments=True,
            in_latest=False,
        ),
        TypeInfo(
            "vademecum_section",
            VademecumSection,
            _("Sezione del Vademecum"),
            "vademecum_section",
            folderish=True,
            schema=SectionSchema,
            comments=True,
            in_latest=False,
        ),
    )
}


def type_info(type_name: str) -> TypeInfo:
    try:
        return TYPES[type_name]
    except KeyError:
        raise LookupError(f"unknown content type {type_name!r}") from None


def addable_types(container: Node) -> list[TypeInfo]:
    """The types that may be added inside ``container`` (permission not checked here)."""
    return [info for info in TYPES.values() if container.type in info.addable_to]
