"""The maple dialect under /openapi/<system>/v2: JSON envelopes in fen, HMAC headers, no status while processing."""

from __future__ import annotations

import hmac
import json
import sqlite3
from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

from sandbox import cards, payments
from sandbox.context import current
from sandbox.dialects import common
from sandbox.dialects.signing import maple_signature
from sandbox.errors import HTTP_STATUS, CardError, invalid, require_text
from sandbox.verification import send_sms_code

ROOT = "/openapi/"
bp = Blueprint("maple", __name__, url_prefix="/openapi/<system>/v2")

CODES = {
    "CARD_NOT_FOUND": "CARD_MISSING",
    "WRONG_SECRET": "AUTH_FAILED",
    "SECRET_LOCKED": "AUTH_LOCKED",
    "CARD_FROZEN": "CARD_BLOCKED",
    "CARD_EXPIRED": "CARD_EXPIRED",
    "ALREADY_BOUND": "CARD_TAKEN",
    "INSUFFICIENT_BALANCE": "BALANCE_LOW",
    "LIMIT_EXCEEDED": "QUOTA_EXCEEDED",
    "DUPLICATE": "REQUEST_REPEATED",
    "PAYMENT_NOT_FOUND": "ORDER_MISSING",
    "REFUND_EXCEEDED": "REFUND_TOO_LARGE",
    "NOT_REVERSIBLE": "NOT_VOIDABLE",
    "INVALID_REQUEST": "PARAM_INVALID",
    "UNAUTHORIZED": "SIGN_INVALID",
    "UNAVAILABLE": "SYSTEM_BUSY",
}
CARD_STATES = {"ACTIVE": "NORMAL", "FROZEN": "BLOCKED", "EXPIRED": "EXPIRED"}
ENTRY_TYPES = {
    "PAYMENT": "CONSUME",
    "REFUND": "REFUND",
    "REVERSAL": "VOID",
    "TOPUP": "RECHARGE",
    "ADJUSTMENT": "ADJUST",
}
PAYMENT_STATUSES = {"SUCCEEDED": "PAID", "FAILED": "DECLINED", "PROCESSING": "PENDING", "REVERSED": "VOIDED"}
MASK_HEAD = 2


def answer(result: str = "SUCCESS", message: str = "success", status: int = 200, **body: Any) -> Response:
    """A maple envelope; errors keep the standard API's HTTP status for the same refusal."""
    response = jsonify({"header": {"resultCode": result, "message": message}, "body": body})
    response.status_code = status
    return response


def routing_error(error: HTTPException) -> Response:
    """An unknown path or method under /openapi answers PARAM_INVALID with the routing error's status."""
    return answer("PARAM_INVALID", error.description or "no such operation", error.code or 404)


@bp.url_value_preprocessor
def _pop_system(endpoint: str | None, values: dict[str, Any] | None) -> None:
    g.system = (values or {}).pop("system", "")


@bp.before_request
def _check_signature_and_inject_faults() -> Response | None:
    common.check_system_id(g.system)
    if not _signed():
        return answer("SIGN_INVALID", "missing or wrong X-Maple-Timestamp / X-Maple-Signature", 401)
    g.cs = common.open_system(g.system)
    return common.inject_faults(_card_of_request)


bp.after_request(common.drop_response)


@bp.errorhandler(CardError)
def _card_error(error: CardError) -> Response:
    body = {"payment": _payment(error.payment)} if error.payment is not None else {}
    return answer(CODES[error.code], error.message, HTTP_STATUS[error.code], **body)


def _signed() -> bool:
    key = current().keys.get("KABAO_MERCHANT_MAPLE_HMAC_KEY", "")
    timestamp = request.headers.get("X-Maple-Timestamp", "")
    given = request.headers.get("X-Maple-Signature", "")
    if not key or not given.isascii() or not (timestamp.isascii() and timestamp.isdigit()):
        return False
    payload = request.get_data(cache=True) if request.method == "POST" else _request_target()
    return hmac.compare_digest(given.lower().encode(), maple_signature(key, timestamp, payload).encode())


def _request_target() -> str:
    """The path and query exactly as the request line had them (what a GET signs)."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if raw:
        return raw
    query = request.query_string.decode("latin-1")
    return request.path + (f"?{query}" if query else "")


def _body() -> dict[str, Any]:
    """The `body` of a {"header": …, "body": {…}} request (the sandbox ignores the header)."""
    try:
        envelope = json.loads(request.get_data(cache=True))
    except ValueError:
        envelope = None
    if not isinstance(envelope, dict) or not isinstance(envelope.get("body"), dict):
        raise invalid('a maple request is a JSON object {"header": {...}, "body": {...}}')
    return envelope["body"]


def _money(body: dict[str, Any], name: str) -> int:
    """A {"value": fen, "currency": "CNY"} amount in fen."""
    money = body.get(name)
    if not isinstance(money, dict) or money.get("currency") != g.cs.rules.currency:
        raise invalid(f'{name} must be {{"value": fen, "currency": "{g.cs.rules.currency}"}}')
    return common.fen(money.get("value"), f"{name}.value")


def _card_of_request(conn: sqlite3.Connection) -> str | None:
    """The card this request is about, for faults that name a card."""
    args = request.view_args or {}
    if "card_ref" in args:
        return args["card_ref"]
    if "payment_ref" in args:
        return payments.payment_card_id(conn, g.cs.id, args["payment_ref"])
    try:
        body = _body()
    except CardError:
        return None
    if isinstance(body.get("cardRef"), str):
        return body["cardRef"]
    if isinstance(body.get("paymentRef"), str):
        return payments.payment_card_id(conn, g.cs.id, body["paymentRef"])
    return common.card_id_of_number(conn, g.cs, body.get("cardNumber"))


def _amount(fen: int) -> dict[str, Any]:
    return {"value": fen, "currency": g.cs.rules.currency}


def _card(card: dict[str, Any], *, with_account: bool) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "cardRef": card["card_id"],
        "maskedPan": common.masked(common.card_number(g.cs, card["card_id"]), MASK_HEAD),
        "product": {"code": card["card_type"].upper()},
        "state": CARD_STATES[card["status"]],
        "validThru": card["expires_on"],
    }
    if with_account:
        fields["account"] = {"available": _amount(card["balance"])}
    return fields


def _payment(payment: dict[str, Any], *, pay_answer: bool = False) -> dict[str, Any]:
    fields = {
        "paymentRef": payment["payment_id"],
        "amount": _amount(payment["amount"]),
        "status": PAYMENT_STATUSES[payment["status"]],
        "refunded": _amount(payment["refunded_amount"]),
    }
    if pay_answer and payment["status"] == "PROCESSING":
        del fields["status"]  # maple's pay answer says nothing while the payment is still processing
    return fields


def _entry(txn: dict[str, Any]) -> dict[str, Any]:
    return {
        "entryId": txn["txn_id"],
        "entryType": ENTRY_TYPES[txn["kind"]],
        "amount": _amount(txn["amount"]),
        "balanceAfter": _amount(txn["balance_after"]),
        "bookedAt": txn["created_at"],
        "memo": txn["description"],
        "memoEn": txn.get("descriptions", {}).get("en"),
        "storeName": txn.get("store"),
        "orderNo": txn.get("order_id"),
        "paymentRef": txn.get("payment_id"),
    }


@bp.post("/cards/otp")
def sms() -> Response:
    """Send an SMS code for binding a card."""
    body = _body()
    request_ = {"user_id": require_text(body, "customerRef"), "card_number": require_text(body, "cardNumber")}
    expires_in, phone = send_sms_code(current().db, g.cs, request_)
    return answer(expiresIn=expires_in, maskedMobile=phone)


@bp.post("/cards/binding")
def bind() -> Response:
    """Bind a card to a customer with the SMS code sent for it."""
    body = _body()
    request_ = {
        "user_id": require_text(body, "customerRef"),
        "card_number": require_text(body, "cardNumber"),
        "sms_code": require_text(body, "smsCode"),
    }
    return answer(card=_card(cards.bind(current().db, g.cs, request_), with_account=True))


@bp.get("/customers/<customer_ref>/cards")
def list_cards(customer_ref: str) -> Response:
    """A customer's cards, without balances."""
    found = cards.list_cards(current().db, g.cs, customer_ref)
    return answer(cardList=[_card(card, with_account=False) for card in found])


@bp.get("/customers/<customer_ref>/cards/<card_ref>")
def card_detail(customer_ref: str, card_ref: str) -> Response:
    """One of the customer's cards with its balance."""
    card = cards.card_detail(current().db, g.cs, customer_ref, card_ref)
    return answer(card=_card(card, with_account=True))


@bp.get("/customers/<customer_ref>/cards/<card_ref>/ledger")
def transactions(customer_ref: str, card_ref: str) -> Response:
    """A page of the card's ledger, newest first, and the token of the next page (null on the last)."""
    size = common.page_size(request.args.get("pageSize"), "pageSize")
    token = request.args.get("pageToken") or None
    try:
        found, next_token = cards.transactions(current().db, g.cs, customer_ref, card_ref, token, str(size))
    except CardError as error:
        if error.code == "INVALID_REQUEST":
            raise invalid("pageToken is not one this card system gave out for this card") from None
        raise
    return answer(entries=[_entry(txn) for txn in found], nextPageToken=next_token)


@bp.post("/cards/unbinding")
def unbind() -> Response:
    """Unbind one of the customer's cards."""
    body = _body()
    cards.unbind(current().db, g.cs, require_text(body, "customerRef"), require_text(body, "cardRef"))
    return answer()


@bp.post("/payments")
def pay() -> Response:
    """Charge a card, idempotent on paymentRef; a processing payment is answered without a status."""
    body = _body()
    request_ = {
        "payment_id": require_text(body, "paymentRef"),
        "user_id": require_text(body, "customerRef"),
        "card_id": require_text(body, "cardRef"),
        "order_id": require_text(body, "orderRef"),
        "amount": _money(body, "amount"),
        "currency": g.cs.rules.currency,
    }
    pin = require_text(body, "pin", optional=True)
    try:
        with current().db.write() as conn:
            payment = payments.charge(conn, g.cs, request_, pin, **common.pay_faults())
    except CardError as error:
        if error.code == "DUPLICATE":
            raise CardError("DUPLICATE", "paymentRef was used with other parameters") from None
        raise
    return answer(payment=_payment(payment, pay_answer=True))


@bp.get("/payments/<payment_ref>")
def payment_status(payment_ref: str) -> Response:
    """A payment's current state (PENDING while it is processing)."""
    return answer(payment=_payment(payments.payment_status(current().db, g.cs, payment_ref)))


@bp.post("/payments/<payment_ref>/void")
def reverse(payment_ref: str) -> Response:
    """Void a payment in full."""
    _body()
    return answer(payment=_payment(payments.reverse(current().db, g.cs, payment_ref)))


@bp.post("/payments/<payment_ref>/refunds")
def refund(payment_ref: str) -> Response:
    """Refund part of a payment, once per refundRef."""
    body = _body()
    request_ = {"refund_id": require_text(body, "refundRef"), "amount": _money(body, "amount")}
    try:
        result = payments.refund(current().db, g.cs, payment_ref, request_)
    except CardError as error:
        if error.code == "DUPLICATE":
            raise CardError("DUPLICATE", "refundRef was used for another payment or amount") from None
        raise
    return answer(payment=_payment(result["payment"]))
