"""Security headers on every BFF response."""

from __future__ import annotations

from flask import Response


def content_security_policy(frame_ancestors: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "form-action 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            f"frame-ancestors {frame_ancestors}",
        ]
    )


def add_security_headers(response: Response, csp: str) -> Response:
    response.headers.setdefault("Content-Security-Policy", csp)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response
