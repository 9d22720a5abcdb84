"""Settings from the ini file, with secrets and URLs taken from the environment.

A value written ``env:NAME`` in the ini file is read from the environment variable
``NAME``; a missing variable stops the start-up with a message naming it. In production
(``tavolo.environment = production``) the application refuses to start with a missing,
short or default secret.
"""

from __future__ import annotations

import os

from pyramid.settings import asbool

DEFAULT_SECRETS = frozenset({"", "change-me", "changeme", "secret", "development-only-secret"})
MIN_SECRET_LENGTH = 32


class ConfigurationError(RuntimeError):
    pass


def resolve_environment(settings: dict, environ=os.environ) -> dict:
    resolved = dict(settings)
    for key, value in settings.items():
        if isinstance(value, str) and value.startswith("env:"):
            name = value[4:].strip()
            if name not in environ:
                raise ConfigurationError(f"setting {key!r} needs the environment variable {name}")
            resolved[key] = environ[name]
    return resolved


def secure_cookies(settings: dict) -> bool:
    """Whether cookies carry ``Secure`` (and responses HSTS): the one reading of the flag."""
    return asbool(settings.get("tavolo.secure_cookies", False))


def is_production(settings: dict) -> bool:
    return settings.get("tavolo.environment", "development").strip().lower() == "production"


DEFAULT_LOCK_TIMEOUT = 10  # minutes


def lock_timeout(settings: dict) -> int:
    """``tavolo.lock_timeout``: minutes after which an edit lock nobody refreshes is free."""
    value = str(settings.get("tavolo.lock_timeout", DEFAULT_LOCK_TIMEOUT)).strip()
    try:
        minutes = int(value)
    except ValueError:
        minutes = 0
    if minutes < 1:
        raise ConfigurationError(
            f"tavolo.lock_timeout must be a whole number of minutes above 0, not {value!r}"
        )
    return minutes


def check_settings(settings: dict) -> None:
    lock_timeout(settings)
    secret = settings.get("tavolo.secret", "")
    if not settings.get("sqlalchemy.url"):
        raise ConfigurationError("sqlalchemy.url is not set")
    if is_production(settings):
        if secret in DEFAULT_SECRETS or len(secret) < MIN_SECRET_LENGTH:
            raise ConfigurationError(
                "tavolo.secret must be a random value of at least "
                f"{MIN_SECRET_LENGTH} characters in production (set TAVOLO_SECRET)"
            )
        if not secure_cookies(settings):
            raise ConfigurationError("tavolo.secure_cookies must be true in production")
    elif not secret:
        raise ConfigurationError("tavolo.secret is not set")


def load(global_config: dict | None, settings: dict) -> dict:
    settings = resolve_environment(settings)
    if global_config and "here" in global_config:
        settings.setdefault("here", global_config["here"])
    check_settings(settings)
    return settings
