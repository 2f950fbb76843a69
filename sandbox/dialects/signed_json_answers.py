"""What the signed_json dialect answers: its error codes, amounts as objects, cards, trades and bills."""

from __future__ import annotations

from typing import Any

from flask import Response, g, jsonify

from sandbox.dialects import common

ERRORS = {  # our code → (HTTP status, their code)
    "CARD_NOT_FOUND": (404, "CARD_NOT_EXISTS"),
    "WRONG_SECRET": (403, "PASSWORD_ERROR"),
    "SECRET_LOCKED": (403, "PASSWORD_LOCKED"),
    "CARD_FROZEN": (403, "CARD_FROZEN"),
    "CARD_EXPIRED": (403, "CARD_EXPIRED"),
    "ALREADY_BOUND": (409, "CARD_BOUND"),
    "INSUFFICIENT_BALANCE": (403, "NOTENOUGH"),
    "LIMIT_EXCEEDED": (403, "RULE_LIMIT"),
    "DUPLICATE": (409, "OUT_TRADE_NO_USED"),
    "PAYMENT_NOT_FOUND": (404, "ORDER_NOT_EXIST"),
    "REFUND_EXCEEDED": (403, "REFUND_AMOUNT_INVALID"),
    "NOT_REVERSIBLE": (403, "TRADE_ERROR"),
    "INVALID_REQUEST": (400, "PARAM_ERROR"),
    "UNAUTHORIZED": (401, "SIGN_ERROR"),
    "UNAVAILABLE": (500, "SYSTEM_ERROR"),
}
CARD_TYPES = {"member": "MEMBER", "course": "COURSE"}
CARD_STATES = {"ACTIVE": "NORMAL", "FROZEN": "FROZEN", "EXPIRED": "EXPIRED"}
BILL_TYPES = {"PAYMENT": "PAY", "REFUND": "REFUND", "REVERSAL": "CLOSE", "TOPUP": "RECHARGE", "ADJUSTMENT": "ADJUST"}
TRADE_STATES = {"SUCCEEDED": "SUCCESS", "FAILED": "PAYERROR", "PROCESSING": "USERPAYING", "REVERSED": "CLOSED"}
MASK_HEAD = 4


def error(status: int, code: str, message: str) -> Response:
    """An error answer: HTTP status and {"code", "message"}."""
    response = jsonify({"code": code, "message": message})
    response.status_code = status
    return response


def amount(fen: int) -> dict[str, Any]:
    return {"total": fen, "currency": g.cs.rules.currency}


def card(card: dict[str, Any]) -> dict[str, Any]:
    return {
        "card_id": card["card_id"],
        "masked_card_no": common.masked(common.card_number(g.cs, card["card_id"]), MASK_HEAD),
        "card_type": CARD_TYPES.get(card["card_type"], "OTHER"),
        "state": CARD_STATES[card["status"]],
        "balance": amount(card["balance"]),
        "expire_date": card["expires_on"],
    }


def trade(payment: dict[str, Any]) -> dict[str, Any]:
    state = TRADE_STATES[payment["status"]]
    if state == "SUCCESS" and payment["refunded_amount"]:
        state = "REFUND"  # v3: the trade went (partly) to refund
    return {
        "out_trade_no": payment["payment_id"],
        "transaction_id": "4200" + payment["payment_id"].encode().hex()[:24],
        "trade_state": state,
        "amount": {**amount(payment["amount"]), "refund": payment["refunded_amount"]},
    }


def bill(txn: dict[str, Any]) -> dict[str, Any]:
    """A history row: no id of its own."""
    return {
        "type": BILL_TYPES[txn["kind"]],
        "amount": amount(abs(txn["amount"])),
        "balance": amount(txn["balance_after"]),
        "success_time": txn["created_at"],
        "description": txn["description"],
        "out_trade_no": txn.get("payment_id", ""),
    }
