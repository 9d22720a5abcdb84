"""The reminder the prefecture sends to organisations whose section is late or returned.

Only the members of those organisations receive it (active accounts with an address), one
mail each, in their own language, through the notifications' mail path: it leaves only if
the request's transaction commits. It is sent whatever the recipient chose for automatic
notices: it is a message the prefecture decided to send, as an invitation is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tavolo.i18n import _
from tavolo.i18n.dates import format_date
from tavolo.notify.context import NoticeContext
from tavolo.vademecum.dashboard import Dashboard, reminder_recipients


@dataclass
class Sent:
    organisations: list = field(default_factory=list)
    users: list = field(default_factory=list)


def _mail(context: NoticeContext, user, row, dashboard: Dashboard) -> tuple[str, str]:
    text = context.translator(user)
    language = context.language_of(user)
    section, vademecum = row.section, dashboard.vademecum
    mapping = {"title": section.title, "vademecum": vademecum.title}
    parts = [text(_("Gentile ${name},", mapping={"name": user.fullname}))]
    if row.returned:
        parts.append(
            text(
                _(
                    "la Prefettura ha restituito la sezione «${title}» del Vademecum "
                    "«${vademecum}» chiedendo alcune modifiche.",
                    mapping=mapping,
                )
            )
        )
        if row.comment:
            parts.append(f"{text(_('Commento:'))}\n{row.comment}")
    if row.late:
        deadline = format_date(vademecum.deadline, language)
        parts.append(
            text(
                _(
                    "La sezione «${title}» del Vademecum «${vademecum}» non è ancora "
                    "approvata e la scadenza del ${date} è passata.",
                    mapping={**mapping, "date": deadline},
                )
            )
        )
    parts.append(
        text(_("Vi chiediamo di completarla e inviarla per l'approvazione. Per aprirla:"))
        + "\n"
        + context.node_url(section)
    )
    parts.append(
        "-- \n"
        + text(
            _(
                "Riceve questo promemoria dalla Prefettura perché fa parte di ${organisation}.",
                mapping={"organisation": row.organisation.name},
            )
        )
    )
    subject = text(
        _(
            "[${tag}] Promemoria: sezione «${title}» del Vademecum",
            mapping={"tag": context.mail_tag, "title": " ".join(section.title.split())},
        )
    )
    return subject, "\n\n".join(parts) + "\n"


def send_reminders(dbsession, context: NoticeContext, dashboard: Dashboard) -> Sent:
    recipients = reminder_recipients(dbsession, dashboard)
    sent = Sent()
    for row in dashboard.to_remind:
        users = recipients.get(row.organisation.id, []) if row.organisation else []
        if not users:
            continue
        sent.organisations.append(row.organisation)
        for user in users:
            context.send(user, *_mail(context, user, row, dashboard))
            sent.users.append(user)
    return sent
