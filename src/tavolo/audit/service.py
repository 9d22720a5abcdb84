"""Writing and reading the audit trail."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import func, select

from tavolo.audit.models import AuditEntry
from tavolo.i18n import _
from tavolo.i18n.dates import SITE_TIMEZONE

# Event types, and what the viewer calls them (tavolo.audit.subscribers writes them).
EVENT_TYPES = {
    "login_ok": _("Accesso riuscito"),
    "login_failed": _("Accesso non riuscito"),
    "logout": _("Uscita"),
    "role_granted": _("Ruolo concesso"),
    "role_revoked": _("Ruolo revocato"),
    "inheritance_blocked": _("Ereditarietà dei ruoli bloccata"),
    "inheritance_restored": _("Ereditarietà dei ruoli ripristinata"),
    "password_changed": _("Password cambiata"),
    "password_reset": _("Password reimpostata con il link ricevuto"),
    "password_reset_requested": _("Richiesta di reimpostare la password"),
    "user_invited": _("Utente invitato"),
    "account_created": _("Account creato"),
    "account_modified": _("Account modificato"),
    "account_disabled": _("Account disattivato"),
    "account_enabled": _("Account riattivato"),
    "membership_added": _("Appartenenza a un'organizzazione aggiunta"),
    "membership_modified": _("Appartenenza a un'organizzazione modificata"),
    "membership_removed": _("Appartenenza a un'organizzazione rimossa"),
    "organisation_created": _("Organizzazione creata"),
    "organisation_modified": _("Organizzazione modificata"),
    "organisation_retired": _("Organizzazione ritirata dalla rete"),
    "organisation_restored": _("Organizzazione riammessa nella rete"),
    "organisation_deleted": _("Organizzazione eliminata"),
    "group_created": _("Gruppo creato"),
    "group_renamed": _("Gruppo rinominato"),
    "group_deleted": _("Gruppo eliminato"),
    "group_member_added": _("Membro aggiunto a un gruppo"),
    "group_member_removed": _("Membro tolto da un gruppo"),
    "comment_hidden": _("Commento nascosto da un moderatore"),
    "comment_restored": _("Commento ripristinato da un moderatore"),
    "edit_lock_taken_over": _("Subentro nella modifica di un contenuto"),
    "vademecum_suggestion_proposed": _("Modifica proposta a una sezione del Vademecum"),
    "vademecum_suggestion_accepted": _("Proposta di modifica accettata"),
    "vademecum_suggestion_declined": _("Proposta di modifica non accettata"),
    "vademecum_sections_created": _("Sezioni del Vademecum create"),
    "vademecum_section_added": _("Sezione del Vademecum aggiunta"),
    "vademecum_section_retired": _("Sezione del Vademecum ritirata"),
    "vademecum_section_restored": _("Sezione del Vademecum ripristinata"),
    "vademecum_reordered": _("Ordine del Vademecum cambiato"),
    "vademecum_reminder_sent": _("Promemoria del Vademecum inviato"),
}
TEXT_FILTER_MAX = 200


@dataclass(frozen=True)
class AuditFilter:
    """What the viewer filters by; empty values filter nothing. Dates are days in the
    site's time zone, both included."""

    actor: str = ""
    object: str = ""
    event_type: str = ""
    since: dt.date | None = None
    until: dt.date | None = None

    @classmethod
    def from_params(cls, params) -> tuple[AuditFilter, list[str]]:
        """The filter from a query string, and the names of the fields that were not
        understood (ignored, and pointed out to the user)."""
        bad = []

        def day(name):
            value = (params.get(name) or "").strip()
            if not value:
                return None
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                bad.append(name)
                return None

        event_type = (params.get("tipo") or "").strip()
        if event_type and event_type not in EVENT_TYPES:
            bad.append("tipo")
            event_type = ""
        return (
            cls(
                actor=(params.get("autore") or "").strip()[:TEXT_FILTER_MAX],
                object=(params.get("oggetto") or "").strip()[:TEXT_FILTER_MAX],
                event_type=event_type,
                since=day("dal"),
                until=day("al"),
            ),
            bad,
        )

    def as_params(self) -> dict[str, str]:
        params = {
            "autore": self.actor,
            "oggetto": self.object,
            "tipo": self.event_type,
            "dal": self.since.isoformat() if self.since else "",
            "al": self.until.isoformat() if self.until else "",
        }
        return {k: v for k, v in params.items() if v}

    def clauses(self) -> list:
        clauses = []
        if self.actor:
            clauses.append(
                func.lower(AuditEntry.actor_login).contains(self.actor.lower(), autoescape=True)
            )
        if self.object:
            clauses.append(
                func.lower(AuditEntry.object_path).contains(self.object.lower(), autoescape=True)
            )
        if self.event_type:
            clauses.append(AuditEntry.event_type == self.event_type)
        if self.since:
            clauses.append(AuditEntry.at >= _start_of(self.since))
        if self.until:
            clauses.append(AuditEntry.at < _start_of(self.until + dt.timedelta(days=1)))
        return clauses


def _contains(column, text: str):
    # Escaped: "_" and "%" typed in a filter are plain characters, not wildcards.
    return func.lower(column).contains(text.lower(), autoescape=True)


def _start_of(day: dt.date) -> dt.datetime:
    """Midnight of ``day`` in the site's time zone, in UTC."""
    return dt.datetime.combine(day, dt.time(), tzinfo=SITE_TIMEZONE).astimezone(dt.UTC)


class AuditService:
    """Appends entries and reads them back. There is deliberately no update or delete."""

    def __init__(self, dbsession):
        self.dbsession = dbsession

    def record(
        self,
        event_type: str,
        *,
        actor=None,
        actor_login: str | None = None,
        address: str | None = None,
        object_type: str | None = None,
        object_id: int | None = None,
        object_path: str | None = None,
        details: dict | None = None,
    ) -> AuditEntry:
        entry = AuditEntry(
            event_type=event_type,
            actor_id=actor.id if actor is not None else None,
            actor_login=actor.login if actor is not None else actor_login,
            address=(address or None) and address[:64],
            object_type=object_type,
            object_id=object_id,
            object_path=object_path,
            details=json.dumps(details or {}, ensure_ascii=False, sort_keys=True, default=str),
        )
        self.dbsession.add(entry)
        return entry

    def _select(self, audit_filter: AuditFilter):
        return select(AuditEntry).where(*audit_filter.clauses())

    def count(self, audit_filter: AuditFilter) -> int:
        query = select(func.count(AuditEntry.id)).where(*audit_filter.clauses())
        return self.dbsession.scalar(query)

    def entries(self, audit_filter: AuditFilter, offset: int = 0, limit: int = 50):
        """Newest first."""
        query = (
            self._select(audit_filter)
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return self.dbsession.scalars(query).all()
