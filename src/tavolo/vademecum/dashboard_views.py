"""The prefecture's dashboard of a Vademecum (``@@cruscotto``) and the reminder mail
(``@@promemoria``: a confirmation page listing who will receive it, then POST).

Both need ``review`` on the Vademecum (its Reviewers and Managers)."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from tavolo import events
from tavolo.notify.context import NoticeContext
from tavolo.security.roles import REVIEW
from tavolo.vademecum.dashboard import build, reminder_recipients
from tavolo.vademecum.models import Vademecum
from tavolo.vademecum.reminders import send_reminders
from tavolo.workflow.states import state_title

DASHBOARD_VIEW = "cruscotto"
REMINDER_VIEW = "promemoria"


@view_config(
    context=Vademecum,
    name=DASHBOARD_VIEW,
    permission=REVIEW,
    request_method=("GET", "HEAD"),
    renderer="tavolo:templates/vademecum/dashboard.pt",
)
def dashboard_view(context, request):
    sent = request.GET.get("inviati")
    return {
        "dashboard": build(request.dbsession, context),
        "sent": int(sent) if sent and sent.isdigit() else None,
        "state_title": state_title,
    }


@view_config(
    context=Vademecum,
    name=REMINDER_VIEW,
    permission=REVIEW,
    renderer="tavolo:templates/vademecum/reminder.pt",
)
def reminder_view(context, request):
    dashboard = build(request.dbsession, context)
    if request.method != "POST":
        recipients = reminder_recipients(request.dbsession, dashboard)
        return {
            "dashboard": dashboard,
            "rows": dashboard.to_remind,
            "counts": {org_id: len(users) for org_id, users in recipients.items()},
        }
    back = request.resource_url(context, f"@@{DASHBOARD_VIEW}")
    if "cancel" in request.POST:
        return HTTPSeeOther(back)
    sent = send_reminders(request.dbsession, NoticeContext.from_request(request), dashboard)
    request.registry.notify(
        events.VademecumReminderSent(
            context,
            request,
            {
                "organisations": [o.name for o in sent.organisations],
                "recipients": len(sent.users),
            },
        )
    )
    return HTTPSeeOther(
        request.resource_url(context, f"@@{DASHBOARD_VIEW}", query={"inviati": len(sent.users)})
    )
