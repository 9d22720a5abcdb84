"""Facet counts over hits the caller may see (already re-checked against the database).

Counting from the database's values rather than the index's stored fields means a facet
never disagrees with the page it leads to, even while the index lags behind.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select

from tavolo.accounts.models import Organisation
from tavolo.i18n.dates import SITE_TIMEZONE

FACETS = ("type", "year", "organisation", "tag", "state")
# Tags are free text: the most frequent are shown, not hundreds.
MAX_TAGS = 30


@dataclass(frozen=True)
class FacetValue:
    value: str  # what goes in the URL
    count: int
    # What is shown: a type's title, an organisation's name (a msgid for types and states,
    # translated by the view), the value itself otherwise.
    label: object = None


@dataclass
class FacetCounts:
    type: list[FacetValue] = field(default_factory=list)
    year: list[FacetValue] = field(default_factory=list)
    # Months ("YYYY-MM") are for the archive's year pages, not a facet of the search page.
    month: list[FacetValue] = field(default_factory=list)
    organisation: list[FacetValue] = field(default_factory=list)
    tag: list[FacetValue] = field(default_factory=list)
    # Only over the hits the caller may edit or review: others do not see states.
    state: list[FacetValue] = field(default_factory=list)

    def items(self):
        return [(name, getattr(self, name)) for name in FACETS]

    @property
    def empty(self) -> bool:
        return not any(values for _name, values in self.items())


def _local_date(node) -> dt.datetime:
    # The site's day, as every page shows dates: published at 00:30 on 1 March in Rome
    # is March (in UTC it would still be February).
    return (node.effective or node.created).astimezone(SITE_TIMEZONE)


def document_year(node) -> str:
    """Four digits of the document date (publication, else creation) in the site's time
    zone. The index's ``year`` is this function's (``documents``): the re-check and the
    facets must agree with the index, or a year filter would drop New Year's Eve's hits."""
    return f"{_local_date(node).year:04d}"


def document_month(node) -> str:
    date = _local_date(node)
    return f"{date.year:04d}-{date.month:02d}"


def _sorted(counter: Counter, labels=None, by_count=True) -> list[FacetValue]:
    labels = labels or {}
    pairs = counter.items()
    if by_count:
        ordered = sorted(pairs, key=lambda kv: (-kv[1], str(labels.get(kv[0], kv[0])).lower()))
    else:
        ordered = sorted(pairs, key=lambda kv: kv[0], reverse=True)
    return [FacetValue(value, count, labels.get(value, value)) for value, count in ordered]


def count_facets(dbsession, nodes, editable=()) -> FacetCounts:
    from tavolo.content.registry import TYPES
    from tavolo.workflow.states import state_title

    nodes = list(nodes)
    types = Counter(node.type for node in nodes)
    years = Counter(document_year(node) for node in nodes)
    months = Counter(document_month(node) for node in nodes)
    organisations = Counter(
        str(node.responsible_organisation_id)
        for node in nodes
        if node.responsible_organisation_id is not None
    )
    # Tags count case-insensitively (the index lowercases them) and show as first written.
    tag_counts: Counter = Counter()
    tag_labels: dict[str, str] = {}
    for node in nodes:
        for tag in {t for t in node.tags}:
            key = tag.lower()
            tag_counts[key] += 1
            tag_labels.setdefault(key, tag)
    names = {}
    if organisations:
        rows = dbsession.execute(
            select(Organisation.id, Organisation.name).where(
                Organisation.id.in_([int(i) for i in organisations])
            )
        )
        names = {str(i): name for i, name in rows}
    states = Counter(node.state for node in editable)
    return FacetCounts(
        type=_sorted(types, {k: TYPES[k].title for k in types if k in TYPES}),
        year=_sorted(years, by_count=False),
        month=_sorted(months, by_count=False),
        organisation=_sorted(organisations, names),
        # The URL carries the tag as written; the filter lowercases it again.
        tag=[FacetValue(v.label, v.count, v.label) for v in _sorted(tag_counts, tag_labels)][
            :MAX_TAGS
        ],
        state=_sorted(states, {k: state_title(k) for k in states}),
    )
