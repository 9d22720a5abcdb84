"""Outgoing mail with pyramid_mailer, sent only when the request's transaction commits.

``request.mailer.send(message)`` joins the request's transaction (pyramid_mailer binds the
mailer to ``request.tm``): a request that fails, or is rolled back, sends nothing.

Where mail goes is configured with pyramid_mailer's own ``mail.`` settings:

* ``mail.host``/``mail.port``/``mail.username``/``mail.password``/``mail.tls``/
  ``mail.default_sender``: an SMTP server (production reads them from the environment;
  the tests start one on loopback);
* ``mail.top_level_directory``: development - every message is written as an ``.eml``
  file in that directory instead (``var/mail/``), still only on commit (pyramid_mailer's
  own ``DebugMailer`` writes at once, even for a request that is then rolled back).
"""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime

from pyramid_mailer import get_mailer, mailer_factory_from_settings
from pyramid_mailer.interfaces import IMailer
from pyramid_mailer.mailer import Mailer

DEFAULT_SENDER = "noreply@localhost"


class DirectoryMailer:
    """A repoze.sendmail mailer that writes each message to a file; used through
    pyramid_mailer's transactional delivery, so files appear only on commit."""

    def __init__(self, directory: str):
        self.directory = directory

    def send(self, fromaddr, toaddrs, message):
        os.makedirs(self.directory, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        path = os.path.join(self.directory, f"{stamp}_{secrets.token_hex(4)}.eml")
        with open(path, "wb") as out:
            out.write(message.as_bytes())


def mailer_from_settings(settings) -> Mailer:
    directory = settings.get("mail.top_level_directory")
    sender = settings.get("mail.default_sender") or DEFAULT_SENDER
    if directory:
        return Mailer(smtp_mailer=DirectoryMailer(directory), default_sender=sender)
    settings = dict(settings)
    settings["mail.default_sender"] = sender
    return mailer_factory_from_settings(settings)


def sender(request) -> str:
    return request.mailer.default_sender or DEFAULT_SENDER


def includeme(config):
    config.registry.registerUtility(mailer_from_settings(config.get_settings()), IMailer)
    # request.mailer: the mailer bound to the request's transaction manager.
    config.add_request_method(get_mailer, "mailer", reify=True)
