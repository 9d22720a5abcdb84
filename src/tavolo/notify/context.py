"""What notifications need to send mail: a mailer joined to the right transaction, the
site's address for links, and the recipients' languages.

Built from the request in a view (``request.mailer`` is bound to the request's transaction),
or from the settings in a console script, with that script's transaction manager. Either
way a mail leaves only when that transaction commits.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from pyramid.i18n import TranslationString, make_localizer
from pyramid.interfaces import ITranslationDirectories
from pyramid.path import AssetResolver
from pyramid_mailer.interfaces import IMailer
from pyramid_mailer.message import Message

from tavolo.accounts.profile_views import VIEW_NAME as PROFILE_VIEW_NAME
from tavolo.i18n import DEFAULT_LOCALE, LOCALES
from tavolo.web.mail import DEFAULT_SENDER, mailer_from_settings

# The tag in front of every subject, so that people can filter these mails.
DEFAULT_MAIL_TAG = "Tavolo"
# Session ``info`` key under which a script leaves its context for the subscriber.
SESSION_KEY = "tavolo.notify.context"


def _base_url(settings, fallback: str = "") -> str:
    # The configured address wins over the request's: a link in a mail must not depend on
    # the Host header a client happened to send.
    return (settings.get("tavolo.base_url") or fallback).rstrip("/")


@dataclass
class NoticeContext:
    mailer: Any  # a pyramid_mailer Mailer bound to the transaction manager
    base_url: str
    translation_dirs: list[str] = field(default_factory=list)
    mail_tag: str = DEFAULT_MAIL_TAG

    @classmethod
    def from_request(cls, request) -> NoticeContext:
        settings = request.registry.settings
        return cls(
            # request.mailer is bound to the request's transaction (pyramid_tm's manager).
            mailer=request.mailer,
            base_url=_base_url(settings, request.application_url),
            translation_dirs=list(request.registry.queryUtility(ITranslationDirectories) or []),
            mail_tag=settings.get("tavolo.mail_tag", DEFAULT_MAIL_TAG),
        )

    @classmethod
    def from_registry(cls, registry, transaction_manager) -> NoticeContext:
        """For scripts that bootstrapped the application (they have its registry)."""
        settings = registry.settings
        mailer = registry.getUtility(IMailer).bind(transaction_manager=transaction_manager)
        dirs = list(registry.queryUtility(ITranslationDirectories) or []) or _tavolo_locale()
        return cls(
            mailer=mailer,
            base_url=_required_base_url(settings),
            translation_dirs=dirs,
            mail_tag=settings.get("tavolo.mail_tag", DEFAULT_MAIL_TAG),
        )

    @classmethod
    def from_settings(cls, settings, transaction_manager) -> NoticeContext:
        """For scripts that only read the ini file's settings."""
        mailer = mailer_from_settings(settings).bind(transaction_manager=transaction_manager)
        return cls(
            mailer=mailer,
            base_url=_required_base_url(settings),
            translation_dirs=_tavolo_locale(),
            mail_tag=settings.get("tavolo.mail_tag", DEFAULT_MAIL_TAG),
        )

    # links --------------------------------------------------------------------------
    def node_url(self, node) -> str:
        return self.base_url + quote(node.path, safe="/")

    @property
    def profile_url(self) -> str:
        return f"{self.base_url}/@@{PROFILE_VIEW_NAME}"

    # languages ----------------------------------------------------------------------
    @staticmethod
    def language_of(user) -> str:
        return user.language if user.language in LOCALES else DEFAULT_LOCALE

    def translator(self, user):
        """``text(term)`` in ``user``'s language; terms in a mapping are translated too."""
        localizer = _localizer(self.language_of(user), tuple(self.translation_dirs))

        def text(term) -> str:
            if not isinstance(term, TranslationString):
                return str(term)
            mapping = {
                key: text(value) if isinstance(value, TranslationString) else value
                for key, value in (term.mapping or {}).items()
            }
            return localizer.translate(term, mapping=mapping or None)

        return text

    # sending ------------------------------------------------------------------------
    def send(self, user, subject: str, body: str) -> None:
        """Queue one plain-text mail to ``user``: it leaves when the transaction commits."""
        self.mailer.send(
            Message(
                subject=subject,
                sender=self.mailer.default_sender or DEFAULT_SENDER,
                recipients=[user.email],
                body=body,
                # RFC 3834: out-of-office robots do not answer a notice.
                extra_headers={"Auto-Submitted": "auto-generated"},
            )
        )


@functools.lru_cache(maxsize=8)
def _localizer(language: str, translation_dirs: tuple[str, ...]):
    # Reading the catalogues once per process, not once per transition.
    return make_localizer(language, list(translation_dirs))


def _tavolo_locale() -> list[str]:
    return [AssetResolver().resolve("tavolo:locale/").abspath()]


class MissingBaseURL(RuntimeError):
    pass


def _required_base_url(settings) -> str:
    base_url = _base_url(settings)
    if not base_url:
        # Without it a script cannot write a link that works: say so, send nothing.
        raise MissingBaseURL(
            "tavolo.base_url is not set: mails sent by scripts need the site's address "
            "(e.g. https://cti.example.it)"
        )
    return base_url


def attach(dbsession, context: NoticeContext) -> None:
    """Let the subscriber send notices for events fired without a request in this session
    (scripts): the context carries the mailer bound to the session's transaction."""
    dbsession.info[SESSION_KEY] = context


def attached(dbsession) -> NoticeContext | None:
    return dbsession.info.get(SESSION_KEY) if dbsession is not None else None
