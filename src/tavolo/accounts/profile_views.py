"""``@@profilo`` on the site root: the logged-in user's own profile.

It shows what the site knows about them (name, login, e-mail, organisations, groups, feed
tokens) and lets them choose their language and how the review workflow's notices reach
them. There is no id parameter: the page is always the caller's own.

Thin views over ``profile.ProfileService``; the POST carries the CSRF token (checked by
Pyramid before the view runs) and fires ``AccountChanged`` for the audit trail.
"""

from __future__ import annotations

import colander
import deform
from pyramid.httpexceptions import HTTPForbidden, HTTPSeeOther
from pyramid.view import view_config

from tavolo import events
from tavolo.accounts.models import NotificationMode
from tavolo.accounts.profile import ProfileService
from tavolo.content.models import Node
from tavolo.i18n import LANGUAGE_NAMES, LOCALES, _
from tavolo.i18n.views import set_language_cookie
from tavolo.security.roles import VIEW
from tavolo.web.forms import make_form
from tavolo.web.placement import require_site_root

VIEW_NAME = "profilo"
TEMPLATE = "tavolo:templates/accounts/profile.pt"
SAVED_NOTICE = "salvato"
LANGUAGE_HELP_ID = "profile-language-help"
LANGUAGE_ERROR_ID = "profile-language-error"
NOTIFICATIONS_HELP_ID = "profile-notifications-help"
NOTIFICATIONS_ERROR_ID = "profile-notifications-error"
NOTIFICATION_CHOICES = (
    (NotificationMode.IMMEDIATE.value, _("Subito: una e-mail per ogni avviso")),
    (NotificationMode.DIGEST.value, _("Un riepilogo al giorno, in una sola e-mail")),
    (NotificationMode.NONE.value, _("Nessuna e-mail: guardo io le attività da svolgere")),
)


def _user(context, request):
    require_site_root(context)
    user = request.identity
    if user is None:
        # The forbidden view sends a visitor to the login page, and back here afterwards.
        raise HTTPForbidden()
    return user


def _schema(request) -> colander.Schema:
    languages = [("", _("Come il sito (italiano)"))]
    languages += [(code, LANGUAGE_NAMES[code]) for code in LOCALES]
    schema = colander.Schema()
    schema.add(
        colander.SchemaNode(
            colander.String(),
            name="language",
            oid="profile-language",
            title=_("Lingua"),
            widget=deform.widget.SelectWidget(
                values=languages,
                error_class="is-invalid",
                attributes={"aria-describedby": LANGUAGE_HELP_ID},
            ),
            validator=colander.OneOf([code for code, _title in languages]),
            missing="",
        )
    )
    schema.add(
        colander.SchemaNode(
            colander.String(),
            name="notifications",
            oid="profile-notifications",
            title=_("Avvisi per e-mail"),
            widget=deform.widget.RadioChoiceWidget(values=NOTIFICATION_CHOICES),
            validator=colander.OneOf([value for value, _title in NOTIFICATION_CHOICES]),
        )
    )
    return schema.bind(request=request)


def _form(context, request) -> deform.Form:
    return make_form(
        request,
        _schema(request),
        action=request.resource_url(context, f"@@{VIEW_NAME}"),
        formid="profile-form",
        focus="off",  # a page to read first: no field grabs the focus
    )


def _page(request, user, form, *, notice=None, status=200) -> dict:
    request.response.status_int = status
    language = form["language"]
    if language.error is not None:
        # The error is read out with the field, after its help.
        language.widget.attributes = {
            "aria-describedby": f"{LANGUAGE_HELP_ID} {LANGUAGE_ERROR_ID}",
            "aria-invalid": "true",
        }
    service = ProfileService(request.dbsession)
    memberships = service.memberships(user)
    return {
        "user": user,
        "form": form,
        "notice": notice,
        "memberships": memberships,
        "signatory": any(m.signatory for m in memberships),
        "groups": service.groups(user),
        "active_tokens": service.active_feed_tokens(user),
        "language_help_id": LANGUAGE_HELP_ID,
        "language_error_id": LANGUAGE_ERROR_ID,
        "notifications_help_id": NOTIFICATIONS_HELP_ID,
        "notifications_error_id": NOTIFICATIONS_ERROR_ID,
    }


@view_config(context=Node, name=VIEW_NAME, request_method="GET", renderer=TEMPLATE, permission=VIEW)
def profile(context, request):
    user = _user(context, request)
    form = _form(context, request)
    form.set_appstruct({"language": user.language or "", "notifications": user.notifications.value})
    notice = (
        _("Le modifiche sono state salvate.") if request.GET.get("notice") == SAVED_NOTICE else None
    )
    return _page(request, user, form, notice=notice)


@view_config(
    context=Node, name=VIEW_NAME, request_method="POST", renderer=TEMPLATE, permission=VIEW
)
def profile_submit(context, request):
    user = _user(context, request)
    form = _form(context, request)
    try:
        appstruct = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        return _page(request, user, failure.field, status=400)
    changes = ProfileService(request.dbsession).update(
        user, language=appstruct["language"] or None, notifications=appstruct["notifications"]
    )
    response = HTTPSeeOther(
        request.resource_url(context, f"@@{VIEW_NAME}", query={"notice": SAVED_NOTICE})
    )
    if changes:
        request.registry.notify(events.AccountChanged(user, "modified", request, details=changes))
    if "language" in changes:
        # The next page answers in the new language at once. Only on a change: someone who
        # keeps "as the site" but reads in English (the header's switch) is not switched
        # back by saving their notification choice.
        set_language_cookie(response, user.language)
    return response
