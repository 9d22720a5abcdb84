"""Telling people about the Vademecum, through ``tavolo.notify``'s mail path (mails leave
only if the transaction commits, in the recipient's language):

* a new suggestion: the members of the section's organisation;
* a decision on a suggestion: its proposer;
* a section approved or returned: the members of its organisation (reviewers already hear
  about submissions through ``tavolo.notify``, as for any item).

Only people who chose immediate notices get these mails; the daily digest does not know
these kinds yet (its labels live in ``tavolo.notify.messages``). Never the actor.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import object_session

from tavolo.accounts.models import Membership, NotificationMode, Organisation, User
from tavolo.i18n import _
from tavolo.notify.context import NoticeContext, attached
from tavolo.vademecum.models import ACCEPTED, VademecumSection

log = logging.getLogger(__name__)


def _members(dbsession, organisation_id: int, actor=None) -> list[User]:
    query = (
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(
            Membership.organisation_id == organisation_id,
            Organisation.retired.is_(None),
            User.active.is_(True),
        )
        .order_by(User.id)
    )
    if actor is not None:
        query = query.where(User.id != actor.id)
    return list(dbsession.scalars(query))


def _send(context: NoticeContext, users, subject, sentences, link: str) -> int:
    count = 0
    for user in users:
        if user.notifications != NotificationMode.IMMEDIATE or not user.email:
            continue
        text = context.translator(user)
        parts = [text(_("Gentile ${name},", mapping={"name": user.fullname}))]
        for sentence in sentences:
            if isinstance(sentence, tuple):  # (label, text as written): "Commento:\n..."
                label, value = sentence
                if value:
                    parts.append(text(label) + "\n" + value)
            elif sentence:
                parts.append(text(sentence))
        parts.append(text(_("Per aprirlo:")) + "\n" + link)
        title = text(subject)
        context.send(user, f"[{context.mail_tag}] {title}", "\n\n".join(parts) + "\n")
        count += 1
    return count


def notify_suggestion(request, section: VademecumSection, suggestion) -> int:
    context = NoticeContext.from_request(request)
    mapping = {"name": suggestion.proposer_name, "title": section.title}
    link = f"{context.node_url(section)}@@proposta?id={suggestion.id}"
    return _send(
        context,
        _members(request.dbsession, section.organisation_id, request.identity),
        _("Proposta di modifica: ${title}", mapping=mapping),
        [
            _(
                "${name} propone una modifica alla sezione «${title}» del Vademecum.",
                mapping=mapping,
            ),
            suggestion.note,
        ],
        link,
    )


def notify_decision(request, section: VademecumSection, suggestion) -> int:
    if suggestion.proposer_id is None:
        return 0
    proposer = request.dbsession.get(User, suggestion.proposer_id)
    if proposer is None or not proposer.active:
        return 0
    context = NoticeContext.from_request(request)
    mapping = {"title": section.title}
    if suggestion.status == ACCEPTED:
        sentence = _(
            "La tua proposta di modifica alla sezione «${title}» è stata accettata.",
            mapping=mapping,
        )
        reason = ""
    else:
        sentence = _(
            "La tua proposta di modifica alla sezione «${title}» non è stata accettata.",
            mapping=mapping,
        )
        reason = (_("Motivazione:"), suggestion.reason)
    link = f"{context.node_url(section)}@@proposta?id={suggestion.id}"
    return _send(
        context,
        [proposer],
        _("Decisione sulla tua proposta: ${title}", mapping=mapping),
        [sentence, reason],
        link,
    )


def notify_section_decision(event) -> int:
    """After ``approve`` or ``return`` of a section: tell its organisation's members."""
    section = event.object
    dbsession = object_session(section)
    if event.request is not None:
        context = NoticeContext.from_request(event.request)
    else:
        context = attached(dbsession)
    if context is None:
        log.warning("section %s decided without a mail context: nobody told", section.id)
        return 0
    mapping = {"title": section.title}
    if event.transition == "approve":
        subject = _("Sezione approvata: ${title}", mapping=mapping)
        sentences = [
            _("La Prefettura ha approvato la sezione «${title}» del Vademecum.", mapping=mapping)
        ]
    else:
        subject = _("Sezione restituita: ${title}", mapping=mapping)
        sentences = [
            _(
                "La Prefettura ha restituito la sezione «${title}» chiedendo alcune modifiche.",
                mapping=mapping,
            ),
            (_("Commento:"), event.comment or ""),
        ]
    return _send(
        context,
        _members(dbsession, section.organisation_id, event.actor),
        subject,
        sentences,
        context.node_url(section),
    )
