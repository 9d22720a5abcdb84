"""``@@confronta?da=N&a=M``: what changed between two versions of an item.

EDIT, like the other version views (old versions may hold what an editor removed on
purpose). Thin: ``tavolo.versioning.diff`` does the comparing; this view finds the two
revisions and turns references (items, an organisation) into names.
"""

from __future__ import annotations

import json

from pyramid.httpexceptions import HTTPNotFound
from pyramid.view import view_config
from sqlalchemy import select

from tavolo.accounts.models import Organisation
from tavolo.content.models import Node
from tavolo.i18n import _
from tavolo.security.roles import EDIT
from tavolo.versioning.diff import compare
from tavolo.versioning.service import RevisionService
from tavolo.versioning.views import REVISION_NUMBER, author_name, author_names

GONE = _("Elemento non più disponibile")


def _number(request, key: str) -> int:
    value = request.GET.get(key, "")
    if not REVISION_NUMBER.fullmatch(value):
        raise HTTPNotFound()
    return int(value)


def _describer(request):
    """Names of referenced items and organisations, for the "before -> after" lines."""

    def describe(name, value):
        ids = value if isinstance(value, list) else [value]
        if name == "responsible_organisation_id":
            rows = select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))
        else:
            # Only titles of live items: a trashed one may be out of the editor's sight.
            rows = select(Node.id, Node.title).where(Node.id.in_(ids), Node.trashed_at.is_(None))
        names = dict(request.dbsession.execute(rows).all())
        localizer = request.localizer
        return ", ".join(names.get(i) or localizer.translate(GONE) for i in ids)

    return describe


@view_config(
    context=Node,
    name="confronta",
    permission=EDIT,
    renderer="tavolo:templates/versioning/compare.pt",
)
def compare_view(context, request):
    first, second = sorted((_number(request, "da"), _number(request, "a")))
    if first == second:
        raise HTTPNotFound()  # nothing to compare: no page of its own
    service = RevisionService(request.dbsession)
    older, newer = service.get(context, first), service.get(context, second)
    if older is None or newer is None:
        raise HTTPNotFound()
    names = author_names(request, [older, newer])
    changes = compare(
        context,
        json.loads(older.snapshot),
        json.loads(newer.snapshot),
        locale=request.locale_name,
        describe=_describer(request),
    )
    return {
        "older": (older, author_name(older, names)),
        "newer": (newer, author_name(newer, names)),
        "changes": changes,
    }
