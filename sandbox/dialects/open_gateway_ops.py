"""The open_gateway dialect's methods over the sandbox card data: yuan strings, card ids, a cancel window."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import g

from sandbox import cards, clock, payments
from sandbox.context import current
from sandbox.dialects import common
from sandbox.errors import CardError, invalid
from sandbox.money import plain_yuan

Answer = tuple[str, dict[str, Any]]  # the code (10000, 10003) and the answer object's fields

SUB_CODES = {
    "CARD_NOT_FOUND": "WILLOW.CARD_NOT_EXIST",
    "WRONG_SECRET": "WILLOW.PASSWORD_ERROR",
    "SECRET_LOCKED": "WILLOW.PASSWORD_LOCKED",
    "CARD_FROZEN": "WILLOW.CARD_FROZEN",
    "CARD_EXPIRED": "WILLOW.CARD_EXPIRED",
    "ALREADY_BOUND": "WILLOW.CARD_BOUND_BY_OTHERS",
    "INSUFFICIENT_BALANCE": "WILLOW.BALANCE_NOT_ENOUGH",
    "LIMIT_EXCEEDED": "WILLOW.EXCEED_LIMIT",
    "DUPLICATE": "WILLOW.OUT_TRADE_NO_USED",
    "PAYMENT_NOT_FOUND": "WILLOW.TRADE_NOT_EXIST",
    "REFUND_EXCEEDED": "WILLOW.REFUND_AMOUNT_EXCEED",
    "NOT_REVERSIBLE": "WILLOW.TRADE_STATUS_ERROR",
    "CANCEL_EXPIRED": "WILLOW.CANCEL_TIME_EXPIRED",
}
CARD_TYPES = {"gift": "GIFT", "member": "MEMBER"}
CARD_STATUSES = {"ACTIVE": "NORMAL", "FROZEN": "FROZEN", "EXPIRED": "EXPIRED"}
BILL_TYPES = {
    "PAYMENT": "CONSUME",
    "REFUND": "REFUND",
    "REVERSAL": "CANCEL",
    "TOPUP": "RECHARGE",
    "ADJUSTMENT": "ADJUST",
}
TRADE_STATUSES = {
    "SUCCEEDED": "TRADE_SUCCESS",
    "FAILED": "TRADE_CLOSED",
    "PROCESSING": "WAIT_BUYER_PAY",
    "REVERSED": "TRADE_CANCELED",
}
YUAN = re.compile(r"^(0|[1-9][0-9]{0,12})\.[0-9]{2}$")
CANCEL_WITHIN = timedelta(minutes=15)  # willow.trade.cancel only this long after the pay (sandbox clock)
WRONG_DIGEST_MARK = "sha256:"  # prefixed to a wrong digest, so no password can equal it
MASK_HEAD = 4


def _yuan(name: str) -> int:
    """A positive yuan amount with two decimals ("12.34"), in fen; never a float."""
    text = common.need(name)
    fen = int(text.replace(".", "")) if YUAN.match(text) else 0
    if not 0 < fen <= common.MAX_AMOUNT:
        raise invalid(f"{name} must be a positive yuan amount with two decimals, e.g. 12.34")
    return fen


def _time(moment: str) -> str:
    return datetime.fromisoformat(moment).astimezone(clock.CST).strftime("%Y-%m-%d %H:%M:%S")


def _secret(user_id: str, digest: str | None, card: dict[str, Any] | None) -> str | None:
    """The card's password when digest is hex SHA-256 of the shopper's user_id then the password, else a wrong one."""
    if digest is None:
        return None
    wrong = WRONG_DIGEST_MARK + digest[:48]  # still a wrong password to the core, within its length limit
    if card is None or not card["secret"]:
        return wrong
    right = hashlib.sha256(f"{user_id}{card['secret']}".encode()).hexdigest()
    return card["secret"] if hmac.compare_digest(digest.lower().encode(), right.encode()) else wrong


def _card(card: dict[str, Any]) -> dict[str, Any]:
    fields = {
        "card_id": card["card_id"],
        "card_no": common.masked(common.card_number(g.cs, card["card_id"]), MASK_HEAD),
        "card_type": CARD_TYPES.get(card["card_type"], "OTHER"),
        "card_status": CARD_STATUSES[card["status"]],
        "expire_date": card["expires_on"] or "",
        "balance": plain_yuan(card["balance"]) if card.get("balance") is not None else None,
    }
    return {name: value for name, value in fields.items() if value not in (None, "")}


def trade(payment: dict[str, Any]) -> dict[str, Any]:
    """A trade's fields; refund_amount is the total refunded."""
    return {
        "out_trade_no": payment["payment_id"],
        "trade_no": "W" + hashlib.sha256(payment["payment_id"].encode()).hexdigest()[:20].upper(),
        "total_amount": plain_yuan(payment["amount"]),
        "refund_amount": plain_yuan(payment["refunded_amount"]),
        "trade_status": TRADE_STATUSES[payment["status"]],
        "gmt_payment": _time(payment["created_at"]),
    }


def _bill(txn: dict[str, Any]) -> dict[str, Any]:
    return {
        "bill_no": txn["txn_id"],
        "bill_type": BILL_TYPES[txn["kind"]],
        "amount": plain_yuan(abs(txn["amount"])),
        "balance": plain_yuan(txn["balance_after"]),
        "gmt_create": _time(txn["created_at"]),
        "memo": txn["description"],
        "out_trade_no": txn.get("payment_id", ""),
    }


def bind() -> Answer:
    """willow.card.bind: bind by card number, the password as SHA-256 of user_id then password."""
    number = common.need("card_no")
    card = cards.card_by_number(current().db.connection(), g.cs.id, number)
    body = {"user_id": common.need("user_id"), "card_number": number}
    body["secret"] = _secret(body["user_id"], common.need("password"), card)
    return "10000", _card(cards.bind(current().db, g.cs, body))


def list_cards() -> Answer:
    """willow.card.list: the member's cards with balances in card_list."""
    db, user_id = current().db, common.need("user_id")
    found = [cards.card_detail(db, g.cs, user_id, card["card_id"]) for card in cards.list_cards(db, g.cs, user_id)]
    return "10000", {"card_list": [_card(card) for card in found]}


def card_detail() -> Answer:
    """willow.card.query: one of the member's cards, by card_id."""
    return "10000", _card(cards.card_detail(current().db, g.cs, common.need("user_id"), common.need("card_id")))


def transactions() -> Answer:
    """willow.card.bill.query: page page_no (from 1) of the card's bills, newest first, with total_count."""
    page_no = common.need("page_no")
    if not (page_no.isascii() and page_no.isdigit()) or not 1 <= int(page_no) <= common.MAX_AMOUNT:
        raise invalid("page_no is a whole number from 1")
    size = common.page_size(common.optional("page_size"), "page_size")
    user_id, card_id = common.need("user_id"), common.need("card_id")
    found, total = cards.numbered_page(current().db, g.cs, user_id, card_id, int(page_no), size)
    return "10000", {"total_count": str(total), "bill_list": [_bill(txn) for txn in found]}


def unbind() -> Answer:
    """willow.card.unbind."""
    cards.unbind(current().db, g.cs, common.need("user_id"), common.need("card_id"))
    return "10000", {}


def pay() -> Answer:
    """willow.trade.pay: a known out_trade_no is OUT_TRADE_NO_USED; a held one answers 10003 WAIT_BUYER_PAY."""
    out_trade_no, card_id = common.need("out_trade_no"), common.need("card_id")
    charge = {
        "payment_id": out_trade_no,
        "user_id": common.need("user_id"),
        "card_id": card_id,
        "order_id": common.optional("order_id") or out_trade_no,
        "amount": _yuan("total_amount"),
        "currency": g.cs.rules.currency,
    }
    card = cards.card_by_id(current().db.connection(), g.cs.id, card_id)
    secret = _secret(charge["user_id"], common.optional("password"), card)
    with current().db.write() as conn:
        if payments.payment_exists(conn, g.cs.id, out_trade_no):
            raise CardError("DUPLICATE", "out_trade_no was used before")
        payment = payments.charge(conn, g.cs, charge, secret, **common.pay_faults())
    return ("10003" if payment["status"] == "PROCESSING" else "10000"), trade(payment)


def payment_status() -> Answer:
    """willow.trade.query: TRADE_SUCCESS, TRADE_CLOSED, WAIT_BUYER_PAY or TRADE_CANCELED."""
    return "10000", trade(payments.payment_status(current().db, g.cs, common.need("out_trade_no")))


def reverse() -> Answer:
    """willow.trade.cancel: void the whole trade, only within CANCEL_WITHIN of paying (refund after)."""
    out_trade_no = common.need("out_trade_no")
    found = payments.payment_status(current().db, g.cs, out_trade_no)
    paid_at = datetime.fromisoformat(found["created_at"])
    if found["status"] not in ("REVERSED", "FAILED") and clock.now() - paid_at > CANCEL_WITHIN:
        raise CardError("CANCEL_EXPIRED", "交易已超过撤销时限，请退款 past the cancel window: refund instead")
    return "10000", {**trade(payments.reverse(current().db, g.cs, out_trade_no)), "action": "close"}


def refund() -> Answer:
    """willow.trade.refund: refund part of a trade, once per out_request_no."""
    body = {"refund_id": common.need("out_request_no"), "amount": _yuan("refund_amount")}
    try:
        payment = payments.refund(current().db, g.cs, common.need("out_trade_no"), body)["payment"]
    except CardError as error:
        if error.code == "DUPLICATE":
            raise CardError("DUPLICATE", "out_request_no was used for another trade or amount") from None
        raise
    return "10000", trade(payment)


# method → (fault op name, handler)
METHODS: dict[str, tuple[str, Callable[[], Answer]]] = {
    "willow.card.bind": ("bind", bind),
    "willow.card.list": ("list_cards", list_cards),
    "willow.card.query": ("card_detail", card_detail),
    "willow.card.bill.query": ("transactions", transactions),
    "willow.card.unbind": ("unbind", unbind),
    "willow.trade.pay": ("pay", pay),
    "willow.trade.query": ("payment_status", payment_status),
    "willow.trade.cancel": ("reverse", reverse),
    "willow.trade.refund": ("refund", refund),
}
