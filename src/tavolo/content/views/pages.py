"""Display views of the content types that are pages: the home page, folders, pages,
links, news, events, legislation and questions."""

from __future__ import annotations

from urllib.parse import urlsplit

from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config
from sqlalchemy import and_

from tavolo.content.models import Event, Folder, Legislation, Link, NewsItem, Node, Page, Question
from tavolo.content.schemas import ACT_TYPES
from tavolo.content.services import ContentService
from tavolo.content.tree import ROOT_PATH
from tavolo.content.views.display import ContentDisplay
from tavolo.content.views.listings import FOLDER_LAYOUT_VIEWS, LATEST_VIEW, home_latest
from tavolo.security.listing import visible_children_clause
from tavolo.security.roles import EDIT, VIEW
from tavolo.web.pagination import Page as ListingPage

FOLDER_PAGE_SIZE = 20
REDIRECT_SCHEMES = frozenset({"http", "https"})
ATTACHMENT_LIMIT = 100


def _page(context, request, **values) -> dict:
    return {"display": ContentDisplay(context, request), **values}


@view_config(context=Folder, renderer="tavolo:templates/content/folder.pt", permission=VIEW)
def folder_view(context, request):
    """The folder as its ``layout`` says (news, agenda, or the plain listing); the home
    page keeps its own page, with the latest documents."""
    is_home = context.path == ROOT_PATH
    layout_view = None if is_home else FOLDER_LAYOUT_VIEWS.get(context.layout)
    if layout_view is not None:
        return layout_view(context, request)
    service = ContentService(request.dbsession)
    visible = visible_children_clause(request, context)
    if is_home:
        # The home page presents the sections; legal pages stay in the footer.
        visible = and_(visible, Node.exclude_from_nav.is_(False))
    listing = ListingPage.from_request(
        request, total=service.count_children(context, visible), size=FOLDER_PAGE_SIZE
    )
    items = service.children(context, where=visible, offset=listing.offset, limit=listing.size)
    if is_home:
        request.override_renderer = "tavolo:templates/content/home.pt"
        return _page(
            context,
            request,
            items=items,
            listing=listing,
            latest=home_latest(context, request),
            latest_url=request.resource_url(context, f"@@{LATEST_VIEW}"),
        )
    return _page(context, request, items=items, listing=listing)


@view_config(context=Page, renderer="tavolo:templates/content/page.pt", permission=VIEW)
def page_view(context, request):
    return _page(context, request)


def redirect_target(url: str) -> str | None:
    """The URL a link sends visitors to: only plain http(s) addresses with a host, and
    nothing a header could be split with."""
    url = (url or "").strip()
    if not url or any(ord(ch) < 0x20 or ch == "\x7f" or ch.isspace() for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in REDIRECT_SCHEMES or not parts.netloc:
        return None
    return url


@view_config(context=Link, renderer="tavolo:templates/content/link.pt", permission=VIEW)
def link_view(context, request):
    """Visitors go straight to the address (as in Plone); those who may edit the link see
    a page with it, so that they can still reach the item to change it."""
    target = redirect_target(context.url)
    if target is not None and not request.has_permission(EDIT, context):
        return HTTPFound(location=target)
    return _page(context, request, target=target)


@view_config(context=NewsItem, renderer="tavolo:templates/content/news.pt", permission=VIEW)
def news_view(context, request):
    return _page(context, request)


@view_config(context=Event, renderer="tavolo:templates/content/event.pt", permission=VIEW)
def event_view(context, request):
    return _page(context, request)


@view_config(
    context=Legislation, renderer="tavolo:templates/content/legislation.pt", permission=VIEW
)
def legislation_view(context, request):
    service = ContentService(request.dbsession)
    attachments = service.children(
        context,
        where=and_(visible_children_clause(request, context), Node.type == "file"),
        limit=ATTACHMENT_LIMIT,
    )
    act_types = dict(ACT_TYPES)
    act_type = act_types.get(context.act_type)
    return _page(
        context,
        request,
        attachments=attachments,
        act_type=request.localizer.translate(act_type) if act_type else context.act_type,
        official_url=redirect_target(context.official_url),
    )


@view_config(context=Question, renderer="tavolo:templates/content/question.pt", permission=VIEW)
def question_view(context, request):
    return _page(context, request)
