"""Notifications: e-mail about what needs someone, sent only if the transaction commits.

After a workflow transition (``AfterTransition``):

* ``submit``: every active user who may review the item and see it (never the actor);
* ``publish``, ``publish_internally``, ``reject`` (with its reason), and the scheduled
  ``became_visible`` and ``expired``: the item's owner, if active, not the actor and able
  to see the item.

After a new comment or reply (``tavolo.comments``): the item's owner and everyone who
wrote in its discussion before, if active, not the author and able to see the item.

Each recipient chose on their profile: immediate (one mail now, through pyramid_mailer's
transactional delivery), daily digest (a ``PendingNotice`` row; ``tavolo-digest`` sends
them) or none. ``recipients`` decides who, ``messages`` writes the mails, ``delivery``
sends or queues them, ``digest`` is the daily script.

Events fired by a view carry the request: the subscriber takes the request's mailer (bound
to its transaction) and address. **Scripts** fire events without a request; they give the
notices a ``NoticeContext`` bound to their own transaction manager, in one of two ways::

    context = NoticeContext.from_settings(settings, manager)  # or .from_registry(registry, manager)
    # either: the subscriber finds it on the session, when the event goes through the registry
    attach(dbsession, context)
    registry.notify(AfterTransition(node, None, ..., transition="became_visible", actor=None))
    # or, without a registry: deliver directly (not both - that would tell twice)
    notify_transition(dbsession, event, context)

Scripts' links need ``tavolo.base_url`` (the site's address); when it is set, requests use
it too instead of the address the request came in on.
"""

import importlib

# Loaded when first used: ``tavolo.models`` imports ``tavolo.notify.models`` while the other
# domains' models are still being imported, and delivery needs them all.
_API = {
    "NoticeContext": "tavolo.notify.context",
    "attach": "tavolo.notify.context",
    "Delivered": "tavolo.notify.delivery",
    "NotificationService": "tavolo.notify.delivery",
    "notify_transition": "tavolo.notify.delivery",
}
__all__ = sorted(_API)


def __getattr__(name):
    if name in _API:
        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(name)


def includeme(config):
    from tavolo import events
    from tavolo.notify.delivery import after_transition

    config.add_subscriber(after_transition, events.AfterTransition)
