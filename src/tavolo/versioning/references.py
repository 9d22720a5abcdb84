"""Names for the references a snapshot holds (related items, a news item's image, the
responsible organisation), which a comparison shows as "before -> after"."""

from __future__ import annotations

from sqlalchemy import select

from tavolo.accounts.models import Organisation
from tavolo.content.models import Node
from tavolo.i18n import _

GONE = _("Elemento non più disponibile")


def describer(request):
    """``describe(name, value)`` for ``tavolo.versioning.diff.compare``."""

    def describe(name, value):
        ids = value if isinstance(value, list) else [value]
        if name == "responsible_organisation_id":
            rows = select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))
        else:
            # Only titles of live items: a trashed one may be out of the editor's sight.
            rows = select(Node.id, Node.title).where(Node.id.in_(ids), Node.trashed_at.is_(None))
        names = dict(request.dbsession.execute(rows).all())
        localizer = request.localizer
        return ", ".join(names.get(i) or localizer.translate(GONE) for i in ids)

    return describe
