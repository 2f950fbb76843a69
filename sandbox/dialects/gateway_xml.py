"""The gateway_xml dialect's services on one URL, /xmlgw/<system>/gateway, chosen by the `service` field."""

from __future__ import annotations

import hashlib
import hmac
import re
import sqlite3
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, g

from sandbox import cards, faults, payments
from sandbox.context import current
from sandbox.dialects import common
from sandbox.dialects import gateway_xml_wire as wire
from sandbox.dialects.gateway_xml_wire import ERR_CODES, answer, failed, read_params, refused, signed_by_us
from sandbox.errors import CardError, invalid

ROOT = "/xmlgw/"
bp = Blueprint("gateway_xml", __name__, url_prefix="/xmlgw/<system>")
routing_error = wire.routing_error  # the app answers unknown paths under ROOT with it

CARD_TYPES = {"gift": "GIFT", "member": "MEMBER"}
CARD_STATES = {"ACTIVE": "NORMAL", "FROZEN": "FROZEN", "EXPIRED": "EXPIRED"}
TRADE_TYPES = {"PAYMENT": "PAY", "REFUND": "REFUND", "REVERSAL": "REVOKE", "TOPUP": "RECHARGE", "ADJUSTMENT": "ADJUST"}
TRADE_STATES = {"SUCCEEDED": "SUCCESS", "FAILED": "PAYERROR", "PROCESSING": "USERPAYING", "REVERSED": "REVOKED"}
FEE = re.compile(r"^[1-9][0-9]{0,14}$")
WRONG_DIGEST_MARK = "md5:"  # prefixed to a digest that is wrong, so no password can equal it


@bp.url_value_preprocessor
def _pop_system(endpoint: str | None, values: dict[str, Any] | None) -> None:
    g.system = (values or {}).pop("system", "")


@bp.errorhandler(CardError)
def _card_error(error: CardError) -> Response:
    trade = _trade(error.payment) if error.payment is not None else {}
    return refused(ERR_CODES.get(error.code, "SYSTEMERROR"), error.message, **trade)


bp.after_request(common.drop_response)


def _fee(name: str) -> int:
    text = common.need(name)
    if not FEE.match(text) or int(text) > common.MAX_AMOUNT:
        raise invalid(f"{name} must be a positive whole number of fen")
    return int(text)


def _card_id() -> str:
    """The id of the card named by card_no (an unknown number is CARD_NOT_FOUND)."""
    card_id = common.card_id_of_number(current().db.connection(), g.cs, common.need("card_no"))
    if card_id is None:
        raise CardError("CARD_NOT_FOUND", "no card with this number")
    return card_id


def _secret(card_no: str, digest: str | None) -> str | None:
    """The card's password when the digest is MD5(card_no + password) in upper-case hex, else a wrong one.

    A wrong digest still counts as a wrong password (and towards the lock); a clear PIN is a wrong digest."""
    if digest is None:
        return None
    card = cards.card_by_number(current().db.connection(), g.cs.id, card_no)
    if card is None or not card["secret"]:
        return WRONG_DIGEST_MARK + digest
    right = hashlib.md5(f"{card_no}{card['secret']}".encode()).hexdigest().upper()  # noqa: S324 - their protocol
    return card["secret"] if hmac.compare_digest(digest.encode(), right.encode()) else WRONG_DIGEST_MARK + digest


def _card(card: dict[str, Any], suffix: str = "") -> dict[str, Any]:
    fields = {
        "card_no": common.card_number(g.cs, card["card_id"]),
        "card_id": card["card_id"],
        "card_type": CARD_TYPES.get(card["card_type"], "OTHER"),
        "card_state": CARD_STATES[card["status"]],
        "expire_date": common.compact_date(card["expires_on"]) if card["expires_on"] else "",
        "balance": card.get("balance"),
    }
    return {f"{name}{suffix}": value for name, value in fields.items()}


def _trade(payment: dict[str, Any]) -> dict[str, Any]:
    return {
        "out_trade_no": payment["payment_id"],
        "total_fee": payment["amount"],
        "refund_fee": payment["refunded_amount"],
        "trade_state": TRADE_STATES[payment["status"]],
    }


def _line(txn: dict[str, Any], i: int) -> dict[str, Any]:
    fields = {
        "trade_no": txn["txn_id"],
        "trade_type": TRADE_TYPES[txn["kind"]],
        "fee": abs(txn["amount"]),
        "balance": txn["balance_after"],
        "trade_time": common.compact_time(txn["created_at"]),
        "remark": txn["description"],
        "out_trade_no": txn.get("payment_id", ""),
    }
    return {f"{name}_{i}": value for name, value in fields.items()}


def bind() -> Response:
    """card.bind: bind a card with the digest of its number and password."""
    number = common.need("card_no")
    body = {
        "user_id": common.need("user_id"),
        "card_number": number,
        "secret": _secret(number, common.need("card_pwd")),
    }
    return answer(**_card(cards.bind(current().db, g.cs, body)))


def list_cards() -> Response:
    """card.list: the member's cards with balances, as card_no_0, card_id_0, … and card_count."""
    db, user_id = current().db, common.need("user_id")
    found = [cards.card_detail(db, g.cs, user_id, card["card_id"]) for card in cards.list_cards(db, g.cs, user_id)]
    fields: dict[str, Any] = {"card_count": len(found)}
    for i, card in enumerate(found):
        fields |= _card(card, f"_{i}")
    return answer(**fields)


def card_detail() -> Response:
    """card.query: one of the member's cards with its balance."""
    return answer(**_card(cards.card_detail(current().db, g.cs, common.need("user_id"), _card_id())))


def transactions() -> Response:
    """card.history: page page_no (from 1) of the card's trades, newest first, with has_more."""
    page_no = _fee("page_no")
    size = common.page_size(common.optional("page_size"), "page_size")
    found, total = cards.numbered_page(current().db, g.cs, common.need("user_id"), _card_id(), page_no, size)
    fields: dict[str, Any] = {"record_count": len(found), "has_more": str(page_no * size < total).lower()}
    for i, txn in enumerate(found):
        fields |= _line(txn, i)
    return answer(**fields)


def unbind() -> Response:
    """card.unbind."""
    cards.unbind(current().db, g.cs, common.need("user_id"), _card_id())
    return answer()


def pay() -> Response:
    """trade.pay: a known out_trade_no is OUT_TRADE_NO_USED; a slow one answers USERPAYING (poll trade.query)."""
    out_trade_no, number = common.need("out_trade_no"), common.need("card_no")
    charge = {
        "payment_id": out_trade_no,
        "user_id": common.need("user_id"),
        "card_id": _card_id(),
        "order_id": common.optional("attach") or out_trade_no,
        "amount": _fee("total_fee"),
        "currency": g.cs.rules.currency,
    }
    secret = _secret(number, common.optional("pay_pwd"))
    with current().db.write() as conn:
        if payments.payment_exists(conn, g.cs.id, out_trade_no):
            raise CardError("DUPLICATE", "out_trade_no was used before")
        payment = payments.charge(conn, g.cs, charge, secret, **common.pay_faults())
    if payment["status"] == "PROCESSING":
        return refused("USERPAYING", "用户支付中，请查询订单", **_trade(payment))
    return answer(**_trade(payment))


def payment_status() -> Response:
    """trade.query: SUCCESS, PAYERROR, USERPAYING or REVOKED, and the total refunded."""
    return answer(**_trade(payments.payment_status(current().db, g.cs, common.need("out_trade_no"))))


def reverse() -> Response:
    """trade.reverse: give the whole trade back."""
    return answer(**_trade(payments.reverse(current().db, g.cs, common.need("out_trade_no"))))


def refund() -> Response:
    """trade.refund: refund part of a trade, once per out_refund_no."""
    result = common.refund_by_out_refund_no(_fee("refund_fee"))
    return answer(**_trade(result["payment"]))


# service → (fault op name, handler)
SERVICES: dict[str, tuple[str, Callable[[], Response]]] = {
    "card.bind": ("bind", bind),
    "card.list": ("list_cards", list_cards),
    "card.query": ("card_detail", card_detail),
    "card.history": ("transactions", transactions),
    "card.unbind": ("unbind", unbind),
    "trade.pay": ("pay", pay),
    "trade.query": ("payment_status", payment_status),
    "trade.reverse": ("reverse", reverse),
    "trade.refund": ("refund", refund),
}


def _card_of_request(conn: sqlite3.Connection) -> str | None:
    """The card this request is about, for faults that name a card."""
    if "out_trade_no" in g.params and "card_no" not in g.params:
        return payments.payment_card_id(conn, g.cs.id, g.params["out_trade_no"])
    return common.card_id_of_number(conn, g.cs, g.params.get("card_no"))


@bp.post("/gateway")
def gateway() -> Response:
    """The one URL: check the sign, find the service, take its fault, run it."""
    common.check_system_id(g.system)
    try:
        g.params = read_params()
    except CardError as error:
        return failed(error.message)
    if not signed_by_us(g.params):
        return failed("签名错误")
    service = SERVICES.get(g.params.get("service", ""))
    if service is None or not g.params.get("mch_id") or not g.params.get("nonce_str"):
        return failed("service, mch_id or nonce_str missing or unknown")
    op, handler = service
    g.cs = common.open_system(g.system)
    g.fault = faults.take(current().db, g.cs.id, op, _card_of_request)
    before = faults.answer_before(g.fault) if g.fault else None
    return before or handler()
