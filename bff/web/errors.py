"""Error answers: pages in the shopper's language (a fragment for htmx), JSON on the host-app API."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from bff.checkout.ledger_port import LedgerUnavailable
from bff.store import StoreUnavailable
from bff.web.render import is_htmx
from bff.web.shopper import translator

log = logging.getLogger(__name__)
KNOWN = {400, 401, 403, 404, 405, 409, 413, 422, 429, 500, 503}
API_PREFIX = "/api/"
API_CODES = {  # docs/host-app-contract.md, "Errors"
    400: "INVALID_REQUEST",
    401: "UNAUTHORIZED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "PAYLOAD_TOO_LARGE",
    415: "INVALID_REQUEST",
    429: "TOO_MANY_REQUESTS",
    503: "SERVICE_UNAVAILABLE",
}
RETRY_AFTER_SECONDS = "5"


def api_error(code: str, status: int) -> tuple[Response, int]:
    """The host-app contract's error shape."""
    return jsonify({"result": "ERROR", "error": {"code": code}}), status


def _is_api() -> bool:
    return request.path.startswith(API_PREFIX)


def _render(status: int, key: str) -> tuple[str, int]:
    t = translator()
    template = "partials/error.html" if is_htmx() else "error.html"
    body = render_template(template, heading=t(f"error.{key}.title"), message=t(f"error.{key}.body"))
    return body, status


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> tuple[str | Response, int]:
        log.info("CSRF check failed: %s", exc.description)
        return api_error("INVALID_REQUEST", 400) if _is_api() else _render(400, "csrf")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> tuple[str | Response, int]:
        status = exc.code or 500
        if _is_api():
            return api_error(API_CODES.get(status, "INVALID_REQUEST" if status < 500 else "INTERNAL_ERROR"), status)
        return _render(status, str(status) if status in KNOWN else "500")

    @app.errorhandler(StoreUnavailable)
    @app.errorhandler(LedgerUnavailable)
    def unavailable(exc: Exception) -> tuple[str | Response, int, dict[str, str]]:
        log.error("dependency unavailable: %s", exc)  # the readiness check (/readyz) says which, too
        answer = api_error("SERVICE_UNAVAILABLE", 503)[0] if _is_api() else _render(503, "503")[0]
        return answer, 503, {"Retry-After": RETRY_AFTER_SECONDS}

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> tuple[str | Response, int]:
        log.exception("unexpected error")
        if _is_api():
            return api_error("INTERNAL_ERROR", 500)
        return _render(500, "500")
