"""The host app's server-to-server API: order status and refunds, authenticated by signature."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from werkzeug.wrappers import Response

from bff import csrf
from bff.checkout.records import Checkout
from bff.checkout.refunds import REFUND_ID, RefundProblem, RefundRefused
from bff.checkout.results import order_status, outcome_of
from bff.checkout.states import AttemptStatus
from bff.security.signatures import request_is_signed
from bff.web.errors import api_error
from bff.web.shopper import services

log = logging.getLogger(__name__)
bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # signed by the host app instead; no browser ever posts here
MAX_FEN = 10**15  # far above any real order, far inside SQLite's integer range
STATUS = {
    RefundProblem.ORDER_NOT_FOUND: 404,
    RefundProblem.NOT_REFUNDABLE: 409,
    RefundProblem.REFUND_EXCEEDED: 409,
    RefundProblem.DUPLICATE: 409,
}


MAX_BODY_BYTES = 16 * 1024  # a refund request is a few hundred bytes


def _error(code: str, status: int) -> tuple[Response, int]:
    return api_error(code, status)


def _json_body() -> Any:
    """The request's JSON, or None when it is not JSON we can read (a 400, never a 500)."""
    try:
        return json.loads(request.get_data(cache=True))
    except (ValueError, RecursionError):
        return None


@bp.before_request
def signed_only() -> tuple[Response, int] | None:
    request.max_content_length = MAX_BODY_BYTES  # larger bodies answer 413 before anything reads them
    query = request.query_string.decode("utf-8", "replace")
    path = request.path + (f"?{query}" if query else "")
    if not request_is_signed(
        current_app.config["KABAO_HOST_SECRET"],
        request.headers.get("X-Kabao-Timestamp", ""),
        request.headers.get("X-Kabao-Signature", ""),
        request.method,
        path,
        request.get_data(cache=True),
        time.time(),
    ):
        log.warning("host API: bad or stale signature on %s %s", request.method, request.path)
        return _error("UNAUTHORIZED", 401)
    return None


@bp.get("/orders/<merchant_id>/<order_id>")
def order(merchant_id: str, order_id: str) -> Response | tuple[Response, int]:
    """Where an order's card payment stands (for results the app saw as PENDING)."""
    ledger = services().ledger
    checkout = ledger.checkout_by_order(merchant_id, order_id)
    if checkout is None:
        return _error("ORDER_NOT_FOUND", 404)
    _confirm_pending(checkout)
    legs = ledger.legs(checkout.checkout_id)
    outcome = outcome_of(checkout, ledger.latest_attempt(checkout.checkout_id), legs)
    refunded = services().refunds.refunded(merchant_id, order_id)
    return jsonify({"result": "OK", "order": order_status(checkout, outcome, legs, refunded)})


def _refund_request(body: Any) -> dict[str, Any] | None:
    """The refund request's fields, or None when they break the contract (400)."""
    fields = ("merchant_id", "order_id", "refund_id", "amount")
    if not isinstance(body, dict) or any(k not in body for k in fields):
        return None
    amount = body["amount"]
    if not isinstance(amount, int) or isinstance(amount, bool) or not 0 < amount <= MAX_FEN:
        return None
    if not all(isinstance(body[k], str) for k in fields[:3]) or not REFUND_ID.fullmatch(body["refund_id"]):
        return None
    return {k: body[k] for k in fields}


def _confirm_pending(checkout: Checkout) -> None:
    """Ask the card systems about a pending attempt, as the result page does, so the answer moves on."""
    attempt = services().ledger.latest_attempt(checkout.checkout_id)
    merchant = services().registry.get(checkout.merchant_id)
    if attempt is None or attempt.status not in (AttemptStatus.PENDING, AttemptStatus.PROCESSING):
        return
    if merchant is None or merchant.config.checkout is None:
        return
    gateway = services().gateways.for_merchant(merchant)
    budget = merchant.config.backend.timeouts.one_call
    services().payer.confirm(gateway, checkout, attempt.seq, merchant.config.checkout.status_query, budget)


@bp.post("/refunds")
def refund() -> Response | tuple[Response, int]:
    """Refund part or all of a paid order, split across its card payments by the merchant's policy."""
    asked = _refund_request(_json_body())
    if asked is None:
        return _error("INVALID_REQUEST", 400)
    merchant = services().registry.get(asked["merchant_id"])
    if merchant is None or merchant.config.checkout is None:
        return _error(RefundProblem.ORDER_NOT_FOUND.value, 404)
    if not merchant.config.offers("refund"):
        return _error(RefundProblem.NOT_REFUNDABLE.value, 409)  # the card system has no refunds
    refunds = services().refunds
    try:
        started = refunds.start(
            merchant.id, asked["order_id"], asked["refund_id"], asked["amount"], merchant.config.checkout.refund_policy
        )
    except RefundRefused as exc:
        return _error(exc.problem.value, STATUS[exc.problem])
    done = refunds.send(services().gateways.for_merchant(merchant), merchant.id, started)
    answer = {
        "refund_id": done.refund_id,
        "amount": done.amount,
        "status": done.status,
        "legs": [{"last4": leg.last4, "amount": leg.amount, "status": leg.status} for leg in done.legs],
    }
    if done.status == "FAILED":  # a card system refused its part: not OK, though other parts may be back
        return jsonify({"result": "ERROR", "error": {"code": "REFUND_FAILED"}, "refund": answer}), 409
    return jsonify({"result": "OK", "refund": answer})
