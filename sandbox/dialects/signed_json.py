"""The signed_json dialect under /v3/<system>, in the WeChat Pay v3 manner.

JSON REST, one URL per operation (GET reads with query parameters, POST writes, DELETE unbinds); success
is the HTTP status, an error is 4xx/5xx {"code", "message"}. Requests are RSA-signed in Authorization,
every answer is signed by the platform (signed_json_auth). Amounts are {"total": fen, "currency": "CNY"},
times RFC 3339 +08:00, history rows have no id and page by offset/limit with total_count, PINs come RSA-OAEP
encrypted, and a paid payment can't be voided: only refunded.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

from sandbox import cards, faults, payments
from sandbox.context import current
from sandbox.dialects import common
from sandbox.dialects import signed_json_answers as answers
from sandbox.dialects.signed_json_auth import AuthProblem, answer_headers, check_authorization, decrypt_pin
from sandbox.errors import CardError, invalid, require_text

ROOT = "/v3/"
bp = Blueprint("signed_json", __name__, url_prefix="/v3/<system>")

WRONG_PIN_MARK = "undecryptable:"  # prefixed to a PIN that doesn't decrypt, so no password can equal it


def routing_error(http_error: HTTPException) -> Response:
    """An unknown path or method under /v3 answers PARAM_ERROR (or NOT_FOUND), signed like every answer."""
    status = http_error.code or 404
    return _signed(answers.error(status, "NOT_FOUND" if status == 404 else "PARAM_ERROR", http_error.description or ""))


@bp.url_value_preprocessor
def _pop_system(endpoint: str | None, values: dict[str, Any] | None) -> None:
    g.system = (values or {}).pop("system", "")


@bp.before_request
def _authenticate_and_inject_faults() -> Response | None:
    common.check_system_id(g.system)
    try:
        check_authorization(
            request.headers.get("Authorization", ""),
            current().keys,
            request.method,
            _request_target(),
            request.get_data(cache=True),
        )
    except AuthProblem as problem:
        return answers.error(401, "SIGN_ERROR", str(problem))
    g.cs = common.open_system(g.system)
    return common.inject_faults(_card_of_request)


@bp.after_request
def _sign_then_maybe_drop(response: Response) -> Response:
    """Every answer is signed by the platform; a dropped answer (fault) replaces it afterwards."""
    return common.drop_response(_signed(response))


@bp.errorhandler(CardError)
def _card_error(card_error: CardError) -> Response:
    status, code = answers.ERRORS[card_error.code]
    return answers.error(status, code, card_error.message)


def _signed(response: Response) -> Response:
    fault = g.get("fault")
    signed = answer_headers(
        current().keys, response.get_data(), corrupt=faults.corrupts_signature(fault), age=faults.answer_age(fault)
    )
    response.headers.update(signed)
    return response


def _fault_mode() -> str | None:
    fault = g.get("fault")
    return fault.mode if fault else None


def _request_target() -> str:
    """The path and query exactly as the request line had them (what the signature covers)."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if raw:
        return raw
    query = request.query_string.decode("latin-1")
    return request.path + (f"?{query}" if query else "")


def _body() -> dict[str, Any]:
    """The JSON object of a POST (or a DELETE's optional body)."""
    raw = request.get_data(cache=True)
    if not raw and request.method == "DELETE":
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise invalid("the body must be a JSON object")
    return body


def _money(body: dict[str, Any], name: str, key: str) -> int:
    """An amount {key: fen, "currency": "CNY"} in fen."""
    money = body.get(name)
    if not isinstance(money, dict) or money.get("currency", g.cs.rules.currency) != g.cs.rules.currency:
        raise invalid(f'{name} must be {{"{key}": fen, "currency": "{g.cs.rules.currency}"}}')
    return common.fen(money.get(key), f"{name}.{key}")


def _pin(card_id: str | None, text: Any) -> str | None:
    """The decrypted PIN; one that doesn't decrypt is a wrong one (and counts towards the lock)."""
    if text is None:
        return None
    if not isinstance(text, str) or not text or len(text) > 1024:
        raise invalid("pin must be the base64 RSA-OAEP ciphertext of the PIN")
    return decrypt_pin(current().keys, text) or WRONG_PIN_MARK + (card_id or "")


def _card_of_request(conn: sqlite3.Connection) -> str | None:
    """The card this request is about, for faults that name a card."""
    args = request.view_args or {}
    if "card_id" in args:
        return args["card_id"]
    if "out_trade_no" in args:
        return payments.payment_card_id(conn, g.cs.id, args["out_trade_no"])
    try:
        body = _body()
    except CardError:
        return None
    if isinstance(body.get("card_id"), str):
        return body["card_id"]
    if isinstance(body.get("out_trade_no"), str):
        return payments.payment_card_id(conn, g.cs.id, body["out_trade_no"])
    return common.card_id_of_number(conn, g.cs, body.get("card_no"))


def _number(name: str, low: int, high: int, default: int) -> int:
    value = request.args.get(name)
    if value is None or value == "":
        return default
    if not (value.isascii() and value.isdigit()) or not low <= int(value) <= high:
        raise invalid(f"{name} must be an integer from {low} to {high}")
    return int(value)


@bp.post("/cards/bind")
def bind() -> Response:
    """Bind a card to the user (openid) with its encrypted password."""
    body = _body()
    number = require_text(body, "card_no")
    card = cards.card_by_number(current().db.connection(), g.cs.id, number) if number else None
    request_ = {
        "user_id": require_text(body, "openid"),
        "card_number": number,
        "secret": _pin(card["card_id"] if card else None, body.get("password")),
    }
    return jsonify(answers.card(cards.bind(current().db, g.cs, request_)))


@bp.get("/users/<openid>/cards")
def list_cards(openid: str) -> Response:
    """The user's cards, balances included."""
    db = current().db
    found = [cards.card_detail(db, g.cs, openid, card["card_id"]) for card in cards.list_cards(db, g.cs, openid)]
    return jsonify({"data": [answers.card(card) for card in found], "total_count": len(found)})


@bp.get("/users/<openid>/cards/<card_id>")
def card_detail(openid: str, card_id: str) -> Response:
    return jsonify(answers.card(cards.card_detail(current().db, g.cs, openid, card_id)))


@bp.get("/users/<openid>/cards/<card_id>/bills")
def transactions(openid: str, card_id: str) -> Response:
    """Bills newest first, from offset, at most limit, with the total count."""
    offset, limit = _number("offset", 0, 10**6, 0), _number("limit", 1, cards.MAX_PAGE, cards.DEFAULT_PAGE)
    found, total = cards.offset_page(current().db, g.cs, openid, card_id, offset, limit)
    return jsonify(
        {"data": [answers.bill(txn) for txn in found], "offset": offset, "limit": limit, "total_count": total}
    )


@bp.delete("/users/<openid>/cards/<card_id>")
def unbind(openid: str, card_id: str) -> Response:
    """Unbind: 204 No Content."""
    _body()
    cards.unbind(current().db, g.cs, openid, card_id)
    return Response(status=204)


@bp.post("/transactions/card")
def pay() -> Response:
    """Pay with a card, idempotent on out_trade_no; a slow payment answers 202 USERPAYING (query it)."""
    body = _body()
    card_id = require_text(body, "card_id")
    charge = {
        "payment_id": require_text(body, "out_trade_no"),
        "user_id": require_text(body, "openid"),
        "card_id": card_id,
        "order_id": require_text(body, "attach", optional=True) or body["out_trade_no"],
        "amount": _money(body, "amount", "total"),
        "currency": g.cs.rules.currency,
    }
    secret = _pin(card_id, body.get("pin"))
    try:
        with current().db.write() as conn:
            payment = payments.charge(conn, g.cs, charge, secret, **common.pay_faults())
    except CardError as declined:
        if declined.code == "DUPLICATE":
            raise CardError("DUPLICATE", "out_trade_no was used with other parameters") from None
        raise
    response = jsonify(answers.trade(payment))
    response.status_code = 202 if payment["status"] == "PROCESSING" else 200
    return response


@bp.get("/transactions/out-trade-no/<out_trade_no>")
def payment_status(out_trade_no: str) -> Response:
    """SUCCESS, REFUND, USERPAYING, PAYERROR or CLOSED."""
    return jsonify(answers.trade(payments.payment_status(current().db, g.cs, out_trade_no)))


@bp.post("/refunds")
def refund() -> Response:
    """Refund part of a trade, once per out_refund_no (the same out_refund_no again answers the same refund)."""
    body = _body()
    out_trade_no, out_refund_no = require_text(body, "out_trade_no"), require_text(body, "out_refund_no")
    request_ = {"refund_id": out_refund_no, "amount": _money(body, "amount", "refund")}
    try:
        result = payments.refund(current().db, g.cs, out_trade_no, request_)
    except CardError as refused:
        if refused.code == "DUPLICATE":
            return answers.error(409, "OUT_REFUND_NO_USED", "out_refund_no was used for another trade or amount")
        raise
    paid = result["payment"]
    return jsonify(
        {
            "refund_id": "5030" + out_refund_no.encode().hex()[:24],
            "out_refund_no": out_refund_no,
            "out_trade_no": out_trade_no,
            "status": "PROCESSING" if _fault_mode() == "refund_processing" else "SUCCESS",
            "amount": {"refund": result["refund"]["amount"], "total": paid["amount"], "currency": paid["currency"]},
        }
    )
