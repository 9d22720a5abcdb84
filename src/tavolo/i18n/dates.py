"""Dates as people read them: "giovedì 21 marzo 2024, ore 11:17"."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime

SITE_TIMEZONE = ZoneInfo("Europe/Rome")

_LONG_DATETIME = {
    "it": "EEEE d MMMM y', ore' HH:mm",
    "en": "EEEE d MMMM y', at' HH:mm",
}


def format_datetime(value: dt.datetime | None, locale: str = "it") -> str:
    if value is None:
        return ""
    pattern = _LONG_DATETIME.get(locale, _LONG_DATETIME["it"])
    return babel_format_datetime(value, pattern, tzinfo=SITE_TIMEZONE, locale=locale)


def format_date(value: dt.date | None, locale: str = "it") -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.astimezone(SITE_TIMEZONE).date()
    return babel_format_date(value, "long", locale=locale)
