"""The archive and the saved searches ("Raccolta"), both lists the search service makes:
whatever the caller may see, by date, with the facets counted after the re-check.

- the archive's front page shows the years (with their months), the types, the
  organisations and the tags, each with its count; any of them opens a paginated list;
- a Raccolta keeps words and filters, and lists what matches them today.
"""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date

from tavolo.content.models import Collection
from tavolo.search.facets import FacetValue
from tavolo.search.query import SearchQuery, SearchResults, SearchService

_BABEL_LOCALES = {"it": "it_IT", "en": "en_GB"}


def month_label(value: str, locale: str = "it") -> str:
    """``2024-03`` -> "marzo 2024" / "March 2024"."""
    try:
        year, month = (int(part) for part in value.split("-"))
        day = dt.date(year, month, 1)
    except ValueError:
        return value
    return format_date(day, "LLLL y", locale=_BABEL_LOCALES.get(locale, "it_IT"))


def months_by_year(results: SearchResults) -> dict[str, list[FacetValue]]:
    """The month facet grouped by year, newest first."""
    grouped: dict[str, list[FacetValue]] = {}
    for value in results.facets.month:
        grouped.setdefault(value.value[:4], []).append(value)
    return grouped


def collection_query(collection: Collection) -> SearchQuery:
    """The search a Raccolta keeps."""
    return SearchQuery(
        words=collection.search_words or "",
        type=collection.filter_type or None,
        year=collection.filter_year or None,
        organisation=(
            str(collection.filter_organisation_id)
            if collection.filter_organisation_id is not None
            else None
        ),
        tag=collection.filter_tag or None,
        sort=collection.sort if collection.sort in ("date", "relevance") else "date",
    )


def collection_results(
    service: SearchService, collection: Collection, page: int, page_size: int
) -> SearchResults:
    """What a Raccolta lists now, for the service's caller. A Raccolta never lists itself
    (nor another Raccolta: a list of lists is not what its reader came for)."""
    search = collection_query(collection)
    results = service.search(search, page=page, page_size=page_size, exclude_types={"collection"})
    return results
