"""Security headers on every response, error pages and static files included."""

from __future__ import annotations

from tavolo.settings import secure_cookies

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        # Bootstrap Italia's components set style attributes from JavaScript.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def security_headers_tween_factory(handler, registry):
    hsts = secure_cookies(registry.settings)

    def security_headers_tween(request):
        response = handler(request)
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        if hsts:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if request.environ.get("tavolo.auth") is not None:
            # Pages of a logged-in user must not be kept by shared caches.
            headers.setdefault("Cache-Control", "private, no-store")
        return response

    return security_headers_tween
