"""``@@storia``: the item's saved versions and state changes in one timeline, newest first
(``tavolo.versioning.timeline``). EDIT, like the other version views: the notes and the
links lead to old versions, which may hold what an editor removed on purpose."""

from __future__ import annotations

from pyramid.view import view_config

from tavolo.content.models import Node
from tavolo.security.roles import EDIT
from tavolo.versioning.timeline import Timeline
from tavolo.web.pagination import Page

PAGE_SIZE = 25


@view_config(
    context=Node,
    name="storia",
    permission=EDIT,
    renderer="tavolo:templates/versioning/timeline.pt",
)
def timeline_view(context, request):
    timeline = Timeline(request.dbsession)
    listing = Page.from_request(request, total=timeline.count(context), size=PAGE_SIZE)
    return {"entries": timeline.entries(context, listing.offset, listing.size), "listing": listing}
