"""``@@amministrazione`` on the site root, for Managers (``manage``): where the header's
"Amministrazione" link leads, one card for each administration page.

The pages it links to check ``manage`` themselves; this page only gathers them.
"""

from __future__ import annotations

from pyramid.view import view_config
from sqlalchemy import func, select

from tavolo.accounts.models import Group, Organisation, User
from tavolo.content.models import Node
from tavolo.security.roles import MANAGE
from tavolo.web.placement import require_site_root

VIEW_NAME = "amministrazione"
TEMPLATE = "tavolo:templates/accounts/admin_home.pt"


class AdministrationOverview:
    """The few counts the page shows: one cheap COUNT each, no listing."""

    def __init__(self, dbsession):
        self.dbsession = dbsession

    def _count(self, model, *where) -> int:
        return self.dbsession.scalar(select(func.count()).select_from(model).where(*where))

    def active_users(self) -> int:
        return self._count(User, User.active.is_(True))

    def organisations_in_network(self) -> int:
        # Retired organisations are kept for the record, but no longer in the network.
        return self._count(Organisation, Organisation.retired.is_(None))

    def groups(self) -> int:
        return self._count(Group)


@view_config(
    context=Node, name=VIEW_NAME, request_method="GET", renderer=TEMPLATE, permission=MANAGE
)
def administration_home(context, request):
    require_site_root(context)
    overview = AdministrationOverview(request.dbsession)
    return {
        "active_users": overview.active_users(),
        "organisations": overview.organisations_in_network(),
        "groups": overview.groups(),
    }
