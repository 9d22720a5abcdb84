"""What every page's layout needs: site identity, navigation, breadcrumbs, the user menu."""

from __future__ import annotations

from functools import cached_property

from pyramid.csrf import get_csrf_token
from pyramid.events import BeforeRender, subscriber
from pyramid.renderers import get_renderer
from sqlalchemy import and_

from tavolo.content.models import Node
from tavolo.content.services import ContentService
from tavolo.feeds.views import alternate_links
from tavolo.i18n import LANGUAGE_NAMES, LOCALES
from tavolo.i18n.dates import format_date, format_datetime
from tavolo.security.listing import visible_children_clause
from tavolo.security.roles import MANAGE

LAYOUT_TEMPLATE = "tavolo:templates/layout.pt"
MACROS_TEMPLATE = "tavolo:templates/macros.pt"
NAVIGATION_LIMIT = 8


class Layout:
    def __init__(self, context, request):
        self.context = context
        self.request = request
        self.settings = request.registry.settings

    # site identity ------------------------------------------------------------------
    @property
    def site_name(self) -> str:
        return self.settings.get("tavolo.site_name", "Consiglio Territoriale per l'Immigrazione")

    @property
    def prefecture(self) -> str:
        return self.settings.get("tavolo.prefecture", "Prefettura della Spezia")

    @property
    def contact_email(self) -> str:
        return self.settings.get("tavolo.contact_email", "")

    @property
    def contact_pec(self) -> str:
        return self.settings.get("tavolo.contact_pec", "")

    @property
    def contact_address(self) -> str:
        return self.settings.get("tavolo.contact_address", "")

    @cached_property
    def main_template(self):
        return get_renderer(LAYOUT_TEMPLATE).implementation()

    @cached_property
    def macros(self):
        return get_renderer(MACROS_TEMPLATE).implementation()

    # request state ------------------------------------------------------------------
    @cached_property
    def user(self):
        # Error views may run after the transaction was aborted; the identity is resolved
        # before it (see accounts.sessions), so this stays safe to ask.
        try:
            return self.request.identity
        except Exception:  # noqa: BLE001 - a broken request must still render its error page
            return None

    @cached_property
    def can_manage(self) -> bool:
        """Whether the header offers "Amministrazione": Managers of the site root only (the
        pages behind it check the permission themselves; this only avoids a dead link)."""
        if self.user is None or self.root is None:
            return False
        try:
            return bool(self.request.has_permission(MANAGE, self.root))
        except Exception:  # noqa: BLE001 - an error page must render without a database
            return False

    @cached_property
    def csrf_token(self) -> str:
        return get_csrf_token(self.request)

    @property
    def locale(self) -> str:
        return self.request.locale_name

    @property
    def languages(self):
        return [(code, LANGUAGE_NAMES[code], code == self.locale) for code in LOCALES]

    @property
    def current_path(self) -> str:
        return self.request.path_qs

    def static(self, path: str) -> str:
        return self.request.static_url(f"{self.settings['tavolo.static_dir']}/{path}")

    def format_datetime(self, value) -> str:
        return format_datetime(value, self.locale)

    def format_date(self, value) -> str:
        return format_date(value, self.locale)

    # navigation ---------------------------------------------------------------------
    @cached_property
    def root(self) -> Node | None:
        if isinstance(self.context, Node):
            return self.context.lineage[0]
        try:
            return ContentService(self.request.dbsession).root()
        except Exception:  # noqa: BLE001 - an error page must render without a database
            return None

    @cached_property
    def navigation(self) -> list[dict]:
        """The root's children the caller may see, as the main menu."""
        root = self.root
        if root is None:
            return []
        try:
            where = and_(
                visible_children_clause(self.request, root), Node.exclude_from_nav.is_(False)
            )
            children = ContentService(self.request.dbsession).children(
                root, where=where, limit=NAVIGATION_LIMIT
            )
        except Exception:  # noqa: BLE001 - an error page must render without a database
            return []
        current = self.context.path if isinstance(self.context, Node) else ""
        return [
            {
                "title": child.title,
                "url": self.request.resource_url(child),
                "active": current.startswith(child.path),
            }
            for child in children
        ]

    @cached_property
    def alternate_links(self) -> list[dict]:
        """Feeds of this page for ``<link rel="alternate">`` (type, title, href)."""
        try:
            return alternate_links(self.context, self.request)
        except Exception:  # noqa: BLE001 - an error page must render without a database
            return []

    @property
    def breadcrumbs(self) -> list[dict]:
        if not isinstance(self.context, Node):
            return []
        return [
            {"title": node.title, "url": self.request.resource_url(node)}
            for node in self.context.lineage
        ]


@subscriber(BeforeRender)
def add_layout(event):
    request = event.get("request")
    if request is None or "layout" in event:
        return
    event["layout"] = Layout(event.get("context"), request)
