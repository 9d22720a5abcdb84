"""The archive (``@@archivio`` on the site root) and the page of a Raccolta.

Both are lists the search service makes for the caller: filtered by their tokens, each hit
re-checked with the security policy, facets counted after the re-check.
"""

from __future__ import annotations

from dataclasses import replace

from pyramid.httpexceptions import HTTPNotFound
from pyramid.view import view_config

from tavolo.content.models import Collection, Folder
from tavolo.content.tree import ROOT_PATH
from tavolo.content.views.display import ContentDisplay
from tavolo.i18n import _
from tavolo.search.archive import collection_query, collection_results, months_by_year
from tavolo.search.query import SearchQuery
from tavolo.search.views import (
    FACET_TITLES,
    MONTH_TITLE,
    PAGE_SIZE,
    ParsedParams,
    SearchPage,
    parse_params,
    search_service,
)
from tavolo.security.roles import VIEW

ARCHIVE_VIEW = "archivio"
# The archive's front page counts over this many of the most recent items at most (the
# search service's cap); the page says so when there are more.
ARCHIVE_SECTIONS = (
    ("type", _("Per tipo")),
    ("organisation", _("Per organizzazione")),
    ("tag", _("Per etichetta")),
)


class ArchivePage(SearchPage):
    @property
    def months_by_year(self):
        return months_by_year(self.results) if self.results is not None else {}

    @property
    def sections(self):
        """The front page's lists after the years: ``(name, heading, values)``."""
        if self.results is None:
            return []
        return [
            (name, self.translate(title), getattr(self.results.facets, name))
            for name, title in ARCHIVE_SECTIONS
            if getattr(self.results.facets, name)
        ]

    @property
    def is_front(self) -> bool:
        return not self.search.filters


@view_config(
    context=Folder,
    name=ARCHIVE_VIEW,
    request_method="GET",
    permission=VIEW,
    renderer="tavolo:templates/search/archive.pt",
)
def archive_view(context, request):
    """The archive: by year and month, type, organisation and tag, newest first."""
    if context.path != ROOT_PATH:
        raise HTTPNotFound()
    params = parse_params(request.GET)
    # The archive browses: no words, always by date.
    params.search = replace(params.search, words="", sort="date")
    titles = (*FACET_TITLES[:2], ("month", MONTH_TITLE), *FACET_TITLES[2:])
    if not params.search.month and not params.search.year:
        titles = tuple(t for t in titles if t[0] != "month")
    results = search_service(request).search(params.search, page=params.page, page_size=PAGE_SIZE)
    if params.bad_request:
        request.response.status_int = 400
    page = ArchivePage(context, request, params, results, ARCHIVE_VIEW, titles)
    return {"page": page, "listing": page.listing}


@view_config(
    context=Collection,
    request_method="GET",
    permission=VIEW,
    renderer="tavolo:templates/search/collection.pt",
)
def collection_view(context, request):
    """A Raccolta: what its words and filters find today, as the reader may see it."""
    params = parse_params({"page": request.GET.get("page", "1")})
    results = collection_results(search_service(request), context, params.page, PAGE_SIZE)
    params = ParsedParams(collection_query(context), params.page, params.errors)
    page = SearchPage(context, request, params, results)
    return {
        "page": page,
        "listing": page.listing,
        "display": ContentDisplay(context, request),
        "search_url": _search_url(request, params.search),
    }


def _search_url(request, search: SearchQuery) -> str:
    """The same search on the search page, where the reader can refine it."""
    from urllib.parse import urlencode

    query = {"q": search.words, **search.filters}
    if search.sort != "relevance":
        query["sort"] = search.sort
    return f"{request.application_url}/@@search?{urlencode({k: v for k, v in query.items() if v})}"
