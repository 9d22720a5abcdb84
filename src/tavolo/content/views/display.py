"""What the display templates need besides the item itself: the type's name, the date of a
news item, an event's time span in words, a file's size, the related items and the image
the viewer may see.

One ``ContentDisplay`` per rendered page, given to the templates as ``display``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cached_property

from babel.dates import format_date as babel_format_date
from babel.dates import format_time as babel_format_time
from babel.numbers import format_decimal
from pyramid.renderers import get_renderer
from sqlalchemy import select

from tavolo.accounts.models import Organisation, User
from tavolo.content.listings import document_date, may_view
from tavolo.content.models import Event, Image, NewsItem, Node, NodeRelation
from tavolo.content.registry import TYPES
from tavolo.content.tree import attach_lineages
from tavolo.files.downloads import media_type
from tavolo.files.scales import scaled_size
from tavolo.i18n import _
from tavolo.i18n.dates import SITE_TIMEZONE, format_date, format_datetime

MACROS_TEMPLATE = "tavolo:templates/content/macros.pt"
_BABEL_LOCALES = {"it": "it_IT", "en": "en_GB"}
_SIZE_UNITS = ("kB", "MB", "GB", "TB")
# Pictures the files package makes previews of.
SCALED_TYPES = frozenset({"image/png", "image/jpeg"})


def babel_locale(locale: str) -> str:
    return _BABEL_LOCALES.get(locale, "it_IT")


def human_size(size: int | None, locale: str = "it") -> tuple[str, str | None]:
    """``(number, unit)`` of a size in bytes, in binary multiples: ``("1,2", "MB")``;
    below a kilobyte ``("512", None)`` (the template says "byte")."""
    size = max(int(size or 0), 0)
    if size < 1024:
        return format_decimal(size, locale=babel_locale(locale)), None
    value = float(size)
    for unit in _SIZE_UNITS:
        value /= 1024
        if value < 1024 or unit == _SIZE_UNITS[-1]:
            break
    return format_decimal(round(value, 1), format="#,##0.#", locale=babel_locale(locale)), unit


def format_time(value: dt.datetime, locale: str = "it") -> str:
    return babel_format_time(value, "HH:mm", tzinfo=SITE_TIMEZONE, locale=babel_locale(locale))


def format_day(value: dt.datetime, locale: str = "it") -> str:
    """The day with its weekday: "giovedì 21 marzo 2024", "Thursday 21 March 2024"."""
    return babel_format_date(local_date(value), "EEEE d MMMM y", locale=babel_locale(locale))


def local_date(value: dt.datetime) -> dt.date:
    return value.astimezone(SITE_TIMEZONE).date()


def event_span(event: Event, locale: str = "it"):
    """An event's time in words: one day ("giovedì 21 marzo 2024, dalle 10:00 alle 12:00"),
    several days ("dal 21 marzo 2024 al 23 marzo 2024"), whole days without times."""
    start, end = event.start, event.end or event.start
    if end < start:
        end = start
    same_day = local_date(start) == local_date(end)
    if event.whole_day:
        if same_day:
            return format_day(start, locale)
        return _(
            "dal ${start} al ${end}",
            mapping={"start": format_date(start, locale), "end": format_date(end, locale)},
        )
    if start == end:
        return format_datetime(start, locale)
    if same_day:
        return _(
            "${date}, dalle ${start} alle ${end}",
            mapping={
                "date": format_day(start, locale),
                "start": format_time(start, locale),
                "end": format_time(end, locale),
            },
        )
    return _(
        "dal ${start} al ${end}",
        mapping={"start": format_datetime(start, locale), "end": format_datetime(end, locale)},
    )


def news_date(item: NewsItem) -> dt.datetime:
    """The date a news item is shown with: its effective date, else its creation."""
    return item.effective or item.created


@dataclass(frozen=True)
class About:
    organisation: str | None
    creator: str | None


class ContentDisplay:
    def __init__(self, context, request):
        self.context = context
        self.request = request

    @cached_property
    def macros(self):
        return get_renderer(MACROS_TEMPLATE).implementation()

    @property
    def locale(self) -> str:
        return self.request.locale_name

    def translate(self, message) -> str:
        return self.request.localizer.translate(message)

    # facts about one item ------------------------------------------------------------
    def type_title(self, node: Node) -> str:
        info = TYPES.get(node.type)
        return self.translate(info.title) if info is not None else node.type

    def news_date(self, item: NewsItem) -> dt.datetime:
        return news_date(item)

    def document_date(self, node: Node) -> dt.datetime:
        """The date "latest documents" shows and sorts by."""
        return document_date(node)

    def event_span(self, event: Event) -> str:
        return self.translate(event_span(event, self.locale))

    def iso(self, value: dt.datetime, whole_day: bool = False) -> str:
        """For ``<time datetime>``: the day alone for whole-day events."""
        return local_date(value).isoformat() if whole_day else value.isoformat()

    def size(self, size: int | None) -> str:
        number, unit = human_size(size, self.locale)
        if unit is None:
            return self.translate(_("${size} byte", mapping={"size": number}))
        return f"{number}\N{NO-BREAK SPACE}{unit}"

    @staticmethod
    def phone_uri(phone: str) -> str:
        """``+39 0187 123456`` -> ``+390187123456`` for a ``tel:`` link."""
        return "".join(ch for ch in phone or "" if ch.isdigit() or ch == "+")

    @staticmethod
    def paragraphs(text: str) -> list[str]:
        """Plain text as paragraphs, split at blank lines."""
        return [p.strip() for p in re.split(r"\n\s*\n", text or "") if p.strip()]

    def url(self, node: Node, view: str = "") -> str:
        url = self.request.resource_url(node)
        return f"{url}@@{view}" if view else url

    def picture(self, image: Image, scale: str) -> dict:
        """``src``, ``width`` and ``height`` for the ``<img>`` of an image's preview
        (``thumbnail``, ``listing``, ``large``); the size is computed from the stored
        one, so no file is opened. Pictures that have no previews (rows of other types)
        are shown as they are."""
        if media_type(image.content_type) in SCALED_TYPES and image.width and image.height:
            longest = self.request.registry["tavolo.scales"].sizes[scale]
            width, height = scaled_size(image.width, image.height, longest)
            return {"src": self.url(image, f"image/{scale}"), "width": width, "height": height}
        return {"src": self.url(image, "image"), "width": image.width, "height": image.height}

    # what the viewer may see ----------------------------------------------------------
    def _visible(self, node: Node | None) -> bool:
        return node is not None and may_view(self.request, node)

    @cached_property
    def related(self) -> list[Node]:
        """The related items of the context the viewer may see, in their order."""
        if not isinstance(self.context, Node):
            return []
        targets = self.request.dbsession.scalars(
            select(Node)
            .join(NodeRelation, NodeRelation.target_id == Node.id)
            .where(NodeRelation.source_id == self.context.id, Node.trashed_at.is_(None))
            .order_by(NodeRelation.position, Node.id)
        )
        return [node for node in targets if self._visible(node)]

    @cached_property
    def about(self) -> About:
        """Who answers for the item and who made it. The author's name is for logged-in
        partners only: visitors see the organisation, not the staff behind it."""
        context = self.context
        organisation = creator = None
        if context.responsible_organisation_id is not None:
            organisation = self.request.dbsession.scalar(
                select(Organisation.name).where(
                    Organisation.id == context.responsible_organisation_id
                )
            )
        if context.owner_id is not None and self.request.identity is not None:
            creator = self.request.dbsession.scalar(
                select(User.fullname).where(User.id == context.owner_id)
            )
        return About(organisation=organisation, creator=creator)

    @cached_property
    def image(self) -> Image | None:
        """A news item's image, if the viewer may see it."""
        image_id = getattr(self.context, "image_id", None)
        if image_id is None:
            return None
        image = self.request.dbsession.get(Image, image_id)
        if image is not None:
            # Usually beside the news item: its ancestors are the item's, already loaded.
            attach_lineages(self.request.dbsession, [image], known=self.context.lineage)
        return image if self._visible(image) else None
