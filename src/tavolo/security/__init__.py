"""Security: roles, principals, the security policy and CSRF protection.

Nothing is imported at the package's top: ``tavolo.security.roles`` is the vocabulary the
workflow definitions use, and importing it must not pull in the policy (which needs the
content models, which need the workflow).
"""


def includeme(config):
    from tavolo.security.csrf import SignedCookieCSRFStoragePolicy
    from tavolo.security.policy import TavoloSecurityPolicy
    from tavolo.security.roles import VIEW
    from tavolo.settings import secure_cookies

    settings = config.get_settings()
    secure = secure_cookies(settings)
    config.set_security_policy(TavoloSecurityPolicy())
    config.set_csrf_storage_policy(
        SignedCookieCSRFStoragePolicy(settings["tavolo.secret"], secure=secure)
    )
    # Every unsafe request needs the token, views included that forget to ask for it.
    config.set_default_csrf_options(require_csrf=True)
    # Deny by default: a view registered without a permission still needs "view".
    config.set_default_permission(VIEW)
    config.scan("tavolo.security.sharing_views")
