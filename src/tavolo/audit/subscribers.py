"""What goes into the audit trail: one subscriber per domain event.

Entries are written in the request's own session and transaction: a change that is
rolled back leaves no entry claiming it happened. A failed login is the case that must
still leave one, and does: the login view returns its 401 page (it does not raise), so the
transaction commits with the throttle's failure row and this entry alike. Events fired
without a request (scripts) are not recorded: there is no session to write with.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from tavolo import events
from tavolo.accounts.models import User
from tavolo.audit.service import AuditService
from tavolo.security.sharing import describe_principals

log = logging.getLogger(__name__)


def _record(request, event_type: str, *, actor=None, **fields) -> None:
    if request is None:
        log.warning("audit event %s fired without a request: not recorded", event_type)
        return
    if actor is None:
        actor = request.identity
    AuditService(request.dbsession).record(
        event_type, actor=actor, address=request.remote_addr, **fields
    )


def _user_object(user) -> dict:
    if user is None:
        return {}
    return {"object_type": "user", "object_id": user.id, "object_path": user.login}


def logged_in(event: events.UserLoggedIn) -> None:
    _record(event.request, "login_ok", actor=event.user, **_user_object(event.user))


def logged_out(event: events.UserLoggedOut) -> None:
    _record(event.request, "logout", actor=event.user, **_user_object(event.user))


def login_failed(event: events.UserLoginFailed) -> None:
    request = event.request
    user = event.user
    if user is None and request is not None and event.login:
        user = request.dbsession.scalars(select(User).where(User.login == event.login)).first()
    # The attempted name, never the password; the account it names, if any.
    _record(
        request,
        "login_failed",
        object_type="user",
        object_id=user.id if user is not None else None,
        object_path=event.login,
        details={"login": event.login, "known_account": user is not None},
    )


def local_roles_changed(event: events.LocalRolesChanged) -> None:
    request, node = event.request, event.object
    if request is None:
        log.warning("sharing of %s changed without a request: not recorded", node.path)
        return
    where = {"object_type": "node", "object_id": node.id, "object_path": node.path}
    changed = [("role_granted", p, r) for p, r in event.granted]
    changed += [("role_revoked", p, r) for p, r in event.revoked]
    names = describe_principals(request.dbsession, {p for _t, p, _r in changed})
    for event_type, principal, role in changed:
        info = names.get(principal)
        details = {
            "principal": principal,
            "principal_name": info.title if info else "",
            "role": role,
        }
        _record(request, event_type, details=details, **where)
    if event.inherit_roles is not None:
        _before, after = event.inherit_roles
        event_type = "inheritance_restored" if after else "inheritance_blocked"
        _record(request, event_type, details={"inherit_roles": after}, **where)


def password_changed(event: events.PasswordChanged) -> None:
    event_type = "password_reset" if event.by_reset else "password_changed"
    _record(event.request, event_type, **_user_object(event.user))


def password_reset_requested(event: events.PasswordResetRequested) -> None:
    details = {"email": event.email, "known_account": event.user is not None}
    _record(event.request, "password_reset_requested", details=details, **_user_object(event.user))


def user_invited(event: events.UserInvited) -> None:
    _record(event.request, "user_invited", **_user_object(event.user))


def account_changed(event: events.AccountChanged) -> None:
    _record(
        event.request,
        f"account_{event.change}",
        details=dict(event.details),
        **_user_object(event.user),
    )


def membership_changed(event: events.MembershipChanged) -> None:
    org = event.organisation
    details = {"organisation_id": org.id, "organisation": org.name, **event.details}
    _record(
        event.request,
        f"membership_{event.change}",
        details=details,
        **_user_object(event.user),
    )


def organisation_changed(event: events.OrganisationChanged) -> None:
    org = event.organisation
    _record(
        event.request,
        f"organisation_{event.change}",
        object_type="organisation",
        object_id=org.id,
        object_path=org.name,
        details=dict(event.details),
    )


def _node_object(node) -> dict:
    return {"object_type": "node", "object_id": node.id, "object_path": node.path}


def comment_moderated(event: events.CommentModerated) -> None:
    comment = event.comment
    _record(
        event.request,
        f"comment_{event.change}",
        **_node_object(event.node),
        details={"comment": comment.id, "author": comment.author_id, **event.details},
    )


def edit_lock_taken_over(event: events.EditLockTakenOver) -> None:
    previous = event.previous
    _record(
        event.request,
        "edit_lock_taken_over",
        **_node_object(event.node),
        details={
            "previous_holder_id": previous.holder_id,
            "previous_holder": previous.holder_name,
            "held_since": previous.acquired.isoformat(),
        },
    )


def group_changed(event: events.GroupChanged) -> None:
    group = event.group
    _record(
        event.request,
        f"group_{event.change}",
        object_type="group",
        object_id=group.id,
        object_path=group.name,
        details={"title": group.title, **event.details},
    )


def suggestion_changed(event: events.SuggestionChanged) -> None:
    suggestion = event.suggestion
    _record(
        event.request,
        f"vademecum_suggestion_{event.change}",
        **_node_object(event.node),
        details={
            "suggestion": suggestion.id,
            "proposer": suggestion.proposer_login,
            "fields": sorted(suggestion.fields),
            **({"revision": suggestion.applied_revision} if event.change == "accepted" else {}),
            **({"reason": suggestion.reason} if event.change == "declined" else {}),
            **event.details,
        },
    )


def vademecum_structure_changed(event: events.VademecumStructureChanged) -> None:
    _record(
        event.request,
        f"vademecum_{event.change}",
        **_node_object(event.node),
        details=dict(event.details),
    )


def vademecum_reminder_sent(event: events.VademecumReminderSent) -> None:
    _record(
        event.request,
        "vademecum_reminder_sent",
        **_node_object(event.node),
        details=dict(event.details),
    )


SUBSCRIBERS = (
    (logged_in, events.UserLoggedIn),
    (logged_out, events.UserLoggedOut),
    (login_failed, events.UserLoginFailed),
    (local_roles_changed, events.LocalRolesChanged),
    (password_changed, events.PasswordChanged),
    (password_reset_requested, events.PasswordResetRequested),
    (user_invited, events.UserInvited),
    (account_changed, events.AccountChanged),
    (membership_changed, events.MembershipChanged),
    (organisation_changed, events.OrganisationChanged),
    (group_changed, events.GroupChanged),
    (comment_moderated, events.CommentModerated),
    (edit_lock_taken_over, events.EditLockTakenOver),
    (suggestion_changed, events.SuggestionChanged),
    (vademecum_structure_changed, events.VademecumStructureChanged),
    (vademecum_reminder_sent, events.VademecumReminderSent),
)


def register(config) -> None:
    for subscriber, event_class in SUBSCRIBERS:
        config.add_subscriber(subscriber, event_class)
