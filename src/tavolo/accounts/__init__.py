"""Accounts: users, organisations, groups, memberships, login sessions, profiles."""

from tavolo.accounts.sessions import SessionPolicy


def includeme(config):
    config.registry["tavolo.session_policy"] = SessionPolicy.from_settings(config.get_settings())
    # Resolve the login session before pyramid_tm opens the request's transaction.
    config.add_tween(
        "tavolo.accounts.sessions.session_tween_factory", over="pyramid_tm.tm_tween_factory"
    )
    config.scan("tavolo.accounts.views")
    config.scan("tavolo.accounts.password_views")
    config.scan("tavolo.accounts.admin_views")
    config.scan("tavolo.accounts.organisation_views")
    config.scan("tavolo.accounts.organisation_member_views")
    config.scan("tavolo.accounts.group_views")
    config.scan("tavolo.accounts.profile_views")
    config.scan("tavolo.accounts.admin_home_views")
