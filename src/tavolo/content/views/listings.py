"""Listings for visitors: a folder shown as news or as an agenda (its ``layout``), the
month calendar ``@@calendario`` and the latest documents ``@@ultimi-documenti``.

The queries are in ``tavolo.content.listings`` and the months in ``tavolo.content.agenda``;
these views read the request's parameters and name what the templates show.
"""

from __future__ import annotations

from dataclasses import dataclass

from babel.dates import format_date as babel_format_date
from babel.dates import get_day_names
from pyramid.view import view_config

from tavolo.content.agenda import Month, in_month, month_grid, today
from tavolo.content.listings import Cursor, FolderListings, LatestPage, latest_documents
from tavolo.content.models import Folder
from tavolo.content.tree import ROOT_PATH
from tavolo.content.views.display import ContentDisplay, babel_locale, format_time
from tavolo.security.roles import VIEW
from tavolo.web.pagination import Page as ListingPage

NEWS_PAGE_SIZE = 10
AGENDA_PAGE_SIZE = 20
LATEST_PAGE_SIZE = 20
HOME_LATEST_SIZE = 5
CALENDAR_VIEW = "calendario"
LATEST_VIEW = "ultimi-documenti"
PAST_PARAMETER = "passati"
MONTH_PARAMETER = "mese"

NEWS_TEMPLATE = "tavolo:templates/content/folder_news.pt"
AGENDA_TEMPLATE = "tavolo:templates/content/folder_agenda.pt"


def news_folder(context: Folder, request) -> dict:
    """A folder shown as news: its news items newest first, with dates and images."""
    listings = FolderListings(request, context)
    listing = ListingPage.from_request(request, total=listings.count_news(), size=NEWS_PAGE_SIZE)
    items = listings.news(offset=listing.offset, limit=listing.size)
    request.override_renderer = NEWS_TEMPLATE
    return {
        "display": ContentDisplay(context, request),
        "items": items,
        "images": listings.news_images(items),
        "listing": listing,
    }


def agenda_folder(context: Folder, request) -> dict:
    """A folder shown as an agenda: upcoming events by start, or (``?passati=1``) past
    ones the latest first."""
    past = request.GET.get(PAST_PARAMETER) == "1"
    listings = FolderListings(request, context)
    listing = ListingPage.from_request(
        request, total=listings.count_events(past), size=AGENDA_PAGE_SIZE
    )
    request.override_renderer = AGENDA_TEMPLATE
    return {
        "display": ContentDisplay(context, request),
        "items": listings.events(past, offset=listing.offset, limit=listing.size),
        "listing": listing,
        "past": past,
        "other_url": request.resource_url(context, query={PAST_PARAMETER: "1"} if not past else {}),
        "calendar_url": request.resource_url(context, f"@@{CALENDAR_VIEW}"),
    }


FOLDER_LAYOUT_VIEWS = {"news": news_folder, "agenda": agenda_folder}


# --- the month calendar ----------------------------------------------------------------


@dataclass(frozen=True)
class Weekday:
    short: str
    full: str


@dataclass(frozen=True)
class MonthLink:
    url: str
    label: str


def month_label(month: Month, locale: str) -> str:
    """The month's own (stand-alone) name and its year: "Novembre 2026", "November 2026"."""
    label = babel_format_date(month.first_day, "LLLL y", locale=babel_locale(locale))
    return label[:1].upper() + label[1:]


def weekdays(locale: str) -> list[Weekday]:
    """Monday first, as the calendar's columns."""
    short = get_day_names("abbreviated", locale=babel_locale(locale))
    full = get_day_names("wide", locale=babel_locale(locale))
    return [Weekday(str(short[day]), str(full[day])) for day in range(7)]


@view_config(
    context=Folder,
    name=CALENDAR_VIEW,
    request_method="GET",
    renderer="tavolo:templates/content/calendar.pt",
    permission=VIEW,
)
def calendar_view(context, request):
    """One month's events in a grid; a missing or malformed ``mese`` shows this month."""
    current_day = today()
    month = Month.parse(request.GET.get(MONTH_PARAMETER)) or Month.containing(current_day)
    locale = request.locale_name
    start, end = month.bounds()
    events = [
        event
        for event in FolderListings(request, context).events_between(start, end)
        if in_month(event, month)
    ]

    def link(target: Month | None) -> MonthLink | None:
        if target is None:
            return None
        url = request.resource_url(
            context, f"@@{CALENDAR_VIEW}", query={MONTH_PARAMETER: target.key}
        )
        return MonthLink(url, month_label(target, locale))

    this_month = Month.containing(current_day)
    return {
        "display": ContentDisplay(context, request),
        "label": month_label(month, locale),
        "weekdays": weekdays(locale),
        "weeks": month_grid(month, events, current_day),
        "events": events,
        "previous": link(month.previous()),
        "next": link(month.next()),
        "current": link(this_month) if month != this_month else None,
        "start_time": lambda event: format_time(event.start, locale),
    }


# --- the latest documents --------------------------------------------------------------


def home_latest(context: Folder, request) -> LatestPage:
    """The home page's short list of the latest documents."""
    return latest_documents(request, context, limit=HOME_LATEST_SIZE)


@view_config(
    context=Folder,
    name=LATEST_VIEW,
    request_method="GET",
    renderer="tavolo:templates/content/latest.pt",
    permission=VIEW,
)
def latest_view(context, request):
    """The documents most recently published or changed anywhere below this folder, as
    the viewer may see them, with a link to older ones."""
    after = Cursor.from_params(request.GET)
    page = latest_documents(request, context, limit=LATEST_PAGE_SIZE, after=after)
    base = request.resource_url(context, f"@@{LATEST_VIEW}")
    return {
        "display": ContentDisplay(context, request),
        "latest": page,
        "is_root": context.path == ROOT_PATH,
        "continued": after is not None,
        "first_url": base,
        "next_url": request.resource_url(context, f"@@{LATEST_VIEW}", query=page.next.as_params())
        if page.next
        else None,
    }
