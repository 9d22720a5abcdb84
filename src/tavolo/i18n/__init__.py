"""Languages: Italian by default, English as the second language.

Every string goes through ``_`` (domain ``tavolo``); the catalogues are in
``src/tavolo/locale``. colander's and deform's own catalogues are registered too, so that
validation messages speak the visitor's language.
"""

from pyramid.i18n import TranslationStringFactory

_ = TranslationStringFactory("tavolo")

DEFAULT_LOCALE = "it"
LOCALES = ("it", "en")
LANGUAGE_NAMES = {"it": "Italiano", "en": "English"}


def includeme(config):
    from tavolo.i18n.negotiation import negotiate_locale

    config.add_translation_dirs("colander:locale/", "deform:locale/", "tavolo:locale/")
    config.set_locale_negotiator(negotiate_locale)
    config.add_request_method(
        lambda request: request.localizer.locale_name, "locale_name_effective", reify=True
    )
    config.scan("tavolo.i18n.views")
