"""The olive dialect under /legacy/<system>: form posts, yuan strings, an MD5 sign, "0000" codes, no idempotency."""

from __future__ import annotations

import hmac
import re
import sqlite3
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

from sandbox import cards, payments
from sandbox.context import current
from sandbox.dialects import common
from sandbox.dialects.signing import olive_sign
from sandbox.errors import CardError, invalid
from sandbox.money import plain_yuan

ROOT = "/legacy/"
bp = Blueprint("olive", __name__, url_prefix="/legacy/<system>")

CODES = {
    "CARD_NOT_FOUND": "1001",
    "WRONG_SECRET": "1002",
    "SECRET_LOCKED": "1003",
    "CARD_FROZEN": "1004",
    "CARD_EXPIRED": "1005",
    "ALREADY_BOUND": "1006",
    "INSUFFICIENT_BALANCE": "2001",
    "LIMIT_EXCEEDED": "2002",
    "DUPLICATE": "2003",
    "PAYMENT_NOT_FOUND": "2004",
    "REFUND_EXCEEDED": "2005",
    "NOT_REVERSIBLE": "2006",
    "UNAUTHORIZED": "8001",
    "INVALID_REQUEST": "8002",
    "UNAVAILABLE": "9999",
}
MESSAGES = {
    "0000": "成功",
    "1001": "卡不存在",
    "1002": "密码错误",
    "1003": "密码已锁定",
    "1004": "卡已冻结",
    "1005": "卡已过期",
    "1006": "卡已被其他会员绑定",
    "2001": "余额不足",
    "2002": "超过限额",
    "2003": "商户订单号重复",
    "2004": "订单不存在",
    "2005": "退款金额超限",
    "2006": "订单已退款，不能撤销",
    "8001": "签名错误",
    "8002": "参数错误",
    "9999": "系统繁忙",
}
CARD_KINDS = {"gift": "01", "member": "02"}
OTHER_CARD_KIND = "99"  # a card type olive has no code for (another system's card seen through olive)
CARD_STATES = {"ACTIVE": "1", "FROZEN": "2", "EXPIRED": "3"}
TRADE_TYPES = {"PAYMENT": "P", "REFUND": "R", "REVERSAL": "C", "TOPUP": "T", "ADJUSTMENT": "A"}
TRADE_STATES = {"SUCCEEDED": "SUCCESS", "FAILED": "FAIL", "PROCESSING": "PROCESSING", "REVERSED": "CLOSED"}
YUAN = re.compile(r"^(0|[1-9][0-9]{0,12})\.[0-9]{2}$")
TIMESTAMP = re.compile(r"^[0-9]{14}$")
MASK_HEAD = 1


def answer(code: str, detail: str | None = None, **fields: Any) -> Response:
    """A flat olive answer, HTTP 200 whatever the code."""
    message = MESSAGES[code] if detail is None else f"{MESSAGES[code]}: {detail}"
    return jsonify({"ret_code": code, "ret_msg": message, **fields})


def routing_error(error: HTTPException) -> Response:
    """An unknown path or method under /legacy answers 8002."""
    return answer("8002", error.description)


@bp.url_value_preprocessor
def _pop_system(endpoint: str | None, values: dict[str, Any] | None) -> None:
    g.system = (values or {}).pop("system", "")


@bp.before_request
def _check_sign_and_inject_faults() -> Response | None:
    common.check_system_id(g.system)
    g.params = _form()
    key = current().keys.get("KABAO_MERCHANT_OLIVE_SIGN_KEY", "")
    given = g.params.get("sign", "")
    # an unset key signs nothing: refusing everything beats accepting MD5 over a key anyone can guess
    if not key or not hmac.compare_digest(given.encode(), olive_sign(g.params, key).encode()):
        return answer("8001")
    common.need("mch_no")
    _check_timestamp(common.need("timestamp"))
    g.cs = common.open_system(g.system)
    return common.inject_faults(_card_of_request)


bp.after_request(common.drop_response)


@bp.errorhandler(CardError)
def _card_error(error: CardError) -> Response:
    code = CODES[error.code]
    trade = _trade(error.payment) if error.payment is not None else {}
    return answer(code, error.message, **trade)


def _form() -> dict[str, str]:
    """The form's parameters; an empty one counts as absent, as it does for the sign."""
    if request.mimetype != "application/x-www-form-urlencoded":
        raise invalid("olive takes application/x-www-form-urlencoded posts")
    params: dict[str, str] = {}
    for name, values in request.form.lists():
        if len(values) > 1:
            raise invalid(f"{name} is given more than once")
        if values[0] != "":
            params[name] = values[0]
    return params


def _check_timestamp(text: str) -> None:
    try:
        if TIMESTAMP.match(text):
            datetime.strptime(text, "%Y%m%d%H%M%S")
            return
    except ValueError:
        pass
    raise invalid("timestamp must be yyyyMMddHHmmss")


def _fen(name: str) -> int:
    """A yuan amount such as "12.34" (always two decimals) in fen."""
    text = common.need(name)
    fen = int(Decimal(text) * 100) if YUAN.match(text) else 0
    if fen <= 0:
        raise invalid(f"{name} must be a positive yuan amount with two decimals, e.g. 12.34")
    return fen


def _page_no() -> int:
    text = common.optional("page_no") or "1"
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise invalid("page_no must be a whole number from 1")
    return int(text)


def _card_of_request(conn: sqlite3.Connection) -> str | None:
    """The card this request is about, for faults that name a card."""
    params = g.params
    if "card_id" in params:
        return params["card_id"]
    if "out_trade_no" in params:
        return payments.payment_card_id(conn, g.cs.id, params["out_trade_no"])
    return common.card_id_of_number(conn, g.cs, params.get("card_no"))


def _card(card: dict[str, Any], *, with_balance: bool) -> dict[str, Any]:
    fields = {
        "card_id": card["card_id"],
        "card_no_mask": common.masked(common.card_number(g.cs, card["card_id"]), MASK_HEAD),
        "card_kind": CARD_KINDS.get(card["card_type"], OTHER_CARD_KIND),
        "card_state": CARD_STATES[card["status"]],
        "expire_date": common.compact_date(card["expires_on"]) if card["expires_on"] else "",
    }
    if with_balance:
        fields["balance"] = plain_yuan(card["balance"])
    return fields


def _trade(payment: dict[str, Any], *, refunds: bool = False) -> dict[str, Any]:
    fields = {"out_trade_no": payment["payment_id"], "total_amt": plain_yuan(payment["amount"])}
    if refunds:
        fields["refund_amt"] = plain_yuan(payment["refunded_amount"])
    fields["trade_state"] = TRADE_STATES[payment["status"]]
    return fields


def _trade_line(txn: dict[str, Any]) -> dict[str, Any]:
    return {
        "trade_no": txn["txn_id"],
        "trade_type": TRADE_TYPES[txn["kind"]],
        "trade_amt": plain_yuan(abs(txn["amount"])),
        "balance": plain_yuan(txn["balance_after"]),
        "trade_time": common.compact_time(txn["created_at"]),
        "remark": txn["description"],
        "out_trade_no": txn.get("payment_id", ""),
    }


@bp.post("/card/bind")
def bind() -> Response:
    """Bind a card to a member with its password."""
    body = {
        "user_id": common.need("member_id"),
        "card_number": common.need("card_no"),
        "secret": common.need("card_pwd"),
    }
    return answer("0000", **_card(cards.bind(current().db, g.cs, body), with_balance=True))


@bp.post("/card/list")
def list_cards() -> Response:
    """A member's cards, without balances."""
    found = cards.list_cards(current().db, g.cs, common.need("member_id"))
    return answer("0000", cards=[_card(card, with_balance=False) for card in found])


@bp.post("/card/query")
def card_detail() -> Response:
    """One of the member's cards with its balance."""
    card = cards.card_detail(current().db, g.cs, common.need("member_id"), common.need("card_id"))
    return answer("0000", **_card(card, with_balance=True))


@bp.post("/card/trades")
def transactions() -> Response:
    """A numbered page of the card's trades, newest first, with the total count."""
    size = common.page_size(common.optional("page_size"), "page_size")
    found, total = cards.numbered_page(
        current().db, g.cs, common.need("member_id"), common.need("card_id"), _page_no(), size
    )
    return answer("0000", total=total, trades=[_trade_line(txn) for txn in found])


@bp.post("/card/unbind")
def unbind() -> Response:
    """Unbind one of the member's cards."""
    cards.unbind(current().db, g.cs, common.need("member_id"), common.need("card_id"))
    return answer("0000")


@bp.post("/trade/pay")
def pay() -> Response:
    """Charge a card; a known out_trade_no answers 2003 and charges nothing (olive has no idempotency)."""
    out_trade_no = common.need("out_trade_no")
    charge = {
        "payment_id": out_trade_no,
        "user_id": common.need("member_id"),
        "card_id": common.need("card_id"),
        "order_id": out_trade_no,
        "amount": _fen("total_amt"),
        "currency": g.cs.rules.currency,
    }
    pin = common.optional("pay_pwd")
    with current().db.write() as conn:
        if payments.payment_exists(conn, g.cs.id, out_trade_no):
            raise CardError("DUPLICATE", "out_trade_no was used before")
        payment = payments.charge(conn, g.cs, charge, pin, **common.pay_faults())
    return answer("0000", **_trade(payment))


@bp.post("/trade/query")
def payment_status() -> Response:
    """A trade's state and how much of it was refunded."""
    payment = payments.payment_status(current().db, g.cs, common.need("out_trade_no"))
    return answer("0000", **_trade(payment, refunds=True))


@bp.post("/trade/cancel")
def reverse() -> Response:
    """Cancel a trade in full (money back to the card)."""
    return answer("0000", **_trade(payments.reverse(current().db, g.cs, common.need("out_trade_no"))))


@bp.post("/trade/refund")
def refund() -> Response:
    """Refund part of a trade, once per out_refund_no."""
    result = common.refund_by_out_refund_no(_fen("refund_amt"))
    return answer("0000", **_trade(result["payment"], refunds=True))
