"""``@@consolidato``: the whole Vademecum on one page, as its readers see it now.

Table of contents, the common chapters, then every approved, non-retired section in the
Vademecum's order (``snapshot.consolidated``: a section being rewritten shows its approved
text). Printable (``static/css/vademecum.css``: no navigation, each section on a new page)
and searchable within: ``static/js/vademecum-search.js`` filters and highlights as one
types; without JavaScript the same box sends ``?q=`` and the page lists, and shows, only
the chapters and sections holding every word (accents and case ignored).

VIEW on the Vademecum: whoever may read the guide. The page is the edition page's
template without an edition (same macros), so the two always look alike.
"""

from __future__ import annotations

from pyramid.view import view_config

from tavolo.security.roles import VIEW
from tavolo.vademecum.edition_views import (
    QUERY_MAX_LENGTH,
    display_data,
    may_publish,
    query_words,
)
from tavolo.vademecum.models import Vademecum

CONSOLIDATED_VIEW = "consolidato"


def _consolidated(request, vademecum) -> dict:
    from tavolo.vademecum.snapshot import consolidated

    return consolidated(request.dbsession, vademecum)


@view_config(
    context=Vademecum,
    name=CONSOLIDATED_VIEW,
    permission=VIEW,
    request_method=("GET", "HEAD"),
    renderer="tavolo:templates/vademecum/consolidated.pt",
)
def consolidated_view(context, request):
    words = query_words(request)
    action = request.resource_url(context, f"@@{CONSOLIDATED_VIEW}")
    return {
        "doc": display_data(_consolidated(request, context), words),
        "q": request.GET.get("q", "")[:QUERY_MAX_LENGTH],
        "searching": bool(words),
        "action": action,
        "hidden": {},
        "show_all": action,
        "may_publish": may_publish(request, context),
    }
