"""Which language a request is served in."""

from __future__ import annotations

from tavolo.i18n import DEFAULT_LOCALE, LOCALES

LANGUAGE_COOKIE = "tavolo_lang"


def negotiate_locale(request) -> str:
    """The language the visitor chose (cookie), else Italian.

    The browser's Accept-Language is deliberately not followed: the site is Italian, and a
    partner with an English browser still expects the Italian intranet unless they switch.
    """
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    return chosen if chosen in LOCALES else DEFAULT_LOCALE
