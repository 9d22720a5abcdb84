"""Edit locks on the web (``tavolo.versioning.locks``).

- ``@@blocca`` (POST, JSON): take or refresh the caller's lock. 200 with the lock; 409 with
  who holds it when someone else does (``"state": "taken_over"`` when they took it from
  the caller, so that the form can say so).
- ``@@sblocca`` (POST, JSON): release the caller's lock; someone else's is refused (409).
- ``@@subentra``: GET warns (who holds the lock, since when, what a takeover means) and
  writes nothing; POST takes the lock over, records it, and leads to the edit form.

All need EDIT on the item, like the edit form. ``@@blocca`` and ``@@sblocca`` answer only
POST: a GET finds no view (404), so that no link or prefetch can take or drop a lock.
The notice "in modifica da ... dalle ..." is rendered from the database on every page of
the item (``LockNotice``, through the editor bar), so it shows without JavaScript.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property

from babel.dates import format_time
from pyramid.csrf import get_csrf_token
from pyramid.events import BeforeRender, subscriber
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import get_renderer
from pyramid.view import view_config

from tavolo import events
from tavolo.content.models import Node
from tavolo.content.registry import type_info
from tavolo.i18n import _
from tavolo.i18n.dates import SITE_TIMEZONE, format_date
from tavolo.security.roles import EDIT, VIEW
from tavolo.versioning.locks import LockHeld, LockInfo, lock_service

NOTICE_TEMPLATE = "tavolo:templates/versioning/lock_notice.pt"
_TIME_LOCALES = {"it": "it_IT", "en": "en_GB"}


# texts -----------------------------------------------------------------------------------
def _time(request, value: dt.datetime) -> str:
    locale = _TIME_LOCALES.get(request.locale_name, "it_IT")
    return format_time(value, "short", tzinfo=SITE_TIMEZONE, locale=locale)


def _local_day(value: dt.datetime) -> dt.date:
    return value.astimezone(SITE_TIMEZONE).date()


def holder_text(request, lock: LockInfo):
    """ "In modifica da Anna Rossi dalle 10:42." - with the day when it is not today (a
    form left open overnight keeps refreshing its lock)."""
    mapping = {"name": lock.holder_name, "time": _time(request, lock.acquired)}
    if _local_day(lock.acquired) == _local_day(dt.datetime.now(dt.UTC)):
        return _("In modifica da ${name} dalle ${time}.", mapping=mapping)
    mapping["date"] = format_date(lock.acquired, request.locale_name)
    return _("In modifica da ${name} dalle ${time} del ${date}.", mapping=mapping)


def _may_edit(request, context) -> bool:
    return (
        isinstance(context, Node)
        and type_info(context.type).schema is not None
        and bool(request.has_permission(EDIT, context))
    )


class LockNotice:
    """What templates show of the item's lock: to others than its holder, who holds it
    and since when; on the edit form, what its script needs. Nothing is queried unless a
    template asks."""

    def __init__(self, context, request):
        self.context = context
        self.request = request

    @cached_property
    def lock(self) -> LockInfo | None:
        context, request = self.context, self.request
        # Error pages render with the context they refused: show nothing there, and nothing
        # to whoever may not see the item.
        if (
            request.identity is None
            or not isinstance(context, Node)
            or getattr(request, "exception", None) is not None
            or not request.has_permission(VIEW, context)
        ):
            return None
        return lock_service(request).current(context)

    @cached_property
    def shown(self) -> bool:
        """Whether the page has the notice region at all (logged in, on a visible item)."""
        if self.request.view_name == "subentra":
            return False  # the takeover page says it all in its own warning
        return self.other_holder is not None or self.on_edit_form

    @property
    def other_holder(self) -> LockInfo | None:
        lock = self.lock
        return lock if lock is not None and lock.holder_id != self.request.identity.id else None

    @cached_property
    def text(self):
        lock = self.other_holder
        return holder_text(self.request, lock) if lock is not None else None

    @cached_property
    def takeover_url(self) -> str | None:
        if self.other_holder is None or not _may_edit(self.request, self.context):
            return None
        return self.request.resource_url(self.context, "@@subentra")

    @cached_property
    def on_edit_form(self) -> bool:
        request = self.request
        return (
            request.identity is not None
            and request.view_name == "edit"
            and getattr(request, "exception", None) is None
            and _may_edit(request, self.context)
        )

    @cached_property
    def refresh_seconds(self) -> int:
        # Three refreshes per timeout: one lost request does not let the lock lapse.
        timeout = lock_service(self.request).timeout
        return max(10, int(timeout.total_seconds()) // 3)

    @cached_property
    def csrf_token(self) -> str:
        return get_csrf_token(self.request)

    def url(self, name: str) -> str:
        return self.request.resource_url(self.context, f"@@{name}")

    @cached_property
    def macros(self):
        return get_renderer(NOTICE_TEMPLATE).implementation().macros


@subscriber(BeforeRender)
def add_lock_notice(event):
    request = event.get("request")
    if request is None or "edit_lock" in event:
        return
    event["edit_lock"] = LockNotice(event.get("context"), request)


# JSON endpoints ----------------------------------------------------------------------------
def _answer(request, context, lock: LockInfo, state: str) -> dict:
    translate = request.localizer.translate
    mapping = {"name": lock.holder_name, "time": _time(request, lock.acquired)}
    if state == "yours":
        message = _("Stai modificando questo contenuto: gli altri utenti vedono che è in modifica.")
    elif state == "taken_over":
        mapping["time"] = _time(request, lock.taken_over_at or lock.acquired)
        message = _(
            "La modifica è passata a ${name} alle ${time}: se salvi dopo un suo salvataggio, "
            "vedrai il conflitto invece di sovrascrivere il suo lavoro.",
            mapping=mapping,
        )
    else:
        message = holder_text(request, lock)
    answer = {
        "state": state,
        "holder": lock.holder_name,
        "since": lock.acquired.isoformat(),
        "expires": lock.expires.isoformat(),
        "message": translate(message),
    }
    if state != "yours":
        answer["takeover_url"] = request.resource_url(context, "@@subentra")
        answer["takeover_label"] = translate(_("Subentra nella modifica"))
    return answer


def _held(request, context, held: LockHeld) -> dict:
    request.response.status_int = 409
    mine = held.lock.taken_over_from_id == request.identity.id
    return _answer(request, context, held.lock, "taken_over" if mine else "held")


@view_config(context=Node, name="blocca", request_method="POST", permission=EDIT, renderer="json")
def take_lock(context, request):
    try:
        lock = lock_service(request).take(context, request.identity)
    except LockHeld as held:
        return _held(request, context, held)
    return _answer(request, context, lock, "yours")


@view_config(context=Node, name="sblocca", request_method="POST", permission=EDIT, renderer="json")
def release_lock(context, request):
    try:
        released = lock_service(request).release(context, request.identity)
    except LockHeld as held:
        return _held(request, context, held)
    return {"state": "released" if released else "free"}


# takeover --------------------------------------------------------------------------------
@view_config(
    context=Node,
    name="subentra",
    permission=EDIT,
    renderer="tavolo:templates/versioning/lock_takeover.pt",
)
def take_over_lock(context, request):
    edit_url = request.resource_url(context, "@@edit")
    service = lock_service(request)
    if request.method != "POST":
        lock = service.current(context)
        if lock is None or lock.holder_id == request.identity.id:
            return HTTPSeeOther(edit_url)  # nothing to take over: straight to the form
        return {"lock": lock, "holder_text": holder_text(request, lock), "edit_url": edit_url}
    previous = service.take_over(context, request.identity)
    if previous is not None:  # the audit trail records it (tavolo.audit.subscribers)
        request.registry.notify(events.EditLockTakenOver(context, previous, request))
    return HTTPSeeOther(edit_url)


# release on save ---------------------------------------------------------------------------
def release_on_save(event) -> None:
    """A save by the lock's holder ends their editing: the lock goes with it. Saves by
    others (who edited without the lock) leave the holder's lock alone."""
    request = event.request
    node = event.object
    if request is None or request.identity is None or not isinstance(node, Node):
        return
    lock_service(request).leave(node, request.identity)


def includeme(config):
    from tavolo.settings import lock_timeout
    from tavolo.versioning.locks import REGISTRY_KEY

    minutes = lock_timeout(config.get_settings())
    config.registry[REGISTRY_KEY] = dt.timedelta(minutes=minutes)
    config.add_subscriber(release_on_save, events.ObjectModified)
    config.scan(__name__)
