"""The web shell: layout, static files, security headers and error pages."""

from __future__ import annotations

import os


def includeme(config):
    settings = config.get_settings()
    here = settings.get("here", os.getcwd())
    templates = os.path.abspath(
        settings.get("tavolo.templates_dir") or os.path.join(here, "templates")
    )
    static = os.path.abspath(settings.get("tavolo.static_dir") or os.path.join(here, "static"))
    settings["tavolo.templates_dir"] = templates
    settings["tavolo.static_dir"] = static

    # Templates live at the top of the project; renderer names stay "tavolo:templates/...".
    config.override_asset(to_override="tavolo:templates/", override_with=templates + "/")
    # Before our own static view: /static/deform/ must not be looked for in static/.
    config.include("tavolo.web.forms")
    config.include("tavolo.web.mail")
    config.add_static_view("static", static, cache_max_age=3600)
    config.add_tween("tavolo.web.headers.security_headers_tween_factory")
    config.scan("tavolo.web.layout")
    config.scan("tavolo.web.errors")
