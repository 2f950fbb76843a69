"""The sm_json dialect under /gm/<system>/api/<op>: UTF-8 JSON, 国密 both ways, cards named by their number.

Requests are signed SM2-with-SM3 over "{timestamp}\\n{nonce}\\n{body}" (headers X-Jade-Timestamp in ms,
X-Jade-Nonce, X-Jade-Sign in hex); every answer carries X-Jade-Sign, hex HMAC-SM3 of its raw body; a
password or PIN travels SM4-CBC encrypted, base64. Results are {"success": true, "data": {...}} or
{"success": false, "errorCode", "errorMsg"}. Cards have no id: the number is the identity.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, g, request
from werkzeug.exceptions import HTTPException

from sandbox import cards, payments
from sandbox.context import current
from sandbox.dialects import common
from sandbox.dialects import sm_json_wire as wire
from sandbox.dialects.sm_crypto import sm2_verify, sm4_cbc_decrypt_b64
from sandbox.dialects.sm_json_wire import answer, refused
from sandbox.errors import CardError, invalid, require_text

ROOT = "/gm/"
bp = Blueprint("sm_json", __name__, url_prefix="/gm/<system>/api")
CLOCK_SKEW_MS = 5 * 60 * 1000  # a request stamped further from now is refused as badly signed
UNREADABLE_MARK = "sm4:"  # prefixed to a PIN that doesn't decrypt, so no password can equal it
_NONCES: dict[str, int] = {}  # nonce → when first seen (ms), for this process
_NONCE_LOCK = threading.Lock()


def routing_error(error: HTTPException) -> Response:
    """An unknown operation under /gm answers PARAM_INVALID with the routing error's status, signed too."""
    return refused("PARAM_INVALID", error.description or "no such operation", error.code or 404)


@bp.url_value_preprocessor
def _pop_system(endpoint: str | None, values: dict[str, Any] | None) -> None:
    g.system = (values or {}).pop("system", "")


@bp.errorhandler(CardError)
def _card_error(error: CardError) -> Response:
    trade = wire.trade(error.payment) if error.payment is not None else {}
    return refused(wire.ERROR_CODES.get(error.code, "SYSTEM_BUSY"), error.message, **trade)


def _sign_problem() -> str | None:
    """Why the request's SM2 signature doesn't hold, or None when it does."""
    stamp, nonce = request.headers.get("X-Jade-Timestamp", ""), request.headers.get("X-Jade-Nonce", "")
    given = request.headers.get("X-Jade-Sign", "")
    if not (stamp.isascii() and stamp.isdigit()) or not nonce or not given.isascii():
        return "X-Jade-Timestamp (ms), X-Jade-Nonce and X-Jade-Sign are required"
    if abs(int(stamp) - int(time.time() * 1000)) > CLOCK_SKEW_MS:
        return "X-Jade-Timestamp is more than 5 minutes from now"
    text = f"{stamp}\n{nonce}\n".encode() + request.get_data(cache=True)
    if not sm2_verify(current().keys.get(wire.KEY + "SM2_PUBLIC_KEY", ""), given.lower(), text):
        return "X-Jade-Sign is not the merchant's SM2 signature of timestamp, nonce and body"
    if not _first_use(nonce):
        return "X-Jade-Nonce was used before: a replayed request"
    return None


def _first_use(nonce: str) -> bool:
    """Whether no well-signed request carried this nonce in the last CLOCK_SKEW_MS (replays are refused)."""
    now = int(time.time() * 1000)
    with _NONCE_LOCK:
        for seen in [n for n, at in _NONCES.items() if now - at > 2 * CLOCK_SKEW_MS]:
            del _NONCES[seen]
        if nonce in _NONCES:
            return False
        _NONCES[nonce] = now
        return True


@bp.before_request
def _check_signature_and_inject_faults() -> Response | None:
    common.check_system_id(g.system)
    problem = _sign_problem()
    if problem:
        return refused("SIGN_INVALID", problem, 401)
    try:
        g.params = json.loads(request.get_data(cache=True).decode("utf-8"))
    except ValueError:
        g.params = None
    if not isinstance(g.params, dict):
        return refused("PARAM_INVALID", "the body must be a UTF-8 JSON object")
    g.cs = common.open_system(g.system)
    return common.inject_faults(_card_of_request)


bp.after_request(common.drop_response)


def _card_of_request(conn: sqlite3.Connection) -> str | None:
    """The card this request is about, for faults that name a card."""
    if "outTradeNo" in g.params and "cardNo" not in g.params:
        return payments.payment_card_id(conn, g.cs.id, str(g.params["outTradeNo"]))
    return common.card_id_of_number(conn, g.cs, g.params.get("cardNo"))


def _card_id() -> str:
    card_id = common.card_id_of_number(current().db.connection(), g.cs, common.need("cardNo"))
    if card_id is None:
        raise CardError("CARD_NOT_FOUND", "no card with this number")
    return card_id


def _secret(name: str, *, optional: bool = False) -> str | None:
    """The password or PIN in field name, decrypted; one that doesn't decrypt is a wrong one (and counts)."""
    sealed = common.optional(name) if optional else common.need(name)
    if sealed is None:
        return None
    keys = current().keys
    key, iv = keys.get(wire.KEY + "SM4_KEY", ""), keys.get(wire.KEY + "SM4_IV", "")
    clear = sm4_cbc_decrypt_b64(key, iv, sealed) if key and iv else None
    return UNREADABLE_MARK + sealed if clear is None else clear


def _amount(name: str) -> int:
    return common.fen(g.params.get(name), name)


def bind() -> Response:
    """Bind a card by number with its SM4-sealed password."""
    request_ = {"user_id": common.need("memberId"), "card_number": common.need("cardNo"), "secret": _secret("cardPwd")}
    return answer(card=wire.card(cards.bind(current().db, g.cs, request_)))


def list_cards() -> Response:
    """The member's cards with their balances."""
    db, user_id = current().db, common.need("memberId")
    found = [cards.card_detail(db, g.cs, user_id, card["card_id"]) for card in cards.list_cards(db, g.cs, user_id)]
    return answer(cards=[wire.card(card) for card in found])


def card_detail() -> Response:
    return answer(card=wire.card(cards.card_detail(current().db, g.cs, common.need("memberId"), _card_id())))


def transactions() -> Response:
    """A page of the card's trades, newest first, and nextCursor (absent on the last page)."""
    size = g.params.get("pageSize", cards.DEFAULT_PAGE)
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= cards.MAX_PAGE:
        raise invalid(f"pageSize must be an integer from 1 to {cards.MAX_PAGE}")
    cursor = require_text(g.params, "cursor", optional=True)
    found, next_cursor = cards.transactions(current().db, g.cs, common.need("memberId"), _card_id(), cursor, str(size))
    return answer(trades=[wire.line(txn) for txn in found], **({"nextCursor": next_cursor} if next_cursor else {}))


def unbind() -> Response:
    cards.unbind(current().db, g.cs, common.need("memberId"), _card_id())
    return answer()


def pay() -> Response:
    """Charge a card once per outTradeNo (the same request again answers the same trade); PAYING while slow."""
    charge = {
        "payment_id": common.need("outTradeNo"),
        "user_id": common.need("memberId"),
        "card_id": _card_id(),
        "order_id": common.optional("orderNo") or common.need("outTradeNo"),
        "amount": _amount("amount"),
        "currency": g.cs.rules.currency,
    }
    secret = _secret("pin", optional=True)
    try:
        with current().db.write() as conn:
            payment = payments.charge(conn, g.cs, charge, secret, **common.pay_faults())
    except CardError as error:
        if error.code == "DUPLICATE":
            raise CardError("DUPLICATE", "outTradeNo was used with other parameters") from None
        raise
    return answer(trade=wire.trade(payment))


def payment_status() -> Response:
    return answer(trade=wire.trade(payments.payment_status(current().db, g.cs, common.need("outTradeNo"))))


def reverse() -> Response:
    return answer(trade=wire.trade(payments.reverse(current().db, g.cs, common.need("outTradeNo"))))


def refund() -> Response:
    """Refund part of a trade, once per outRefundNo."""
    body = {"refund_id": common.need("outRefundNo"), "amount": _amount("refundAmount")}
    try:
        result = payments.refund(current().db, g.cs, common.need("outTradeNo"), body)
    except CardError as error:
        if error.code == "DUPLICATE":
            raise CardError("DUPLICATE", "outRefundNo was used for another trade or amount") from None
        raise
    return answer(trade=wire.trade(result["payment"]))


# path → handler; the handler's name is the fault op name
OPERATIONS: dict[str, Callable[[], Response]] = {
    "card/bind": bind,
    "card/list": list_cards,
    "card/query": card_detail,
    "card/trades": transactions,
    "card/unbind": unbind,
    "trade/pay": pay,
    "trade/query": payment_status,
    "trade/reverse": reverse,
    "trade/refund": refund,
}
for _path, _handler in OPERATIONS.items():
    bp.add_url_rule(f"/{_path}", _handler.__name__, _handler, methods=["POST"])
