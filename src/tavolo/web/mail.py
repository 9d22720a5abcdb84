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

SMTP goes out with CRLF line endings. repoze.sendmail (under pyramid_mailer) hands smtplib
the message as bytes with bare LF (repoze/repoze.sendmail#49, open), and smtplib sends
bytes as they are: to the server every message is one long line, and past 998 bytes
strict servers refuse it (aiosmtpd: "Line too long"; Exchange Online: 550 5.6.11) - after
the database has committed, so the user would see an error for a change that was saved.
"""

from __future__ import annotations

import os
import re
import secrets
import smtplib
from datetime import UTC, datetime

from pyramid_mailer import get_mailer, mailer_factory_from_settings
from pyramid_mailer.interfaces import IMailer
from pyramid_mailer.mailer import Mailer
from repoze.sendmail.mailer import SMTPMailer

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


_LINE_END = re.compile(rb"\r\n|\r|\n")


def _crlf(message):
    return _LINE_END.sub(b"\r\n", message) if isinstance(message, bytes) else message


class CRLFSMTP(smtplib.SMTP):
    def sendmail(self, from_addr, to_addrs, msg, *args, **kwargs):
        return super().sendmail(from_addr, to_addrs, _crlf(msg), *args, **kwargs)


class CRLFSMTP_SSL(smtplib.SMTP_SSL):
    def sendmail(self, from_addr, to_addrs, msg, *args, **kwargs):
        return super().sendmail(from_addr, to_addrs, _crlf(msg), *args, **kwargs)


def mailer_from_settings(settings) -> Mailer:
    directory = settings.get("mail.top_level_directory")
    sender = settings.get("mail.default_sender") or DEFAULT_SENDER
    if directory:
        return Mailer(smtp_mailer=DirectoryMailer(directory), default_sender=sender)
    settings = dict(settings)
    settings["mail.default_sender"] = sender
    mailer = mailer_factory_from_settings(settings)
    if isinstance(mailer.smtp_mailer, SMTPMailer):
        # Shared by every copy ``bind`` makes for a transaction manager.
        mailer.smtp_mailer.smtp = CRLFSMTP
        mailer.smtp_mailer.smtp_ssl = CRLFSMTP_SSL
    return mailer


def sender(request) -> str:
    return request.mailer.default_sender or DEFAULT_SENDER


def includeme(config):
    config.registry.registerUtility(mailer_from_settings(config.get_settings()), IMailer)
    # request.mailer: the mailer bound to the request's transaction manager.
    config.add_request_method(get_mailer, "mailer", reify=True)
