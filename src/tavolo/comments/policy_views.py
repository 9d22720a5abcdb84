"""``@@impostazioni-commenti`` on a folder: comments on, off, or as the folder above, for
everything below it. For those who may edit the folder; GET shows, POST (CSRF) saves."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPBadRequest, HTTPSeeOther
from pyramid.view import view_config

from tavolo.comments.policy import CHOICES, DISABLED, ENABLED, INHERIT, CommentPolicies
from tavolo.content.models import Folder
from tavolo.i18n import _
from tavolo.security.roles import EDIT

CHOICE_LABELS = {
    INHERIT: _("Come la cartella superiore"),
    ENABLED: _("Attivi"),
    DISABLED: _("Disattivati"),
}


@view_config(
    context=Folder,
    name="impostazioni-commenti",
    permission=EDIT,
    renderer="tavolo:templates/comments/policy.pt",
)
def policy_view(context, request):
    policies = CommentPolicies(request.dbsession)
    if request.method == "POST":
        choice = request.POST.get("policy", "")
        if choice not in CHOICES:
            raise HTTPBadRequest()
        policies.set(context, choice)
        return HTTPSeeOther(
            location=request.resource_url(context, "@@impostazioni-commenti", query={"salvato": 1})
        )
    inherited = policies.subtree_default(context)
    return {
        "current": policies.own(context),
        "choices": [(choice, CHOICE_LABELS[choice]) for choice in CHOICES],
        # What "as the folder above" means here: a folder's setting, or each type's.
        "inherited": None if inherited is None else (ENABLED if inherited else DISABLED),
        "saved": request.GET.get("salvato") == "1",
    }
