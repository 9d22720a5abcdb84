"""The type registry: each content type declared in one place.

A ``TypeInfo`` says what a type is called, which model stores it, who may add it and
where. Later issues add the schema, workflow binding and indexing to the same declaration.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tavolo.content.models import Folder, Node, Page
from tavolo.i18n import _
from tavolo.security.roles import ADD


@dataclass(frozen=True)
class TypeInfo:
    name: str
    model: type[Node]
    title: str
    add_permission: str = ADD
    # Types this one may be added to; empty means "nowhere" (only scripts create it).
    addable_to: frozenset[str] = field(default_factory=frozenset)
    initial_state: str = "private"


TYPES: dict[str, TypeInfo] = {
    info.name: info
    for info in (
        TypeInfo("folder", Folder, _("Cartella"), addable_to=frozenset({"folder"})),
        TypeInfo("page", Page, _("Pagina"), addable_to=frozenset({"folder"})),
    )
}


def type_info(type_name: str) -> TypeInfo:
    try:
        return TYPES[type_name]
    except KeyError:
        raise LookupError(f"unknown content type {type_name!r}") from None
