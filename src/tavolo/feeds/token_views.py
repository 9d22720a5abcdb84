"""``@@feed-tokens`` on the site root: a logged-in user's personal feed tokens."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from tavolo.accounts.feed_tokens import LABEL_MAX, FeedTokenNotFound, FeedTokenService
from tavolo.accounts.identifiers import parse_id
from tavolo.content.models import Folder
from tavolo.content.tree import ROOT_PATH
from tavolo.feeds.access import TOKEN_PARAMETER
from tavolo.feeds.views import ATOM_VIEW, ICAL_VIEW
from tavolo.security.roles import VIEW

TEMPLATE = "tavolo:templates/feeds/feed_tokens.pt"
VIEW_NAME = "feed-tokens"


def _user(context, request):
    if context.path != ROOT_PATH:
        raise HTTPNotFound()
    user = request.identity
    if user is None:
        # The forbidden view sends a visitor to the login page, and back here afterwards.
        raise HTTPForbidden()
    return user


def _page(context, request, user, new_token: str | None = None) -> dict:
    service = FeedTokenService(request.dbsession)
    feed_urls = []
    if new_token is not None:
        query = {TOKEN_PARAMETER: new_token}
        feed_urls = [
            ("Atom", request.resource_url(context, f"@@{ATOM_VIEW}", query=query)),
            ("iCal", request.resource_url(context, f"@@{ICAL_VIEW}", query=query)),
        ]
    return {
        "tokens": service.tokens_of(user),
        "new_token": new_token,
        "feed_urls": feed_urls,
        "label_max": LABEL_MAX,
        "action_url": request.resource_url(context, f"@@{VIEW_NAME}"),
    }


@view_config(
    context=Folder, name=VIEW_NAME, request_method="GET", renderer=TEMPLATE, permission=VIEW
)
def feed_tokens(context, request):
    return _page(context, request, _user(context, request))


@view_config(
    context=Folder,
    name=VIEW_NAME,
    request_method="POST",
    request_param="action=create",
    renderer=TEMPLATE,
    permission=VIEW,
)
def create_feed_token(context, request):
    user = _user(context, request)
    token, _row = FeedTokenService(request.dbsession).create(user, request.POST.get("label", ""))
    # Shown once, in this response: only its hash is kept.
    return _page(context, request, user, new_token=token)


@view_config(
    context=Folder,
    name=VIEW_NAME,
    request_method="POST",
    request_param="action=revoke",
    permission=VIEW,
)
def revoke_feed_token(context, request):
    user = _user(context, request)
    token_id = parse_id(request.POST.get("token_id"))
    if token_id is None:
        raise HTTPNotFound()
    try:
        FeedTokenService(request.dbsession).revoke(user, token_id)
    except FeedTokenNotFound:
        raise HTTPNotFound() from None
    return HTTPSeeOther(location=request.resource_url(context, f"@@{VIEW_NAME}"))
