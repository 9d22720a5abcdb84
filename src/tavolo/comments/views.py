"""The discussion of an item on the web.

* ``@@commenti``: the discussion alone, a page of threads at a time;
* ``@@commento?id=N``: where comment N is (the link notices send), a redirect;
* ``@@commenta`` (``?risposta=N`` to answer comment N): the form, and POST to publish;
* ``@@modifica-commento?id=N``, ``@@elimina-commento?id=N`` (a confirmation page first):
  the author's own changes;
* ``@@modera-commento?id=N``: hide with a reason, or restore (Reviewers and Managers).

Every one is a view of the item with a permission on it, so a comment's URL answers as its
item does (404 in the trash, a login or 403 for who may not see it); the comment must be
the item's. Every change is a POST with the CSRF token (Pyramid checks it before any view
runs); GET only shows forms. The rules are in ``CommentService``.
"""

from __future__ import annotations

from pyramid.httpexceptions import HTTPBadRequest, HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from tavolo import events
from tavolo.comments import anchors
from tavolo.comments.models import DELETED
from tavolo.comments.notices import notify_comment
from tavolo.comments.service import (
    REASON_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    CommentError,
    CommentsClosed,
    CommentService,
    NotAllowed,
)
from tavolo.comments.threads import (
    PAGE_PARAM,
    CommentsSection,
    may_take_part,
    page_of,
)
from tavolo.content.models import Node
from tavolo.i18n import _
from tavolo.security.roles import COMMENT, MODERATE_COMMENTS

FORM_TEMPLATE = "tavolo:templates/comments/form.pt"


def _require_part(context, request) -> CommentService:
    # The view's permission is ``comment``; seeing the item is checked too (its dates).
    if not may_take_part(request, context):
        raise HTTPForbidden()
    return CommentService(request.dbsession)


def _comment(context, request, service: CommentService, param: str = "id"):
    comment = service.get(context, request.params.get(param))
    if comment is None:
        raise HTTPNotFound()
    return comment


def comment_url(request, node, comment) -> str:
    page = page_of(request.dbsession, node, comment)
    query = {PAGE_PARAM: page} if page > 1 else None
    return request.resource_url(node, query=query, anchor=f"commento-{comment.id}")


def _messages(request, error: CommentError | None) -> dict:
    if error is None:
        return {}
    return {error.field or "form": request.localizer.translate(error.message)}


@view_config(
    context=Node,
    name="commenti",
    permission=COMMENT,
    request_method=("GET", "HEAD"),
    renderer="tavolo:templates/comments/list.pt",
)
def comments_view(context, request):
    _require_part(context, request)
    return {"comments": CommentsSection(request, context)}


@view_config(context=Node, name="commento", permission=COMMENT, request_method=("GET", "HEAD"))
def comment_link_view(context, request):
    service = _require_part(context, request)
    comment = _comment(context, request, service)
    return HTTPSeeOther(location=comment_url(request, context, comment))


def _form_page(context, request, **values) -> dict:
    page = {
        "heading": _("Scrivi un commento"),
        "action": request.resource_url(context, "@@commenta"),
        "text": "",
        "quote": "",
        "errors": {},
        "parent": None,
        "with_quote": True,
        "submit": _("Pubblica il commento"),
        "text_max": TEXT_MAX_LENGTH,
        "quote_max": anchors.QUOTE_MAX_LENGTH,
        "locked": False,
    }
    page.update(values)
    return page


def _parent_shown(request, context, parent):
    """The comment being answered, as the viewer may see it (for the reply page)."""
    return CommentsSection(request, context).one(parent)


@view_config(
    context=Node,
    name="commenta",
    permission=COMMENT,
    renderer=FORM_TEMPLATE,
)
def post_view(context, request):
    service = _require_part(context, request)
    if not service.open_for_comments(context):
        raise HTTPForbidden()
    parent = None
    if request.params.get("risposta"):
        parent = _comment(context, request, service, "risposta")
        if parent.parent_id is not None:  # replies are one level deep: answer its thread
            parent = service.get(context, parent.parent_id)
        if parent.status == DELETED:
            raise HTTPNotFound()
    values = {}
    if parent is not None:
        values = {
            "heading": _("Rispondi a un commento"),
            "action": request.resource_url(context, "@@commenta", query={"risposta": parent.id}),
            "parent": _parent_shown(request, context, parent),
            "submit": _("Pubblica la risposta"),
        }
    if request.method != "POST":
        return _form_page(context, request, **values)
    text = request.POST.get("text", "")
    quote = request.POST.get("quote", "")
    participants = service.participants(context)
    try:
        comment = service.post(context, request.identity, text, quote, parent=parent)
    except CommentsClosed:
        raise HTTPForbidden() from None
    except CommentError as error:
        request.response.status_int = 400
        return _form_page(
            context, request, text=text, quote=quote, errors=_messages(request, error), **values
        )
    notify_comment(request, context, comment, participants)
    return HTTPSeeOther(location=comment_url(request, context, comment))


@view_config(
    context=Node,
    name="modifica-commento",
    permission=COMMENT,
    renderer=FORM_TEMPLATE,
)
def edit_view(context, request):
    service = _require_part(context, request)
    comment = _comment(context, request, service)
    if not service.is_author(comment, request.identity) or comment.status == DELETED:
        raise HTTPForbidden()
    page = _form_page(
        context,
        request,
        heading=_("Modifica il commento"),
        action=request.resource_url(context, "@@modifica-commento", query={"id": comment.id}),
        text=comment.text,
        quote=comment.quote,
        with_quote=False,
        submit=_("Salva le modifiche"),
    )
    if not service.editable(comment, request.identity) or not service.open_for_comments(context):
        # Someone answered meanwhile, or a moderator hid it: say so rather than a bare 403.
        request.response.status_int = 409
        return {**page, "locked": True}
    if request.method != "POST":
        return page
    text = request.POST.get("text", "")
    try:
        service.edit(context, comment, request.identity, text)
    except NotAllowed:
        request.response.status_int = 409
        return {**page, "locked": True}
    except CommentError as error:
        request.response.status_int = 400
        return {**page, "text": text, "errors": _messages(request, error)}
    return HTTPSeeOther(location=comment_url(request, context, comment))


@view_config(
    context=Node,
    name="elimina-commento",
    permission=COMMENT,
    renderer="tavolo:templates/comments/delete.pt",
)
def delete_view(context, request):
    service = _require_part(context, request)
    comment = _comment(context, request, service)
    if not service.deletable(comment, request.identity):
        raise HTTPForbidden()
    if request.method != "POST":
        return {"comment": comment, "has_replies": service.has_replies(comment)}
    if "cancel" in request.POST:
        return HTTPSeeOther(location=comment_url(request, context, comment))
    service.delete(comment, request.identity)
    return HTTPSeeOther(location=request.resource_url(context, anchor="commenti"))


@view_config(
    context=Node,
    name="modera-commento",
    permission=MODERATE_COMMENTS,
    renderer="tavolo:templates/comments/moderate.pt",
)
def moderate_view(context, request):
    service = _require_part(context, request)
    comment = _comment(context, request, service)
    if comment.status == DELETED:
        raise HTTPNotFound()
    page = {
        "comment": comment,
        "reason": "",
        "errors": {},
        "reason_max": REASON_MAX_LENGTH,
        "author": _parent_shown(request, context, comment).author,
    }
    if request.method != "POST":
        return page
    action = request.POST.get("action")
    try:
        if action == "hide":
            service.hide(context, comment, request.identity, request.POST.get("reason", ""))
            change, details = "hidden", {"reason": comment.moderation_reason}
        elif action == "restore":
            service.restore(context, comment, request.identity)
            change, details = "restored", {}
        else:
            raise HTTPBadRequest()
    except CommentError as error:
        request.response.status_int = 400
        return {
            **page,
            "reason": request.POST.get("reason", ""),
            "errors": _messages(request, error),
        }
    # The audit trail records it (tavolo.audit.subscribers).
    request.registry.notify(events.CommentModerated(context, comment, change, request, details))
    return HTTPSeeOther(location=comment_url(request, context, comment))
