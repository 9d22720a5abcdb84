"""Tavolo: intranet and public site of a Consiglio Territoriale per l'Immigrazione."""

from pyramid.config import Configurator

from tavolo import settings as tavolo_settings


def main(global_config, **settings):
    """The WSGI application. It only composes the packages; each registers itself."""
    settings = tavolo_settings.load(global_config, settings)
    with Configurator(settings=settings) as config:
        config.include("pyramid_chameleon")
        config.include("tavolo.db")
        config.include("tavolo.i18n")
        config.include("tavolo.security")
        config.include("tavolo.web")
        config.include("tavolo.files")
        config.include("tavolo.content")
        config.include("tavolo.versioning")
        config.include("tavolo.accounts")
        config.include("tavolo.workflow")
        config.include("tavolo.notify")
        config.include("tavolo.feeds")
        config.include("tavolo.audit")
        config.include("tavolo.comments")
        config.include("tavolo.vademecum")
        config.include("tavolo.search")
    return config.make_wsgi_app()
