"""Navigation beyond the main menu: the ``@@sitemap`` page and ``/sitemap.xml``.

The main menu and breadcrumbs live in ``tavolo.web.layout``. The sitemap page shows the tree
the viewer may see, to a limited depth and with a cap per folder (a folder of thousands of
news items links to itself instead). ``/sitemap.xml`` (a public contract: the URL stays)
lists what an anonymous visitor may see, walking the tree one query per level.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

from pyramid.httpexceptions import HTTPNotFound
from pyramid.response import Response
from pyramid.view import view_config
from sqlalchemy import select

from tavolo.content.models import Folder, Legislation, Node
from tavolo.content.services import ContentService
from tavolo.content.tree import ROOT_PATH
from tavolo.feeds.access import anonymous_reader
from tavolo.security.listing import visible_children_clause, visible_children_clause_for
from tavolo.security.roles import VIEW

SITEMAP_VIEW = "sitemap"
SITEMAP_XML = "sitemap.xml"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
SITEMAP_DEPTH = 3  # levels below the root shown on the sitemap page
SITEMAP_PER_FOLDER = 30  # children listed per folder before "and N more"
SITEMAP_FOLDERS = 200  # folders expanded in all, so the page stays light
SITEMAP_XML_LIMIT = 50_000  # the sitemaps.org limit of URLs per file
_BATCH = 500
# Types that hold content the sitemaps descend into.
_FOLDERISH = (Folder, Legislation)
# A link node only redirects elsewhere: search engines want the pages themselves.
_NOT_IN_SITEMAP_XML = frozenset({"link"})


@dataclass
class SitemapEntry:
    node: Node
    children: list[SitemapEntry] = field(default_factory=list)
    more: int = 0  # visible children not listed


def _require_root(context) -> None:
    if context.path != ROOT_PATH:
        raise HTTPNotFound()


def sitemap_tree(request, root: Node) -> list[SitemapEntry]:
    """The visible tree under ``root``, breadth first, within the page's limits."""
    service = ContentService(request.dbsession)
    top = SitemapEntry(root)
    queue = [(top, 0)]
    expanded = 0
    while queue and expanded < SITEMAP_FOLDERS:
        entry, depth = queue.pop(0)
        expanded += 1
        where = visible_children_clause(request, entry.node)
        children = service.children(entry.node, where=where, limit=SITEMAP_PER_FOLDER + 1)
        if len(children) > SITEMAP_PER_FOLDER:
            children = children[:SITEMAP_PER_FOLDER]
            entry.more = service.count_children(entry.node, where) - SITEMAP_PER_FOLDER
        entry.children = [SitemapEntry(child) for child in children]
        if depth + 1 < SITEMAP_DEPTH:
            queue.extend(
                (child, depth + 1) for child in entry.children if isinstance(child.node, _FOLDERISH)
            )
    return top.children


@view_config(
    context=Folder,
    name=SITEMAP_VIEW,
    request_method="GET",
    renderer="tavolo:templates/content/sitemap.pt",
    permission=VIEW,
)
def sitemap_page(context, request):
    _require_root(context)
    return {"entries": sitemap_tree(request, context)}


def public_nodes(dbsession, root: Node, limit: int = SITEMAP_XML_LIMIT):
    """(path, modified) of what an anonymous visitor may see, the root first.

    The anonymous visitor holds no local role and owns nothing, so whether a child is
    visible does not depend on its folder: one condition serves every level.
    """
    reader = anonymous_reader(dbsession)
    if not reader.may_view(root):
        return []
    visible = visible_children_clause_for(reader.calculator, root)
    found = [(root.path, root.modified)]
    level = [root.id]
    while level and len(found) < limit:
        next_level = []
        for start in range(0, len(level), _BATCH):
            rows = dbsession.execute(
                select(Node.id, Node.path, Node.modified, Node.type)
                .where(
                    Node.parent_id.in_(level[start : start + _BATCH]),
                    Node.trashed_at.is_(None),
                    visible,
                )
                .order_by(Node.path)
            )
            for node_id, path, modified, type_name in rows:
                next_level.append(node_id)
                if type_name not in _NOT_IN_SITEMAP_XML:
                    found.append((path, modified))
        level = next_level
    return found[:limit]


def _w3c_datetime(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="seconds")


@view_config(context=Folder, name=SITEMAP_XML, request_method="GET", permission=VIEW)
def sitemap_xml(context, request):
    _require_root(context)
    ET.register_namespace("", SITEMAP_NS)
    urlset = ET.Element(f"{{{SITEMAP_NS}}}urlset")
    base = request.application_url
    for path, modified in public_nodes(request.dbsession, context):
        url = ET.SubElement(urlset, f"{{{SITEMAP_NS}}}url")
        ET.SubElement(url, f"{{{SITEMAP_NS}}}loc").text = base + path
        ET.SubElement(url, f"{{{SITEMAP_NS}}}lastmod").text = _w3c_datetime(modified)
    body = ET.tostring(urlset, encoding="utf-8", xml_declaration=True)
    response = Response(body=body, content_type="application/xml", charset="utf-8")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
