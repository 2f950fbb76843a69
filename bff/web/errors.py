"""Error answers: pages in the shopper's language (a fragment for htmx), JSON on the host-app API."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from bff.checkout.ledger_port import LedgerUnavailable
from bff.store import StoreUnavailable
from bff.web.render import is_htmx
from bff.web.shopper import current_shopper, ended_session_merchant, translator

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


def _render(status: int, key: str) -> tuple[str, int] | Response:
    if status == 401 and current_shopper() is None:
        return _session_ended()
    t = translator()
    template = "partials/error.html" if is_htmx() else "error.html"
    body = render_template(template, heading=t(f"error.{key}.title"), message=t(f"error.{key}.body"))
    return body, status


def _session_ended() -> Response:
    """The wallet's own page, in its brand when we know it, with the way back to the app; htmx reloads into it."""
    t = translator()
    merchant = ended_session_merchant()
    config = merchant.config if merchant else None
    body = render_template(
        "expired.html",
        heading=t("error.401.title"),
        message=t("error.401.body"),
        merchant=merchant,
        merchant_config=config,
        app_url=config.support.app_url if config else None,
    )
    response = make_response(body, 401)
    if is_htmx():  # a swap would be dropped and the tap do nothing: load the whole page instead
        response.headers["HX-Refresh"] = "true"
    return response


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> tuple[str | Response, int]:
        log.info("CSRF check failed: %s", exc.description)
        return api_error("INVALID_REQUEST", 400) if _is_api() else _render(400, "csrf")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> tuple[str | Response, int] | Response:
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
