"""Where a view may be called: some views exist only on the site root."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound

from tavolo.content.tree import ROOT_PATH


def require_site_root(context) -> None:
    """404 anywhere but on the site root: ``/cartella/@@utenti`` is not an address."""
    if getattr(context, "path", None) != ROOT_PATH:
        raise HTTPNotFound()
