"""The prefecture's dashboard: every active section with its state, last change, author
and how long it has been waiting; how much of the Vademecum is complete; and who is late.

"Late" means the Vademecum's deadline has passed (in the prefecture's time zone) and the
section is not approved; "returned" sections wait for their organisation. Both are the
organisations a reminder goes to.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from tavolo.accounts.models import Membership, Organisation, User
from tavolo.db import utcnow
from tavolo.i18n.dates import SITE_TIMEZONE
from tavolo.vademecum.models import Vademecum, VademecumSection
from tavolo.vademecum.snapshot import sections
from tavolo.versioning.models import Revision
from tavolo.workflow.models import WorkflowHistory

APPROVED = "approved"
RETURNED = "returned"


@dataclass
class Row:
    section: VademecumSection
    organisation: Organisation
    last_change: dt.datetime | None
    author: str
    since: dt.datetime | None  # when the section entered its state
    days_waiting: int | None  # None for approved sections: nothing waits
    late: bool
    returned: bool
    comment: str  # the return's comment, when returned

    @property
    def needs_reminder(self) -> bool:
        return self.late or self.returned


@dataclass
class Dashboard:
    vademecum: Vademecum
    rows: list[Row]
    today: dt.date

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def approved(self) -> int:
        return sum(1 for row in self.rows if row.section.state == APPROVED)

    @property
    def with_approved_version(self) -> int:
        return sum(1 for row in self.rows if row.section.approved_revision is not None)

    @property
    def percent(self) -> int:
        """Approved sections over active sections, rounded down (0 without sections)."""
        return (100 * self.approved) // self.total if self.total else 0

    @property
    def to_remind(self) -> list[Row]:
        return [row for row in self.rows if row.needs_reminder]


def _latest_revisions(dbsession, ids) -> dict[int, Revision]:
    latest = (
        select(Revision.node_id, func.max(Revision.number).label("number"))
        .where(Revision.node_id.in_(ids))
        .group_by(Revision.node_id)
        .subquery()
    )
    rows = dbsession.scalars(
        select(Revision).join(
            latest, (Revision.node_id == latest.c.node_id) & (Revision.number == latest.c.number)
        )
    )
    return {row.node_id: row for row in rows}


def _latest_history(dbsession, ids) -> dict[int, WorkflowHistory]:
    latest = (
        select(func.max(WorkflowHistory.id).label("id"))
        .where(WorkflowHistory.node_id.in_(ids))
        .group_by(WorkflowHistory.node_id)
        .subquery()
    )
    rows = dbsession.scalars(
        select(WorkflowHistory).where(WorkflowHistory.id.in_(select(latest.c.id)))
    )
    return {row.node_id: row for row in rows}


def build(dbsession, vademecum: Vademecum, now: dt.datetime | None = None) -> Dashboard:
    now = now or utcnow()
    today = now.astimezone(SITE_TIMEZONE).date()
    found = sections(dbsession, vademecum)
    ids = [section.id for section in found]
    revisions = _latest_revisions(dbsession, ids) if ids else {}
    history = _latest_history(dbsession, ids) if ids else {}
    organisations = {
        org.id: org
        for org in dbsession.scalars(
            select(Organisation).where(Organisation.id.in_([s.organisation_id for s in found]))
        )
    }
    user_ids = {r.author_id for r in revisions.values()} | {h.actor_id for h in history.values()}
    names = dict(
        dbsession.execute(
            select(User.id, User.fullname).where(User.id.in_([i for i in user_ids if i]))
        ).all()
    )
    deadline_passed = vademecum.deadline is not None and today > vademecum.deadline
    rows = []
    for section in found:
        revision, moved = revisions.get(section.id), history.get(section.id)
        # The last change is the latest edit or state change, whichever came last.
        candidates = []
        if revision is not None:
            candidates.append(
                (revision.created, names.get(revision.author_id) or revision.author_login)
            )
        if moved is not None:
            candidates.append((moved.at, names.get(moved.actor_id) or moved.actor_login))
        last_change, author = max(candidates, key=lambda c: c[0]) if candidates else (None, "")
        since = moved.at if moved is not None else section.created
        waiting = None
        if section.state != APPROVED and since is not None:
            waiting = max(0, (now - since).days)
        rows.append(
            Row(
                section=section,
                organisation=organisations.get(section.organisation_id),
                last_change=last_change,
                author=author or "",
                since=since,
                days_waiting=waiting,
                late=deadline_passed and section.state != APPROVED,
                returned=section.state == RETURNED,
                comment=(moved.comment if moved is not None and section.state == RETURNED else ""),
            )
        )
    return Dashboard(vademecum, rows, today)


def reminder_recipients(dbsession, dashboard: Dashboard) -> dict[int, list[User]]:
    """organisation id -> its active members with an e-mail address, for the organisations
    whose section is late or returned (and not retired). Nobody else."""
    wanted = {row.organisation.id for row in dashboard.to_remind if row.organisation}
    if not wanted:
        return {}
    rows = dbsession.execute(
        select(Membership.organisation_id, User)
        .join(User, User.id == Membership.user_id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(
            Membership.organisation_id.in_(wanted),
            Organisation.retired.is_(None),
            User.active.is_(True),
            User.email.is_not(None),
            User.email != "",
        )
        .order_by(User.id)
    )
    found: dict[int, list[User]] = {}
    for organisation_id, user in rows:
        found.setdefault(organisation_id, []).append(user)
    return found
