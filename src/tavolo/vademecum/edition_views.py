"""Editions of a Vademecum on the web (views of the Vademecum):

* ``@@edizioni``: the editions, newest first, and the form that publishes the next one;
* ``@@pubblica-edizione`` (POST): publish edition N (Managers and the Vademecum's
  Reviewers); a publish based on an outdated list gets a 409 page, not a second edition;
* ``@@edizione?n=N``: edition N as it was published, with its fingerprint;
* ``@@esporta-edizione?n=N&formato=pdf|docx``: its exports (attachments, ``nosniff``);
* ``@@confronta-edizioni?da=N&a=M``: what changed between two editions;
* ``@@edizione-pubblica?n=N``: show it in the public area or withdraw it, each after a
  confirmation page (POST).

Reading needs VIEW on the Vademecum (whoever may read the guide may read its editions);
publishing needs the role Manager or Reviewer there (``may_publish``). Every change is a
POST with the CSRF token; GET writes nothing. The logic is in ``EditionService``.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from pyramid.httpexceptions import HTTPBadRequest, HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.view import view_config

from tavolo.content.richtext import plain_text, sanitise_html
from tavolo.security.policy import calculator_for
from tavolo.security.roles import MANAGER, REVIEWER, VIEW
from tavolo.vademecum.edition_compare import compare_editions
from tavolo.vademecum.editions import NOTE_MAX_LENGTH, EditionConflict, EditionService
from tavolo.vademecum.export import FORMATS, RECENT, export_response, render
from tavolo.vademecum.export.document import build_document
from tavolo.vademecum.models import Vademecum

EDITION_TEMPLATE = "tavolo:templates/vademecum/edition.pt"
EDITIONS_TEMPLATE = "tavolo:templates/vademecum/editions.pt"
PUBLISHERS = frozenset({MANAGER, REVIEWER})
QUERY_MAX_LENGTH = 200


def includeme(config):
    """Registers the editions, the consolidated view and the public area's pages."""
    config.scan("tavolo.vademecum.edition_views")
    config.scan("tavolo.vademecum.consolidated_views")
    config.scan("tavolo.vademecum.public")


def may_publish(request, vademecum) -> bool:
    """Managers, and Reviewers on the Vademecum (a local grant or a global role), who may
    also see it: the prefecture."""
    if request.identity is None or not request.has_permission(VIEW, vademecum):
        return False
    return bool(calculator_for(request).roles_on(vademecum) & PUBLISHERS)


def _require_publisher(context, request) -> None:
    if not may_publish(request, context):
        raise HTTPForbidden()


def _edition(context, request, key: str = "n"):
    service = EditionService(request.dbsession)
    edition = service.get(context, request.params.get(key))
    if edition is None:
        raise HTTPNotFound()
    return service, edition


# searching and displaying ------------------------------------------------------------------
def fold(text: str) -> str:
    """Lower case without accents: "Città" and "citta" are the same word to a reader."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def query_words(request) -> list[str]:
    return fold(request.GET.get("q", "")[:QUERY_MAX_LENGTH]).split()


def _words_of(value) -> list[str]:
    if isinstance(value, dict):
        return [w for v in value.values() for w in _words_of(v)]
    if isinstance(value, list):
        return [w for v in value for w in _words_of(v)]
    if isinstance(value, str):
        return [plain_text(value) if "<" in value else value]
    return []


def entry_text(entry: dict) -> str:
    """What a reader can read of a chapter or section, folded, for searching within."""
    keep = {k: v for k, v in entry.items() if k not in ("node_id", "position", "key")}
    return fold(" ".join(_words_of(keep)))


def matches(entry: dict, words: list[str]) -> bool:
    text = entry_text(entry)
    return all(word in text for word in words)


def _as_date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def display_data(data: dict, words: list[str]) -> dict:
    """The data as the page shows it: rich text sanitised again (a stored snapshot is only
    as clean as the sanitiser of its day) and, when searching, only what matches. Anchors
    follow the full order, so a link to a section stays the same whatever is searched."""
    chapters = [
        {**c, "body": sanitise_html(c.get("body")), "anchor": f"capitolo-{i + 1}"}
        for i, c in enumerate(data.get("chapters") or [])
        if not words or matches(c, words)
    ]
    sections = [
        {
            **s,
            "competences": sanitise_html(s.get("competences")),
            "network_role": sanitise_html(s.get("network_role")),
            "anchor": f"sezione-{i + 1}",
            "checked_date": _as_date(s.get("last_checked")),
            "approved_date": _as_date(s.get("approved_at")),
        }
        for i, s in enumerate(data.get("sections") or [])
        if not words or matches(s, words)
    ]
    return {
        "vademecum": data.get("vademecum") or {},
        "chapters": chapters,
        "sections": sections,
        "total": len(data.get("chapters") or []) + len(data.get("sections") or []),
    }


def _export_url(request, vademecum, edition, fmt: str, public: bool) -> str:
    if public:
        from tavolo.vademecum.public import public_url

        return public_url(request, edition, fmt)
    return request.resource_url(
        vademecum, "@@esporta-edizione", query={"n": edition.number, "formato": fmt}
    )


def edition_page(request, vademecum, edition, data: dict, *, public: bool):
    """The page of an edition, reserved or public (the public data comes filtered)."""
    words = query_words(request)
    service = EditionService(request.dbsession)
    page = {
        "vademecum": vademecum,
        "edition": edition,
        "doc": display_data(data, words),
        "q": request.GET.get("q", "")[:QUERY_MAX_LENGTH],
        "searching": bool(words),
        "public": public,
        "verified": service.verify(edition),
        "exports": [
            (fmt, _export_url(request, vademecum, edition, fmt, public)) for fmt in FORMATS
        ],
        "may_publish": not public and may_publish(request, vademecum),
        "editions": [] if public else service.editions(vademecum),
        "action": request.path_url,
        # The reserved page is ``@@edizione?n=N``: a search within must keep the number.
        "hidden": {} if public else {"n": edition.number},
        "show_all": request.path_url
        if public
        else request.resource_url(vademecum, "@@edizione", query={"n": edition.number}),
    }
    return render_to_response(EDITION_TEMPLATE, page, request=request)


def edition_download(request, vademecum, edition, data: dict, fmt: str, *, public: bool):
    if fmt not in FORMATS:
        raise HTTPNotFound()
    publisher = request.registry.settings.get("tavolo.prefecture", "")
    locale = request.locale_name

    def make():
        document = build_document(
            edition,
            data,
            publisher=publisher,
            locale=locale,
            translate=request.localizer.translate,
        )
        return render(document, fmt)

    # Everything the bytes depend on: the edition's (frozen) fields, the filtering, the
    # format, the language of the labels and the publisher's name.
    key = (
        edition.id,
        edition.number,
        edition.published_at,
        edition.note,
        edition.sha256,
        public,
        fmt,
        locale,
        publisher,
    )
    body, content_type, extension = RECENT.get_or_render(key, make)
    suffix = "-pubblica" if public else ""
    filename = f"vademecum-edizione-{edition.number}{suffix}.{extension}"
    return export_response(body, content_type, filename)


# views --------------------------------------------------------------------------------------
def _list_page(context, request, **values) -> dict:
    service = EditionService(request.dbsession)
    page = {
        "editions": service.editions(context),
        "latest": service.latest_number(context),
        "may_publish": may_publish(request, context),
        "note": "",
        "note_max": NOTE_MAX_LENGTH,
        "conflict": None,
    }
    page.update(values)
    return page


@view_config(
    context=Vademecum,
    name="edizioni",
    permission=VIEW,
    request_method=("GET", "HEAD"),
    renderer=EDITIONS_TEMPLATE,
)
def editions_view(context, request):
    return _list_page(context, request)


@view_config(
    context=Vademecum,
    name="pubblica-edizione",
    permission=VIEW,
    request_method="POST",
    renderer=EDITIONS_TEMPLATE,
)
def publish_view(context, request):
    _require_publisher(context, request)
    note = request.POST.get("note", "")
    latest = request.POST.get("latest", "")
    try:
        expected = int(latest) if latest != "" else None
    except ValueError:
        raise HTTPBadRequest() from None
    try:
        edition = EditionService(request.dbsession).publish(
            context, request.identity, note, expected_latest=expected
        )
    except EditionConflict as conflict:
        # Someone published meanwhile (or the form was sent twice): show the list as it is
        # now; the user decides whether a further edition is wanted.
        request.response.status_int = 409
        return _list_page(context, request, note=note, conflict=conflict.latest)
    return HTTPSeeOther(
        location=request.resource_url(context, "@@edizione", query={"n": edition.number})
    )


@view_config(
    context=Vademecum, name="pubblica-edizione", permission=VIEW, request_method=("GET", "HEAD")
)
def publish_get_view(context, request):
    # The form lives on the list; a GET here only sends the user there.
    return HTTPSeeOther(location=request.resource_url(context, "@@edizioni"))


@view_config(context=Vademecum, name="edizione", permission=VIEW, request_method=("GET", "HEAD"))
def edition_view(context, request):
    service, edition = _edition(context, request)
    return edition_page(request, context, edition, service.data(edition), public=False)


@view_config(
    context=Vademecum, name="esporta-edizione", permission=VIEW, request_method=("GET", "HEAD")
)
def export_view(context, request):
    service, edition = _edition(context, request)
    fmt = request.params.get("formato", "")
    return edition_download(request, context, edition, service.data(edition), fmt, public=False)


@view_config(
    context=Vademecum,
    name="confronta-edizioni",
    permission=VIEW,
    request_method=("GET", "HEAD"),
    renderer="tavolo:templates/vademecum/edition_compare.pt",
)
def compare_view(context, request):
    service = EditionService(request.dbsession)
    first = service.get(context, request.params.get("da"))
    second = service.get(context, request.params.get("a"))
    if first is None or second is None or first.id == second.id:
        raise HTTPNotFound()
    older, newer = sorted((first, second), key=lambda edition: edition.number)
    return {
        "older": older,
        "newer": newer,
        "changes": compare_editions(
            service.data(older), service.data(newer), translate=request.localizer.translate
        ),
    }


@view_config(
    context=Vademecum,
    name="edizione-pubblica",
    permission=VIEW,
    renderer="tavolo:templates/vademecum/edition_public.pt",
)
def public_toggle_view(context, request):
    _require_publisher(context, request)
    service, edition = _edition(context, request)
    back = request.resource_url(context, "@@edizione", query={"n": edition.number})
    if request.method != "POST":
        return {"edition": edition, "back": back}
    if "cancel" in request.POST:
        return HTTPSeeOther(location=back)
    action = request.POST.get("action")
    if action not in ("publish", "unpublish"):
        raise HTTPBadRequest()
    service.set_public(edition, request.identity, action == "publish")
    return HTTPSeeOther(location=back)
