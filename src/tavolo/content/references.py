"""Fields that point at other content: related items, a news item's image.

Editors name an item by its address, as they copy it from the browser's address bar
(``https://tavolo.example/normativa/circolare-2649-2012/`` or just
``/normativa/circolare-2649-2012/``); the form stores the item's id, so that a later
rename or move does not break the reference. Only items the editor may view can be
chosen: a reference must not reveal, or lead visitors towards, what its author cannot see.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import colander
from sqlalchemy import select

from tavolo.content.models import Node
from tavolo.content.tree import ROOT_PATH, find_by_path
from tavolo.i18n import _
from tavolo.security.roles import VIEW

MAX_REFERENCES = 50


def address_to_path(address: str, host: str) -> str | None:
    """The content path an address names on this site (``None`` if it names another site
    or is not an address): views (``@@edit``), queries and fragments are dropped."""
    address = address.strip()
    try:
        parts = urlsplit(address)
    except ValueError:
        return None
    if parts.scheme or parts.netloc:
        if parts.scheme.lower() not in ("http", "https") or parts.netloc.lower() != host.lower():
            return None
    elif not address.startswith("/"):
        return None
    segments = []
    for segment in unquote(parts.path).split("/"):
        if segment.startswith("@@"):
            break
        if segment:
            segments.append(segment)
    return ROOT_PATH + "".join(f"{s}/" for s in segments)


def resolve_address(request, address: str) -> tuple[Node | None, str | None]:
    """``(node, None)`` for an address of an item the requester may view, else
    ``(None, why)``. Old addresses of moved items lead to where they are now."""
    path = address_to_path(address, request.host)
    if path is None:
        return None, _(
            "«${address}» non è un indirizzo di questo sito.", mapping={"address": address}
        )
    node = find_by_path(request.dbsession, path)
    if node is None:
        # Imported here: moving needs the type registry, which needs these schemas.
        from tavolo.content.moving import find_redirect

        moved = find_redirect(request.dbsession, path)
        if moved is not None and not moved[1]:
            node = find_by_path(request.dbsession, moved[0].path)
    if node is None or not request.has_permission(VIEW, node):
        # The same answer for "nothing there" and "not yours to see".
        return None, _("Nessun contenuto all'indirizzo «${address}».", mapping={"address": address})
    return node, None


class NodeReferences(colander.SchemaType):
    """Items named by address, one per line in the form; their ids in the application.

    ``types`` limits what may be chosen (``{"image"}`` for a news item's image); with
    ``single`` the field holds one item (an id or ``None``) instead of a list.
    """

    def __init__(self, types: frozenset[str] | None = None, single: bool = False):
        self.types = types
        self.single = single

    def serialize(self, node, appstruct):
        if appstruct is colander.null or appstruct is None or appstruct == []:
            return colander.null
        ids = [appstruct] if self.single else list(appstruct)
        dbsession = node.bindings["dbsession"]
        paths = dict(dbsession.execute(select(Node.id, Node.path).where(Node.id.in_(ids))).all())
        return "\n".join(paths[i] for i in ids if i in paths)

    def deserialize(self, node, cstruct):
        if cstruct is colander.null or cstruct is None or not str(cstruct).strip():
            return None if self.single else []
        addresses = [line.strip() for line in str(cstruct).splitlines() if line.strip()]
        if self.single and len(addresses) > 1:
            raise colander.Invalid(node, _("Indica un solo indirizzo."))
        if len(addresses) > MAX_REFERENCES:
            raise colander.Invalid(
                node,
                _("Al massimo ${count} indirizzi.", mapping={"count": MAX_REFERENCES}),
                cstruct,
            )
        request = node.bindings["request"]
        context = getattr(request, "context", None)
        ids: list[int] = []
        problems = []
        for address in addresses:
            found, why = resolve_address(request, address)
            if found is None:
                problems.append(why)
            elif self.types is not None and found.type not in self.types:
                problems.append(
                    _("«${title}» non è un'immagine.", mapping={"title": found.title})
                    if self.types == {"image"}
                    else _("«${title}» non può essere scelto qui.", mapping={"title": found.title})
                )
            elif isinstance(context, Node) and found.id == context.id and _editing(request):
                problems.append(_("Un contenuto non può rimandare a se stesso."))
            elif found.id not in ids:
                ids.append(found.id)
        if problems:
            localizer = request.localizer
            raise colander.Invalid(
                node, " ".join(localizer.translate(p) for p in problems), cstruct
            )
        if self.single:
            return ids[0]
        return ids


def _editing(request) -> bool:
    # On the add form the context is the folder the new item goes into: it may be related.
    return request.view_name == "edit"
