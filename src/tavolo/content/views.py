"""Default views of the content types: the home page, folders and pages."""

from __future__ import annotations

from pyramid.view import view_config
from sqlalchemy import and_

from tavolo.content.models import Folder, Node, Page
from tavolo.content.services import ContentService
from tavolo.content.tree import ROOT_PATH
from tavolo.security.listing import visible_children_clause
from tavolo.security.roles import VIEW
from tavolo.web.pagination import Page as ListingPage

FOLDER_PAGE_SIZE = 20


@view_config(context=Folder, renderer="tavolo:templates/content/folder.pt", permission=VIEW)
def folder_view(context, request):
    service = ContentService(request.dbsession)
    visible = visible_children_clause(request, context)
    is_home = context.path == ROOT_PATH
    if is_home:
        # The home page presents the sections; legal pages stay in the footer.
        visible = and_(visible, Node.exclude_from_nav.is_(False))
    listing = ListingPage.from_request(
        request, total=service.count_children(context, visible), size=FOLDER_PAGE_SIZE
    )
    items = service.children(context, where=visible, offset=listing.offset, limit=listing.size)
    if is_home:
        request.override_renderer = "tavolo:templates/content/home.pt"
    return {"items": items, "listing": listing}


@view_config(context=Page, renderer="tavolo:templates/content/page.pt", permission=VIEW)
def page_view(context, request):
    return {}
