"""Where it is safe to send a visitor back to."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_local_url(request, candidate: str | None, default: str | None = None) -> str:
    """``candidate`` if it is a path on this site, else ``default`` (the home page).

    Refuses absolute URLs, scheme-relative ``//host`` and backslash tricks, so that a
    ``came_from`` parameter can never become an open redirect.
    """
    fallback = default or request.application_url + "/"
    if not candidate or not candidate.startswith("/") or candidate.startswith("//"):
        return fallback
    if "\\" in candidate or any(ord(c) < 32 for c in candidate):
        return fallback
    parts = urlsplit(candidate)
    if parts.scheme or parts.netloc:
        return fallback
    return request.application_url + candidate
