"""The audit trail: an append-only record of security events, and its viewer.

It depends on the packages whose events it records (accounts, security); none of them
imports it.
"""

from tavolo.audit import subscribers


def includeme(config):
    subscribers.register(config)
    config.scan("tavolo.audit.views")
