"""Pagination of long listings: ``?page=N``, clamped to the pages that exist."""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import urlencode


@dataclass(frozen=True)
class Page:
    number: int
    size: int
    total: int

    @classmethod
    def from_request(cls, request, total: int, size: int) -> Page:
        try:
            number = int(request.GET.get("page", "1"))
        except ValueError:
            number = 1
        pages = max(1, math.ceil(total / size))
        return cls(number=min(max(number, 1), pages), size=size, total=total)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    def window(self, around: int = 2) -> list[int | None]:
        """The page numbers to offer: the first, the last and ``around`` on each side of
        the current one; ``None`` marks a gap. A folder of 5,000 items has 100 pages of 50:
        a link to each would bury the current one."""
        wanted = {1, self.pages, *range(self.number - around, self.number + around + 1)}
        numbers = sorted(n for n in wanted if 1 <= n <= self.pages)
        shown: list[int | None] = []
        for number in numbers:
            if shown and number - shown[-1] > 1:
                # A gap of exactly one page shows that page rather than an ellipsis.
                shown.append(number - 1 if number - shown[-1] == 2 else None)
            shown.append(number)
        return shown

    def url(self, request, number: int) -> str:
        query = {k: v for k, v in request.GET.items() if k != "page"}
        query["page"] = str(number)
        return f"{request.path_url}?{urlencode(query)}"
