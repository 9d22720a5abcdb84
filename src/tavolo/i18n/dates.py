"""Dates as people read them: "giovedì 21 marzo 2024, ore 11:17".

Times are shown in the prefecture's time zone (Europe/Rome, summer time included), whatever
the server's. Naive datetimes are taken as UTC, which is how the database stores them.
English is British English: "Thursday 21 March 2024 at 11:17", "21 March 2024".
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime

SITE_TIMEZONE = ZoneInfo("Europe/Rome")

# The site's language codes and the CLDR locales whose conventions they follow.
_BABEL_LOCALES = {"it": "it_IT", "en": "en_GB"}

_LONG_DATETIME = {
    "it": "EEEE d MMMM y', ore' HH:mm",
    "en": "EEEE d MMMM y 'at' HH:mm",
}


def _known(locale: str | None) -> str:
    return locale if locale in _BABEL_LOCALES else "it"


def format_datetime(value: dt.datetime | None, locale: str = "it") -> str:
    if value is None:
        return ""
    locale = _known(locale)
    return babel_format_datetime(
        value, _LONG_DATETIME[locale], tzinfo=SITE_TIMEZONE, locale=_BABEL_LOCALES[locale]
    )


def format_date(value: dt.date | None, locale: str = "it") -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        value = value.astimezone(SITE_TIMEZONE).date()
    locale = _known(locale)
    return babel_format_date(value, "long", locale=_BABEL_LOCALES[locale])
