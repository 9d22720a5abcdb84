"""Feeds: Atom for folders, iCalendar for events, and personal feed tokens.

Feeds hold what an anonymous visitor may see, unless fetched with a personal feed token
(``?token=...``, see ``tavolo.accounts.feed_tokens``): then what the token's owner may see.
"""

from tavolo.feeds.access import resolve_feed_token
from tavolo.feeds.views import FEED_VIEWS
from tavolo.security.policy import add_token_identity


def includeme(config):
    add_token_identity(config, FEED_VIEWS, resolve_feed_token)
    config.scan("tavolo.feeds.views")
    config.scan("tavolo.feeds.token_views")
