"""The Vademecum in the public area: editions the prefecture published there.

* ``public_data``: what a visitor may read of an edition. A section's network contact
  person is a named employee: their name, direct phone and personal e-mail are left out
  unless their organisation marked them public (``contact_person.public``); their role
  stays (it is the office's, not the person's). The filtering is done here, on the server,
  for the page and the exports alike: nothing hidden ever reaches the visitor's browser.
  Documents are listed by title only: the items behind them may be reserved. Who approved
  a section, and who published the edition, are prefecture staff: not shown either (the
  dates are).
* ``/vademecum-pubblico``: the public editions; ``/vademecum-pubblico/<edition id>`` one of
  them, ``.../<edition id>/pdf`` and ``.../docx`` its exports. A view of the site root
  (its name is reserved like every view's), so traversal needs nothing new; an edition
  that is not (or no longer) public answers 404, like one that does not exist.
"""

from __future__ import annotations

import copy

from pyramid.httpexceptions import HTTPNotFound
from pyramid.view import view_config

from tavolo.content.models import Node
from tavolo.security.roles import VIEW
from tavolo.vademecum.editions import EditionService

PUBLIC_VIEW = "vademecum-pubblico"
PERSONAL_FIELDS = ("name", "phone", "email")


def public_data(data: dict) -> dict:
    """A copy of an edition's data fit for the public area (see the module docstring)."""
    result = copy.deepcopy(data)
    # Where the guide lives in the reserved area is none of the visitors' business.
    (result.get("vademecum") or {}).pop("path", None)
    for section in result.get("sections", []):
        person = section.get("contact_person") or {}
        if not person.get("public"):
            for name in PERSONAL_FIELDS:
                if name in person:
                    person[name] = ""
        section["approved_by"] = ""
        for document in section.get("documents") or []:
            document.pop("node_id", None)
    return result


def public_url(request, edition, *elements) -> str:
    return "/".join([request.application_url, PUBLIC_VIEW, str(edition.id), *elements])


def _require_root(context) -> None:
    if context.parent_id is not None:
        raise HTTPNotFound()


def _public_edition(request):
    subpath = request.subpath
    service = EditionService(request.dbsession)
    edition = service.get_public(subpath[0]) if subpath else None
    if edition is None:
        raise HTTPNotFound()
    vademecum = request.dbsession.get(Node, edition.vademecum_id)
    if vademecum is None or vademecum.trashed_at is not None:
        raise HTTPNotFound()
    return service, edition, vademecum


@view_config(context=Node, name=PUBLIC_VIEW, request_method=("GET", "HEAD"), permission=VIEW)
def public_dispatch(context, request):
    """The public area's Vademecum pages (the site root's view; see the module docstring)."""
    from tavolo.vademecum.edition_views import edition_download, edition_page

    _require_root(context)
    subpath = request.subpath
    if not subpath:
        return _index(context, request)
    if len(subpath) > 2:
        raise HTTPNotFound()
    service, edition, vademecum = _public_edition(request)
    data = public_data(service.data(edition))
    if len(subpath) == 2:
        return edition_download(request, vademecum, edition, data, subpath[1], public=True)
    return edition_page(request, vademecum, edition, data, public=True)


def _index(context, request):
    from pyramid.renderers import render_to_response

    editions = EditionService(request.dbsession).public_editions()
    titles = {}
    for edition in editions:
        titles[edition.id] = EditionService.data(edition).get("vademecum", {}).get("title", "")
    return render_to_response(
        "tavolo:templates/vademecum/public_index.pt",
        {
            "editions": editions,
            "titles": titles,
            "edition_url": lambda edition: public_url(request, edition),
        },
        request=request,
    )
