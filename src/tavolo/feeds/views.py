"""Feed views: ``@@atom.xml`` on any folder, ``@@ical`` on a folder of events and on one
event, and the ``<link rel="alternate">`` entries that advertise them in the page head.

They need ``view`` like every page, checked for the feed's own caller - the anonymous
visitor, or a feed token's owner, never the login session (see ``access``) - and they
filter the items in SQL with the same rules as every listing.
"""

from __future__ import annotations

from pyramid.response import Response
from pyramid.view import view_config

from tavolo.content.models import Event, Folder, NewsItem, Node
from tavolo.db import utcnow
from tavolo.feeds import atom, ical
from tavolo.feeds.access import FeedReader, anonymous_reader, feed_reader
from tavolo.feeds.queries import feed_date, folder_events, has_events, recent_items
from tavolo.i18n import _
from tavolo.security.policy import token_refused
from tavolo.security.roles import VIEW

ATOM_VIEW = "atom.xml"
ICAL_VIEW = "ical"
# Anonymous feeds are the same for everyone: shared caches and readers may keep them a while.
PUBLIC_CACHE = "public, max-age=300"


FEED_VIEWS = (ATOM_VIEW, ICAL_VIEW)


def refused_token_response() -> Response:
    # A dead token is refused rather than quietly downgraded to the public feed, so the
    # reader shows an error and its owner knows to make a new one.
    return Response(
        status=403,
        content_type="text/plain",
        charset="utf-8",
        text="Feed token not valid (unknown, revoked, or its account is disabled).\n",
    )


def _reader_or_refusal(request) -> FeedReader | Response:
    if token_refused(request):
        return refused_token_response()
    return feed_reader(request)


def _respond(request, reader: FeedReader, body: bytes, content_type: str, filename: str):
    response = Response(body=body, content_type=content_type, charset="utf-8")
    if reader.personal:
        response.cache_control = "private, no-store"
    else:
        response.headers["Cache-Control"] = PUBLIC_CACHE
    if filename:
        response.content_disposition = f'inline; filename="{filename}"'
    return response


def _summary(node: Node) -> str:
    if isinstance(node, NewsItem) and node.lead:
        return node.lead
    return node.description or ""


@view_config(context=Folder, name=ATOM_VIEW, request_method="GET", permission=VIEW)
def folder_atom(context, request):
    reader = _reader_or_refusal(request)
    if isinstance(reader, Response):
        return reader
    items = recent_items(request.dbsession, reader, context)
    host = request.host
    updated = max([context.modified, *(item.modified for item in items)])
    feed = atom.AtomFeed(
        id=atom.tag_uri(host, context.created, f"node-{context.id}"),
        title=context.title,
        subtitle=context.description or "",
        updated=updated,
        self_url=request.resource_url(context, f"@@{ATOM_VIEW}"),
        alternate_url=request.resource_url(context),
        language=context.language or "it",
        author=request.registry.settings.get("tavolo.site_name", "Tavolo"),
    )
    for item in items:
        news = item.type == "news"
        feed.add_entry(
            id=atom.tag_uri(host, item.created, f"node-{item.id}"),
            title=item.title,
            url=request.resource_url(item),
            updated=item.modified,
            published=feed_date(item) if news else None,
            summary=_summary(item),
            html=getattr(item, "body", "") or "",
            categories=item.tags,
            language=item.language if item.language != context.language else None,
        )
    return _respond(request, reader, feed.to_bytes(), atom.ATOM_TYPE, "")


def _calendar(request, reader, name, events, filename):
    body = ical.calendar_bytes(
        name, events, request.resource_url, request.host, utcnow().replace(microsecond=0)
    )
    return _respond(request, reader, body, ical.CALENDAR_TYPE, filename)


@view_config(context=Folder, name=ICAL_VIEW, request_method="GET", permission=VIEW)
def folder_ical(context, request):
    reader = _reader_or_refusal(request)
    if isinstance(reader, Response):
        return reader
    events = folder_events(request.dbsession, reader, context)
    return _calendar(request, reader, context.title, events, f"{context.name or 'agenda'}.ics")


@view_config(context=Event, name=ICAL_VIEW, request_method="GET", permission=VIEW)
def event_ical(context, request):
    reader = _reader_or_refusal(request)
    if isinstance(reader, Response):
        return reader
    return _calendar(request, reader, context.title, [context], f"{context.name}.ics")


def alternate_links(context, request) -> list[dict]:
    """The feeds of this page, for ``<link rel="alternate">`` in its head.

    Only public pages advertise their feeds: a reserved folder has no anonymous feed (404);
    its members take personal URLs from the ``@@feed-tokens`` page.
    """
    if not isinstance(context, (Folder, Event)):
        return []
    reader = anonymous_reader(request.dbsession)
    if not reader.may_view(context):
        return []
    translate = request.localizer.translate
    links = []
    if isinstance(context, Folder):
        links.append(
            {
                "type": atom.ATOM_TYPE,
                "title": translate(
                    _("${title}: aggiornamenti (Atom)", mapping={"title": context.title})
                ),
                "href": request.resource_url(context, f"@@{ATOM_VIEW}"),
            }
        )
    if isinstance(context, Event) or has_events(request.dbsession, reader, context):
        links.append(
            {
                "type": ical.CALENDAR_TYPE,
                "title": translate(
                    _("${title}: calendario (iCal)", mapping={"title": context.title})
                ),
                "href": request.resource_url(context, f"@@{ICAL_VIEW}"),
            }
        )
    return links
