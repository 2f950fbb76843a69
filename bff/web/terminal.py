"""The terminal API: stores' tills redeem pay codes, query, cancel and refund, each request signed."""

from __future__ import annotations

import json
import logging
import re
import secrets
import time
from typing import Any

from flask import Blueprint, abort, g, jsonify, request
from werkzeug.wrappers import Response

from bff import csrf
from bff.checkout.refunds import RefundProblem, RefundRefused
from bff.merchants.env import EnvRefused
from bff.paycode.answers import TillAnswer
from bff.paycode.codes import CodeProblem
from bff.paycode.terminal_auth import terminal_request_ok
from bff.paycode.till import Terms, TillProblem, TillRefused, terms_for
from bff.security.tries import give_back, keyed_hash, reserve_all
from bff.web.errors import api_error
from bff.web.shopper import services

log = logging.getLogger(__name__)
bp = Blueprint("terminal", __name__, url_prefix="/api/terminal/v1")
csrf.exempt(bp)  # signed by the terminal instead; no browser posts here
TXN_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
MAX_FEN = 10**15
MAX_BODY_BYTES = 4 * 1024
IN_FLIGHT_SECONDS = 60  # longer than a redemption takes (card-system timeouts); a crashed one frees itself
CODE_FAILURES = frozenset({CodeProblem.INVALID.value, CodeProblem.EXPIRED.value, "CODE_USED"})
TILL_STATUS = {
    TillProblem.TXN_NOT_FOUND: 404,
    TillProblem.TXN_MISMATCH: 409,
    TillProblem.CANCEL_WINDOW_PASSED: 409,
    TillProblem.NOT_CANCELLABLE: 409,
}
REFUND_STATUS = {
    RefundProblem.ORDER_NOT_FOUND: 404,
    RefundProblem.NOT_REFUNDABLE: 409,
    RefundProblem.REFUND_EXCEEDED: 409,
    RefundProblem.DUPLICATE: 409,
}


@bp.before_request
def signed_by_a_terminal() -> tuple[Response, int] | None:
    """Who is asking (merchant and terminal) and whether that terminal's key signed this very request."""
    request.max_content_length = MAX_BODY_BYTES
    merchant = services().registry.get(request.headers.get("X-Kabao-Merchant", ""))
    terminal_id = request.headers.get("X-Kabao-Terminal", "")
    terms = None if merchant is None else terms_for(merchant.id, merchant.config, terminal_id)
    if merchant is None or terms is None:
        return api_error("UNAUTHORIZED", 401)
    terminal = terms.paycode.terminals[terminal_id]
    try:
        key = services().gateways.env.secret(terminal.key_env)
    except EnvRefused:
        key = ""
    query = request.query_string.decode("utf-8", "replace")
    problem = terminal_request_ok(
        services().store,
        key,
        request.headers.get("X-Kabao-Timestamp", ""),
        request.headers.get("X-Kabao-Signature", ""),
        request.method,
        request.path + (f"?{query}" if query else ""),
        request.get_data(cache=True),
        time.time(),
    )
    if problem:
        log.warning("terminal API: %s on %s %s from %s", problem, request.method, request.path, terminal_id)
        return api_error(problem, 401)
    g.terms = terms
    g.gateway = services().gateways.for_merchant(merchant)
    return None


def _body() -> dict[str, Any]:
    try:
        body = json.loads(request.get_data(cache=True))
    except (ValueError, RecursionError):
        abort(400)
    if not isinstance(body, dict):
        abort(400)
    return body


def _amount(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= MAX_FEN:
        abort(400)
    return value


def _id(value: Any) -> str:
    if not isinstance(value, str) or not TXN_ID.fullmatch(value):
        abort(400)
    return value


def _answer(answer: TillAnswer) -> Response:
    return jsonify({"result": "OK", "transaction": answer.as_json()})


@bp.errorhandler(TillRefused)
def till_refused(exc: TillRefused) -> tuple[Response, int]:
    return api_error(exc.problem.value, TILL_STATUS[exc.problem])


@bp.errorhandler(RefundRefused)
def refund_refused(exc: RefundRefused) -> tuple[Response, int]:
    return api_error(exc.problem.value, REFUND_STATUS[exc.problem])


@bp.post("/redeem")
def redeem() -> Response | tuple[Response, int]:
    """Charge a shopper's pay code; the terminal's transaction id makes a retry answer the same payment."""
    body = _body()
    txn_id, amount, code = _id(body.get("txn_id")), _amount(body.get("amount")), body.get("code")
    if not isinstance(code, str) or len(code) > 64:
        abort(400)
    terms: Terms = g.terms
    store, holder = services().store, secrets.token_hex(8)
    working = f"paycode-txn:{keyed_hash(b'terminal', f'{terms.merchant_id}:{terms.terminal_id}:{txn_id}')}"
    if not store.lease(working, holder, IN_FLIGHT_SECONDS):
        # a retry while another request works this transaction: it looks at no code and takes no failure slot
        # (so a till's retries can't use up its limit); the till queries the transaction for the outcome
        return _answer(TillAnswer(txn_id, "PROCESSING", amount))
    try:
        return _redeem_once(terms, txn_id, code.strip(), amount)
    finally:
        store.end_lease(working, holder)


def _redeem_once(terms: Terms, txn_id: str, code: str, amount: int) -> Response | tuple[Response, int]:
    """One request's redemption, its code counted against the terminal's limit only when the code is refused."""
    limit = terms.paycode.failed_redemptions
    key = f"paycode-failures:{keyed_hash(b'terminal', f'{terms.merchant_id}:{terms.terminal_id}')}"
    taken = reserve_all(services().store, [(key, limit.attempts, limit.window_seconds)])
    if taken is None:
        log.warning("terminal %s: too many refused codes; redemptions paused", terms.terminal_id)
        return api_error("TOO_MANY_FAILURES", 429)
    answer = None
    try:
        answer = services().till.redeem(g.gateway, terms, txn_id, code, amount)
    finally:
        if answer is None or answer.reason not in CODE_FAILURES:
            give_back(services().store, taken)  # only refused codes count against the terminal
    return _answer(answer)


@bp.get("/transactions/<txn_id>")
def query(txn_id: str) -> Response | tuple[Response, int]:
    """Where a transaction stands (for PROCESSING answers)."""
    return _answer(services().till.query(g.gateway, g.terms, _id(txn_id)))


@bp.post("/transactions/<txn_id>/cancel")
def cancel(txn_id: str) -> Response | tuple[Response, int]:
    """Void a transaction within the merchant's window: the whole payment goes back."""
    return _answer(services().till.cancel(g.gateway, g.terms, _id(txn_id)))


@bp.post("/transactions/<txn_id>/refunds")
def refund(txn_id: str) -> Response | tuple[Response, int]:
    """Refund part or all of a paid transaction, never more than was paid; idempotent by refund id."""
    body = _body()
    refund_id, amount = _id(body.get("refund_id")), _amount(body.get("amount"))
    done = services().till.refund(g.gateway, g.terms, _id(txn_id), refund_id, amount)
    answer = {"refund_id": refund_id, "amount": done.amount, "status": done.status}
    if done.status == "FAILED":
        return jsonify({"result": "ERROR", "error": {"code": "REFUND_FAILED"}, "refund": answer}), 409
    return jsonify({"result": "OK", "refund": answer})
