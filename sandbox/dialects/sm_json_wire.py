"""How the sm_json dialect writes: signed JSON answers, its error codes, and its cards, trades and rows."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import Response, g

from sandbox.context import current
from sandbox.dialects import common
from sandbox.dialects.sm_crypto import hmac_sm3_hex

KEY = "KABAO_MERCHANT_JADE_"  # the names of this dialect's keys in sandbox/keys.py start so

ERROR_CODES = {
    "CARD_NOT_FOUND": "CARD_NOT_EXIST",
    "WRONG_SECRET": "PIN_ERROR",
    "SECRET_LOCKED": "PIN_LOCKED",
    "CARD_FROZEN": "CARD_FROZEN",
    "CARD_EXPIRED": "CARD_EXPIRED",
    "ALREADY_BOUND": "CARD_BOUND_OTHER",
    "INSUFFICIENT_BALANCE": "BALANCE_NOT_ENOUGH",
    "LIMIT_EXCEEDED": "OVER_LIMIT",
    "DUPLICATE": "TRADE_NO_REUSED",
    "PAYMENT_NOT_FOUND": "TRADE_NOT_EXIST",
    "REFUND_EXCEEDED": "REFUND_OVER_AMOUNT",
    "NOT_REVERSIBLE": "TRADE_CANNOT_REVERSE",
    "INVALID_REQUEST": "PARAM_INVALID",
    "UNAVAILABLE": "SYSTEM_BUSY",
}
CARD_TYPES = {"gift": "GIFT", "member": "VIP"}
CARD_STATES = {"ACTIVE": 0, "FROZEN": 1, "EXPIRED": 2}
TRADE_TYPES = {
    "PAYMENT": "CONSUME",
    "REFUND": "REFUND",
    "REVERSAL": "REVERSE",
    "TOPUP": "RECHARGE",
    "ADJUSTMENT": "ADJUST",
}
TRADE_STATES = {"SUCCEEDED": "SUCCESS", "FAILED": "FAIL", "PROCESSING": "PAYING", "REVERSED": "REVERSED"}


def signed(body: dict[str, Any], status: int = 200) -> Response:
    """A UTF-8 JSON answer with X-Jade-Sign: hex HMAC-SM3 of its exact bytes (none without the key)."""
    raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    response = Response(raw, status, content_type="application/json; charset=utf-8")
    key = current().keys.get(KEY + "HMAC_KEY", "")
    if key:
        response.headers["X-Jade-Sign"] = hmac_sm3_hex(key, raw)
    return response


def answer(**data: Any) -> Response:
    return signed({"success": True, "data": data})


def refused(code: str, message: str, status: int = 200, **data: Any) -> Response:
    """A refusal: HTTP 200 for the business's no, 401 for a bad signature; a trade it concerns in data."""
    body: dict[str, Any] = {"success": False, "errorCode": code, "errorMsg": message}
    return signed(body | ({"data": data} if data else {}), status)


def card(card: dict[str, Any]) -> dict[str, Any]:
    fields = {
        "cardNo": common.card_number(g.cs, card["card_id"]),
        "cardType": CARD_TYPES.get(card["card_type"], "OTHER"),
        "state": CARD_STATES[card["status"]],
        "expireDate": common.compact_date(card["expires_on"]) if card["expires_on"] else None,
        "balance": card.get("balance"),
    }
    return {name: value for name, value in fields.items() if value is not None}


def trade(payment: dict[str, Any]) -> dict[str, Any]:
    return {
        "outTradeNo": payment["payment_id"],
        "amount": payment["amount"],
        "refundedAmount": payment["refunded_amount"],
        "tradeState": TRADE_STATES[payment["status"]],
    }


def line(txn: dict[str, Any]) -> dict[str, Any]:
    return {
        "tradeId": txn["txn_id"],
        "tradeType": TRADE_TYPES[txn["kind"]],
        "amount": txn["amount"],
        "balanceAfter": txn["balance_after"],
        "tradeTime": int(datetime.fromisoformat(txn["created_at"]).timestamp() * 1000),
        "memo": txn["description"],
        "outTradeNo": txn.get("payment_id"),
    }
