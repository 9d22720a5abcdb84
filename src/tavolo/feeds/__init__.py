"""Feeds: Atom for folders, iCalendar for events, and personal feed tokens.

Feeds hold what an anonymous visitor may see, unless fetched with a personal feed token
(``?token=...``, see ``tavolo.accounts.feed_tokens``): then what the token's owner may see.
"""


def includeme(config):
    config.scan("tavolo.feeds.views")
    config.scan("tavolo.feeds.token_views")
