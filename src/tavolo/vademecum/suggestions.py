"""Suggestions: a partner proposes a change to another organisation's section; a member of
that organisation accepts it (a new revision, whose note credits the proposer) or declines
it with a reason.

A suggestion keeps only the fields the proposer changed, compared with what they saw (the
approved content, or the draft for those who see it), and the revision that was
(``base_revision``). Accepting applies those fields on top of the section as it is now, so
what the organisation wrote meanwhile in other fields is kept.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from tavolo.accounts.models import Membership, Organisation
from tavolo.db import utcnow
from tavolo.vademecum.models import ACCEPTED, DECLINED, PENDING, Suggestion, VademecumSection
from tavolo.vademecum.service import SectionService, clean_fields

REASON_MAX_LENGTH = 2000
NOTE_MAX_LENGTH = 2000
# States in which the organisation cannot change its section (it waits for the prefecture).
LOCKED_STATES = frozenset({"submitted"})


class SuggestionError(ValueError):
    """Refused; ``code`` says why (for the views' messages)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def _comparable(fields: dict) -> dict:
    # Dates as ISO strings: a suggestion's fields are JSON.
    return {
        name: value.isoformat() if hasattr(value, "isoformat") else value
        for name, value in clean_fields(fields).items()
    }


def changed_fields(seen: dict, proposed: dict) -> dict:
    """The fields of ``proposed`` that differ from ``seen`` (both section fields)."""
    before, after = _comparable(seen), _comparable(proposed)
    return {name: value for name, value in after.items() if before.get(name) != value}


def credit_note(suggestion: Suggestion, organisation_name: str | None) -> str:
    """The revision note of an accepted suggestion: who proposed it (stored in the site's
    language, like every revision note)."""
    who = suggestion.proposer_name or suggestion.proposer_login or "?"
    if organisation_name:
        who = f"{who} ({organisation_name})"
    return f"Proposta di modifica n. {suggestion.id} di {who}, accettata"


class SuggestionService:
    def __init__(self, dbsession):
        self.dbsession = dbsession

    # reading ------------------------------------------------------------------------
    def get(self, section: VademecumSection, suggestion_id) -> Suggestion | None:
        try:
            number = int(suggestion_id)
        except (TypeError, ValueError):
            return None
        suggestion = self.dbsession.get(Suggestion, number)
        if suggestion is None or suggestion.section_id != section.id:
            return None
        return suggestion

    def listing(self, section: VademecumSection, status: str | None = None) -> list[Suggestion]:
        query = select(Suggestion).where(Suggestion.section_id == section.id)
        if status is not None:
            query = query.where(Suggestion.status == status)
        return list(self.dbsession.scalars(query.order_by(Suggestion.created.desc())))

    def pending_count(self, section: VademecumSection) -> int:
        return self.dbsession.scalar(
            select(func.count(Suggestion.id)).where(
                Suggestion.section_id == section.id, Suggestion.status == PENDING
            )
        )

    # changing -----------------------------------------------------------------------
    def propose(
        self,
        section: VademecumSection,
        proposer,
        seen: dict,
        proposed: dict,
        *,
        base_revision: int | None,
        note: str = "",
    ) -> Suggestion:
        """Record a suggestion; ``SuggestionError("nothing")`` when nothing differs."""
        fields = changed_fields(seen, proposed)
        if not fields:
            raise SuggestionError("nothing")
        organisation_id = self.dbsession.scalar(
            select(Membership.organisation_id)
            .join(Organisation, Organisation.id == Membership.organisation_id)
            .where(Membership.user_id == proposer.id, Organisation.retired.is_(None))
            .order_by(Membership.organisation_id)
            .limit(1)
        )
        suggestion = Suggestion(
            section_id=section.id,
            proposer_id=proposer.id,
            proposer_login=proposer.login,
            proposer_name=proposer.fullname or proposer.login,
            proposer_organisation_id=organisation_id,
            created=utcnow(),
            fields=fields,
            note=(note or "").strip()[:NOTE_MAX_LENGTH],
            base_revision=base_revision,
            status=PENDING,
        )
        self.dbsession.add(suggestion)
        self.dbsession.flush()
        return suggestion

    def accept(self, suggestion: Suggestion, section: VademecumSection, user, *, engine=None):
        """Apply the suggestion as a new revision of ``section``; returns the revision
        (None if the section already said the same). The caller checked that ``user``
        writes for the section's organisation."""
        self._pending(suggestion)
        if section.state in LOCKED_STATES:
            raise SuggestionError("locked")
        organisation = (
            self.dbsession.get(Organisation, suggestion.proposer_organisation_id)
            if suggestion.proposer_organisation_id
            else None
        )
        fields = dict(suggestion.fields)
        if fields.get("last_checked"):
            fields["last_checked"] = dt.date.fromisoformat(fields["last_checked"])
        revision = SectionService(self.dbsession, engine=engine).save(
            section,
            user,
            fields,
            note=credit_note(suggestion, organisation.name if organisation else None),
        )
        self._decide(suggestion, user, ACCEPTED)
        suggestion.applied_revision = revision.number if revision is not None else None
        self.dbsession.flush()
        return revision

    def decline(self, suggestion: Suggestion, user, reason: str) -> None:
        self._pending(suggestion)
        reason = (reason or "").strip()[:REASON_MAX_LENGTH]
        if not reason:
            raise SuggestionError("reason")
        self._decide(suggestion, user, DECLINED)
        suggestion.reason = reason
        self.dbsession.flush()

    def _pending(self, suggestion: Suggestion) -> None:
        # Read again under a row lock: two people deciding at once must not both pass.
        status = self.dbsession.scalar(
            select(Suggestion.status).where(Suggestion.id == suggestion.id).with_for_update()
        )
        if status != PENDING:
            raise SuggestionError("decided")

    @staticmethod
    def _decide(suggestion: Suggestion, user, status: str) -> None:
        suggestion.status = status
        suggestion.decided_by_id = user.id if user is not None else None
        suggestion.decided_by_login = user.login if user is not None else ""
        suggestion.decided_at = utcnow()
