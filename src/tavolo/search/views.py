"""The search page, ``@@search?q=…``, on the site root and on any folder (a folder's page
searches below it).

The view reads and checks the request's parameters, asks ``SearchService`` (which filters
by the caller's tokens, re-checks each hit and counts facets after the re-check) and
renders. Bad input is a page that says what was wrong, never an error 500: an unknown
facet value is ignored with a message, a page number out of range is clamped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from pyramid.view import view_config

from tavolo.content.models import Folder, Node
from tavolo.content.registry import TYPES
from tavolo.content.tree import ROOT_PATH
from tavolo.i18n import _
from tavolo.search.archive import month_label
from tavolo.search.facets import FacetValue
from tavolo.search.query import (
    DEFAULT_CHECK_CAP,
    MAX_QUERY_LENGTH,
    SORTS,
    SearchQuery,
    SearchService,
)
from tavolo.security.policy import calculator_for
from tavolo.security.roles import VIEW
from tavolo.workflow import STATES

SEARCH_VIEW = "search"
PAGE_SIZE = 20
TIME_BUDGET_SETTING = "tavolo.search_time_budget_ms"
# How many hits are re-checked per search (results and facets count over these).
CHECK_CAP_SETTING = "tavolo.search_check_cap"
_YEAR = re.compile(r"^\d{4}$")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_TAG = 100
# Facets shown on the search page, in order, with their headings.
FACET_TITLES = (
    ("type", _("Tipo")),
    ("year", _("Anno")),
    ("organisation", _("Organizzazione")),
    ("tag", _("Etichetta")),
    ("state", _("Stato")),
)
MONTH_TITLE = _("Mese")
INVALID_FILTER = _("Un filtro non valido è stato ignorato.")
FILTER_PARAMS = ("type", "year", "month", "organisation", "tag", "state")


def search_service(request) -> SearchService:
    """The search service of a request: its caller's roles, the app's index, the
    configured time budget."""
    settings = request.registry.settings
    try:
        budget_ms = float(settings.get(TIME_BUDGET_SETTING) or 250)
    except ValueError:
        budget_ms = 250.0
    try:
        check_cap = int(settings.get(CHECK_CAP_SETTING) or DEFAULT_CHECK_CAP)
    except ValueError:
        check_cap = DEFAULT_CHECK_CAP
    return SearchService(
        request.dbsession,
        request.registry["tavolo.search_index"],
        calculator_for(request),
        time_budget=max(budget_ms, 1.0) / 1000,
        check_cap=max(check_cap, 1),
    )


@dataclass
class ParsedParams:
    search: SearchQuery
    page: int = 1
    errors: list = field(default_factory=list)
    # Input a browser's form could not have sent: the page answers 400.
    bad_request: bool = False


def _valid_filter(name: str, value: str) -> bool:
    if name == "type":
        return value in TYPES
    if name == "year":
        return bool(_YEAR.match(value))
    if name == "month":
        return bool(_MONTH.match(value))
    if name == "organisation":
        return value.isdigit() and len(value) < 12
    if name == "tag":
        return len(value) <= MAX_TAG
    if name == "state":
        return value in STATES
    return False


def parse_params(params, below: int | None = None) -> ParsedParams:
    """The search asked for by ``params`` (a request's GET), with what was wrong in it."""
    errors = []
    bad = False
    words = _CONTROL.sub(" ", params.get("q", "") or "").strip()
    if len(words) > MAX_QUERY_LENGTH:
        errors.append(
            _(
                "La ricerca è troppo lunga: al massimo ${max} caratteri.",
                mapping={"max": MAX_QUERY_LENGTH},
            )
        )
        words, bad = words[:MAX_QUERY_LENGTH], True
    filters: dict[str, str | None] = {}
    for name in FILTER_PARAMS:
        value = " ".join((params.get(name, "") or "").split())
        if not value:
            continue
        if _valid_filter(name, value):
            filters[name] = value
        else:
            bad = True
            if INVALID_FILTER not in errors:
                errors.append(INVALID_FILTER)
    sort = params.get("sort", "") or "relevance"
    if sort not in SORTS:
        sort, bad = "relevance", True
        errors.append(_("Ordine non valido: i risultati sono ordinati per rilevanza."))
    page = 1
    raw_page = params.get("page", "") or "1"
    try:
        page = int(raw_page)
        if page < 1:
            raise ValueError(raw_page)
    except ValueError:
        page = 1
        errors.append(_("Il numero di pagina non è valido: ecco la prima pagina."))
    return ParsedParams(SearchQuery(words, below=below, sort=sort, **filters), page, errors, bad)


class SearchPage:
    """What the template needs: the results, the links that add or remove a facet, the
    labels in the reader's language."""

    def __init__(
        self,
        context,
        request,
        params: ParsedParams,
        results,
        view=SEARCH_VIEW,
        facet_titles=FACET_TITLES,
    ):
        self.context = context
        self.request = request
        self.params = params
        self.search = params.search
        self.results = results
        self.view = view
        self.facet_titles = facet_titles

    @property
    def listing(self):
        return self.results.page if self.results is not None else None

    @property
    def is_root(self) -> bool:
        return self.context.path == ROOT_PATH

    def translate(self, message) -> str:
        return self.request.localizer.translate(message)

    def _query(self, **changes) -> dict:
        current = {"q": self.search.words, "sort": self.search.sort}
        current.update(self.search.filters)
        current.update(changes)
        if current.get("sort") == "relevance":
            current.pop("sort")
        return {k: v for k, v in current.items() if v}

    def url(self, **changes) -> str:
        query = self._query(**changes)
        base = self.request.resource_url(self.context, f"@@{self.view}")
        return f"{base}?{urlencode(query)}" if query else base

    def site_url(self) -> str:
        """The same search on the whole site (from a folder's search)."""
        query = self._query()
        base = f"{self.request.application_url}/@@{SEARCH_VIEW}"
        return f"{base}?{urlencode(query)}" if query else base

    def facet_url(self, name: str, value: FacetValue) -> str:
        return self.url(**{name: value.value})

    def remove_url(self, name: str) -> str:
        return self.url(**{name: None})

    def is_selected(self, name: str, value: FacetValue) -> bool:
        return self.search.filters.get(name) == value.value

    def label(self, name: str, value) -> str:
        """A facet value as the reader reads it."""
        if isinstance(value, FacetValue):
            label = value.label if value.label is not None else value.value
        else:
            label = value
        if name == "type" and label in TYPES:
            label = TYPES[label].title
        if name == "organisation" and str(label).isdigit():
            label = self._organisation_name(str(label))
        if name == "month":
            label = month_label(str(label), self.request.locale_name)
        if name == "state":
            from tavolo.workflow.states import state_title

            if label in STATES:
                label = state_title(label)
        return self.translate(label) if not isinstance(label, str) else label

    def _organisation_name(self, value: str) -> str:
        for facet in self.results.facets.organisation if self.results else ():
            if facet.value == value:
                return str(facet.label)
        from sqlalchemy import select

        from tavolo.accounts.models import Organisation

        name = self.request.dbsession.scalar(
            select(Organisation.name).where(Organisation.id == int(value))
        )
        return name or value

    @property
    def facets(self) -> list[tuple[str, str, list[FacetValue]]]:
        if self.results is None:
            return []
        shown = []
        for name, title in self.facet_titles:
            values = getattr(self.results.facets, name)
            if values:
                shown.append((name, self.translate(title), values))
        return shown

    @property
    def active_filters(self) -> list[tuple[str, str, str]]:
        """``(heading, label, removal URL)`` of each filter in use."""
        titles = dict(FACET_TITLES) | {"month": MONTH_TITLE}
        return [
            (self.translate(titles[name]), self.label(name, value), self.remove_url(name))
            for name, value in self.search.filters.items()
        ]

    def type_title(self, node: Node) -> str:
        info = TYPES.get(node.type)
        return self.translate(info.title) if info is not None else node.type

    def node_url(self, node: Node) -> str:
        return self.request.resource_url(node)

    def location(self, node: Node) -> str:
        """Where the item is, as the titles of its folders (the path a reader knows)."""
        titles = [ancestor.title for ancestor in node.lineage[1:-1]]
        return " › ".join(titles)


@view_config(
    context=Folder,
    name=SEARCH_VIEW,
    request_method="GET",
    permission=VIEW,
    renderer="tavolo:templates/search/search.pt",
)
def search_view(context, request):
    """Search the site (on the root) or below a folder."""
    below = None if context.path == ROOT_PATH else context.id
    params = parse_params(request.GET, below=below)
    results = None
    if not params.search.is_empty:
        results = search_service(request).search(
            params.search, page=params.page, page_size=PAGE_SIZE
        )
    if params.bad_request:
        request.response.status_int = 400
    page = SearchPage(context, request, params, results)
    return {"page": page, "listing": page.listing}
