"""The texts of the notices: one mail per event, and the daily digest.

Plain text, in the recipient's language (Italian unless they chose English), with the
absolute link to the item and, at the foot, how to change one's choice of notices.
Everything the recipient reads goes through ``_``; only the item's title, people's names
and comments are taken as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

from tavolo.i18n import _
from tavolo.i18n.dates import format_datetime

# What happened, as the subject and the digest name it.
KIND_LABELS = {
    "submit": _("Da revisionare"),
    "publish": _("Pubblicato"),
    "publish_internally": _("Pubblicato nell'area riservata"),
    "reject": _("Respinto"),
    "became_visible": _("Ora visibile"),
    "expired": _("Scaduto"),
    "comment": _("Nuovo commento"),
}

# What happened, told in a sentence: ``actor`` did it to ``title``.
KIND_SENTENCES = {
    "submit": _("${actor} ha inviato in revisione «${title}»."),
    "publish": _("${actor} ha pubblicato «${title}»: è visibile a tutti, anche nel sito pubblico."),
    "publish_internally": _(
        "${actor} ha pubblicato «${title}» nell'area riservata: "
        "è visibile a tutti gli utenti registrati."
    ),
    "reject": _("${actor} ha respinto «${title}»: è tornato tra le bozze private."),
    "became_visible": _("«${title}» ha raggiunto la data di pubblicazione ed è ora visibile."),
    "expired": _(
        "«${title}» ha raggiunto la data di scadenza: ora lo vede solo chi può modificarlo."
    ),
    "comment": _("${actor} ha scritto un commento su «${title}»."),
}


@dataclass(frozen=True)
class Notice:
    """One thing to tell one person: what happened (``kind``, a transition name) to which
    node, by whom (a name, or "" for the system), when, with which comment."""

    kind: str
    node: object
    actor_name: str
    comment: str
    when: object = None
    # Where the mail's link goes, when not to the item itself (a comment on its page).
    link: str = ""


def _one_line(text: str) -> str:
    # A title goes into the Subject header: no line breaks there.
    return " ".join((text or "").split())


def _actor(name: str):
    return name or _("Il sistema")


def subject(text, tag: str, notice: Notice) -> str:
    return text(
        _(
            "[${tag}] ${what}: ${title}",
            mapping={
                "tag": tag,
                "what": KIND_LABELS.get(notice.kind, notice.kind),
                "title": _one_line(notice.node.title),
            },
        )
    )


def _sentence(text, notice: Notice) -> str:
    mapping = {"actor": _actor(notice.actor_name), "title": _one_line(notice.node.title)}
    template = KIND_SENTENCES.get(notice.kind)
    if template is None:  # a kind without its sentence: at least say what and which
        return _headline(text, notice)
    return text(_(template, mapping=mapping))


def _headline(text, notice: Notice) -> str:
    return text(
        _(
            "${what}: «${title}»",
            mapping={
                "what": KIND_LABELS.get(notice.kind, notice.kind),
                "title": _one_line(notice.node.title),
            },
        )
    )


def _comment(text, notice: Notice) -> str:
    if not notice.comment:
        return ""
    label = _("Motivazione:") if notice.kind == "reject" else _("Commento:")
    return f"{text(label)}\n{notice.comment}"


def _scheduled(text, notice: Notice, language: str, now) -> str:
    """A publication with a date still to come says from when the item is visible."""
    effective = getattr(notice.node, "effective", None)
    if notice.kind not in ("publish", "publish_internally") or effective is None:
        return ""
    if now is not None and effective <= now:
        return ""
    return text(
        _(
            "Sarà visibile a partire da ${date}.",
            mapping={"date": format_datetime(effective, language)},
        )
    )


def notice_mail(context, user, notice: Notice, now=None) -> tuple[str, str]:
    """Subject and body of the mail telling ``user`` about ``notice`` at once."""
    text = context.translator(user)
    language = context.language_of(user)
    parts = [
        text(_("Gentile ${name},", mapping={"name": user.fullname})),
        _sentence(text, notice),
        _scheduled(text, notice, language, now),
        _comment(text, notice),
        text(_("Per aprirlo:")) + "\n" + (notice.link or context.node_url(notice.node)),
        "-- \n"
        + text(
            _(
                "Riceve questo avviso perché ha scelto di essere avvisato subito. Nel suo "
                "profilo può scegliere invece un riepilogo al giorno, o nessun avviso:\n"
                "${link}",
                mapping={"link": context.profile_url},
            )
        ),
    ]
    return subject(text, context.mail_tag, notice), _join(parts)


def digest_mail(context, user, notices: list[Notice]) -> tuple[str, str]:
    """Subject and body of one digest telling ``user`` about ``notices`` (oldest first)."""
    text = context.translator(user)
    language = context.language_of(user)
    items = []
    for notice in notices:
        lines = [
            "* " + _headline(text, notice),
            text(
                _(
                    "${actor}, ${when}",
                    mapping={
                        "actor": _actor(notice.actor_name),
                        "when": format_datetime(notice.when, language),
                    },
                )
            ),
            *_comment(text, notice).splitlines(),
            context.node_url(notice.node),
        ]
        # The item's details are indented under its first line.
        items.append("\n   ".join(lines))
    subject_text = text(
        _(
            "[${tag}] Riepilogo degli avvisi (${count})",
            mapping={"tag": context.mail_tag, "count": len(notices)},
        )
    )
    parts = [
        text(_("Gentile ${name},", mapping={"name": user.fullname})),
        text(_("ecco gli avvisi dall'ultimo riepilogo:")),
        *items,
        "-- \n"
        + text(
            _(
                "Riceve questo riepilogo perché ha scelto un riepilogo degli avvisi al giorno. "
                "Nel suo profilo può scegliere invece di essere avvisato subito, o nessun "
                "avviso:\n${link}",
                mapping={"link": context.profile_url},
            )
        ),
    ]
    return subject_text, _join(parts)


def _join(parts) -> str:
    return "\n\n".join(part for part in parts if part) + "\n"
