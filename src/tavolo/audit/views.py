"""``@@audit`` and ``@@audit.csv`` on the site root, for Managers only. Both are GET-only:
the trail offers no way to change or remove an entry."""

from __future__ import annotations

from pyramid.response import Response
from pyramid.view import view_config

from tavolo.audit.export import to_csv
from tavolo.audit.service import EVENT_TYPES, AuditFilter, AuditService
from tavolo.content.models import Node
from tavolo.db import utcnow
from tavolo.i18n.dates import SITE_TIMEZONE
from tavolo.security.roles import MANAGE
from tavolo.web.pagination import Page
from tavolo.web.placement import require_site_root

VIEW_NAME = "audit"
CSV_VIEW_NAME = "audit.csv"
TEMPLATE = "tavolo:templates/audit/audit.pt"
PAGE_SIZE = 50
# An export is built in memory before the transaction ends; beyond this, narrow the period.
EXPORT_LIMIT = 100_000


@view_config(
    context=Node, name=VIEW_NAME, request_method="GET", renderer=TEMPLATE, permission=MANAGE
)
def audit_view(context, request):
    require_site_root(context)
    audit_filter, bad = AuditFilter.from_params(request.GET)
    service = AuditService(request.dbsession)
    listing = Page.from_request(request, total=service.count(audit_filter), size=PAGE_SIZE)
    query = audit_filter.as_params()
    return {
        "entries": service.entries(audit_filter, offset=listing.offset, limit=listing.size),
        "listing": listing,
        "audit_filter": audit_filter,
        "invalid_fields": bad,
        "event_types": EVENT_TYPES,
        "action_url": request.resource_url(context, f"@@{VIEW_NAME}"),
        "csv_url": request.resource_url(context, f"@@{CSV_VIEW_NAME}", query=query),
    }


@view_config(context=Node, name=CSV_VIEW_NAME, request_method="GET", permission=MANAGE)
def audit_csv(context, request):
    require_site_root(context)
    audit_filter, _bad = AuditFilter.from_params(request.GET)
    entries = AuditService(request.dbsession).entries(audit_filter, limit=EXPORT_LIMIT)
    body = to_csv(entries, request.localizer.translate, EVENT_TYPES)
    stamp = utcnow().astimezone(SITE_TIMEZONE).strftime("%Y%m%d-%H%M")
    response = Response(
        body=body,
        content_type="text/csv",
        charset="utf-8",
        content_disposition=f'attachment; filename="registro-attivita-{stamp}.csv"',
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
