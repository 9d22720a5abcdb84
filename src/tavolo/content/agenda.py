"""Months and days of the agenda: which month a calendar shows, which days an event covers,
and the month grid (weeks from Monday) with each day's events.

Days are the prefecture's days (Europe/Rome), whatever the server's time zone: an event
from 23:30 to 01:00 covers two days there, and a month starts at local midnight.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field

from tavolo.content.models import Event
from tavolo.i18n.dates import SITE_TIMEZONE

# The months a calendar may show: enough for any real agenda, and a bound for the
# previous/next links that crawlers would otherwise follow for ever.
FIRST_YEAR = 1970
LAST_YEAR = 2199
_MONTH = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def containing(cls, day: dt.date) -> Month:
        return cls(day.year, day.month)

    @classmethod
    def parse(cls, value: str | None) -> Month | None:
        """``"2026-11"`` -> ``Month(2026, 11)``; ``None`` for anything else or a month
        outside the calendar's years."""
        match = _MONTH.fullmatch((value or "").strip())
        if match is None:
            return None
        year, month = int(match.group(1)), int(match.group(2))
        if not (1 <= month <= 12 and FIRST_YEAR <= year <= LAST_YEAR):
            return None
        return cls(year, month)

    @property
    def key(self) -> str:
        """The month as the ``mese`` parameter writes it: ``2026-11``."""
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last_day(self) -> dt.date:
        return dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def previous(self) -> Month | None:
        month = Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)
        return month if month.year >= FIRST_YEAR else None

    def next(self) -> Month | None:
        month = Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)
        return month if month.year <= LAST_YEAR else None

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The month as the half-open UTC interval from its first local midnight to the
        next month's (what the database compares with)."""
        following = self.last_day + dt.timedelta(days=1)
        return _local_midnight(self.first_day), _local_midnight(following)


def _local_midnight(day: dt.date) -> dt.datetime:
    # Midnight is never skipped nor repeated in Rome (summer time changes at 02:00/03:00).
    return dt.datetime(day.year, day.month, day.day, tzinfo=SITE_TIMEZONE).astimezone(dt.UTC)


def local_date(value: dt.datetime) -> dt.date:
    return value.astimezone(SITE_TIMEZONE).date()


def today() -> dt.date:
    return dt.datetime.now(SITE_TIMEZONE).date()


def event_days(event: Event) -> tuple[dt.date, dt.date]:
    """The first and last local day an event covers, both included.

    Whole-day events include their end day ("from the 21st to the 23rd"). A timed event
    that ends exactly at midnight does not spill into the next day: 22:00-00:00 is an
    evening, not two days.
    """
    start = event.start
    end = max(event.end or start, start)
    first, last = local_date(start), local_date(end)
    if not event.whole_day and last > first and end.astimezone(SITE_TIMEZONE).time() == dt.time():
        last -= dt.timedelta(days=1)
    return first, last


@dataclass(frozen=True)
class DayEntry:
    event: Event
    # On the day a timed event starts, the cell shows its start time.
    starts_here: bool


@dataclass
class CalendarDay:
    date: dt.date
    in_month: bool
    today: bool
    entries: list[DayEntry] = field(default_factory=list)


def month_grid(month: Month, events: list[Event], current_day: dt.date) -> list[list[CalendarDay]]:
    """The month's weeks, Monday first; each day of the month lists the events that
    overlap it (an event of several days appears on each), in order of start. Days of the
    neighbouring months fill the first and last week, without events."""
    weeks = [
        [CalendarDay(day, day.month == month.month, day == current_day) for day in week]
        for week in calendar.Calendar(firstweekday=calendar.MONDAY).monthdatescalendar(
            month.year, month.month
        )
    ]
    by_date = {day.date: day for week in weeks for day in week if day.in_month}
    for event in sorted(events, key=lambda e: (e.start, e.id)):
        first, last = event_days(event)
        day = max(first, month.first_day)
        while day <= min(last, month.last_day):
            by_date[day].entries.append(DayEntry(event, starts_here=day == first))
            day += dt.timedelta(days=1)
    return weeks


def in_month(event: Event, month: Month) -> bool:
    """Whether the event covers at least one day of ``month``."""
    first, last = event_days(event)
    return first <= month.last_day and last >= month.first_day
