"""iCalendar (RFC 5545) files of events, built with the ``icalendar`` library."""

from __future__ import annotations

import datetime as dt

from icalendar import Calendar, vCalAddress, vText
from icalendar import Event as VEvent

from tavolo.content.models import Event
from tavolo.i18n.dates import SITE_TIMEZONE

CALENDAR_TYPE = "text/calendar"
PRODID = "-//Tavolo//Consiglio Territoriale per l'Immigrazione//IT"


def event_uid(event: Event, host: str) -> str:
    """Stable across renames and moves: the node id never changes nor is reused."""
    return f"event-{event.id}@{host.split(':', 1)[0] or 'localhost'}"


def _vevent(event: Event, url: str, host: str, now: dt.datetime) -> VEvent:
    vevent = VEvent()
    vevent.add("uid", event_uid(event, host))
    vevent.add("dtstamp", now)
    if event.whole_day:
        # All-day events are dates in the prefecture's time zone; DTEND is exclusive.
        first = event.start.astimezone(SITE_TIMEZONE).date()
        last = max(event.end.astimezone(SITE_TIMEZONE).date(), first)
        vevent.add("dtstart", first)
        vevent.add("dtend", last + dt.timedelta(days=1))
    else:
        vevent.add("dtstart", event.start.astimezone(dt.UTC))
        vevent.add("dtend", max(event.end, event.start).astimezone(dt.UTC))
    vevent.add("summary", event.title)
    if event.description:
        vevent.add("description", event.description)
    if event.location:
        vevent.add("location", event.location)
    vevent.add("url", url)
    vevent.add("created", event.created.astimezone(dt.UTC))
    vevent.add("last-modified", event.modified.astimezone(dt.UTC))
    if event.contact_email:
        organiser = vCalAddress(f"mailto:{event.contact_email}")
        name = event.organiser or event.contact_name
        if name:
            organiser.params["cn"] = vText(name)
        vevent.add("organizer", organiser)
    vevent.add("status", "CONFIRMED")
    return vevent


def calendar_bytes(name: str, events, url_for, host: str, now: dt.datetime) -> bytes:
    """A VCALENDAR named ``name`` with ``events``; ``url_for(event)`` gives each one's page."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    for event in events:
        calendar.add_component(_vevent(event, url_for(event), host, now))
    return calendar.to_ical()
