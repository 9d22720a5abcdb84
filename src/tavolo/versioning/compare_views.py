"""``@@confronta?da=N&a=M``: what changed between two versions of an item.

EDIT, like the other version views (old versions may hold what an editor removed on
purpose). Thin: ``tavolo.versioning.diff`` does the comparing; this view finds the two
revisions and turns references (items, an organisation) into names.
"""

from __future__ import annotations

import json

from pyramid.httpexceptions import HTTPNotFound
from pyramid.view import view_config

from tavolo.content.models import Node
from tavolo.security.roles import EDIT
from tavolo.versioning.diff import compare
from tavolo.versioning.references import describer
from tavolo.versioning.service import RevisionService
from tavolo.versioning.views import REVISION_NUMBER, author_name, author_names


def _number(request, key: str) -> int:
    value = request.GET.get(key, "")
    if not REVISION_NUMBER.fullmatch(value):
        raise HTTPNotFound()
    return int(value)


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
        describe=describer(request),
    )
    return {
        "older": (older, author_name(older, names)),
        "newer": (newer, author_name(newer, names)),
        "changes": changes,
    }
