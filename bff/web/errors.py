"""Error pages in the shopper's language: a whole page, or a fragment for htmx."""

from __future__ import annotations

import logging

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from bff.web.render import is_htmx
from bff.web.shopper import translator

log = logging.getLogger(__name__)
KNOWN = {400, 401, 403, 404, 405, 422, 429, 500}


def _render(status: int, key: str) -> tuple[str, int]:
    t = translator()
    template = "partials/error.html" if is_htmx() else "error.html"
    body = render_template(template, heading=t(f"error.{key}.title"), message=t(f"error.{key}.body"))
    return body, status


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> tuple[str, int]:
        log.info("CSRF check failed: %s", exc.description)
        return _render(400, "csrf")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> tuple[str, int]:
        status = exc.code or 500
        return _render(status, str(status) if status in KNOWN else "500")

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> tuple[str, int]:
        log.exception("unexpected error")
        return _render(500, "500")
