"""A tiny unseen card system (over `responses`) and the dialect config that speaks it, for mechanism tests.

It has no card ids (cards are known by number), history rows without ids, pages by whatever the
request carries (pageNo or offset, pageSize) and says both `total` and `hasMore`, and has no reverse.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import responses

from bff.adapters.breaker import CircuitBreaker
from bff.adapters.guarded import make_session
from bff.adapters.http import HttpClient
from bff.adapters.mapped import MappedAdapter
from bff.merchants.dialect import Dialect

BASE = "http://unseen.test/api"
NUMBER = "6200123456789012"

DIALECT: dict[str, Any] = {
    "encoding": "json",
    "signing": {
        "key_env": "KABAO_MERCHANT_UNSEEN_KEY",
        "signed": {"source": "template", "template": "{key}"},
        "algorithm": "none",
        "encoding": "raw",
        "put": {"header": "X-Api-Key"},
    },
    "result": {"flag": "success", "error": "errorCode", "errors": {"NO_MONEY": "INSUFFICIENT_BALANCE"}},
    "card": {
        "id_from_number": "cardNo",
        "last4": "cardNo",
        "status": "state",
        "status_map": {"OK": "ACTIVE"},
        "balance": "balance",
    },
    "transaction": {
        "id_from": ["time", "amount", "type", "balance"],
        "kind": "type",
        "kind_map": {"PAY": "PAYMENT", "REFUND": "REFUND"},
        "amount": "amount",
        "amount_signed": False,
        "balance_after": "balance",
        "created_at": "time",
    },
    "payment": {"status": "status", "status_map": {"PAID": "SUCCEEDED", "FAILED": "FAILED"}, "amount": "amount"},
    "operations": {
        "bind": {"path": "/bind", "params": {"user": "{user_id}", "cardNo": "{card_number}"}, "answer": "card"},
        "list_cards": {"path": "/cards", "params": {"user": "{user_id}"}, "answer": "cards"},
        "transactions": {
            "path": "/history",
            "params": {"cardNo": "{card_number}", "pageNo": "{page}", "pageSize": "{limit}"},
            "answer": "data.list",
            "paging": {"mechanism": "page_has_more", "has_more": "data.hasMore"},
        },
        "pay": {
            "path": "/pay",
            "params": {"cardNo": "{card_number}", "orderNo": "{payment_id}", "amount": "{amount}"},
        },
        "payment_status": {"path": "/query", "params": {"orderNo": "{payment_id}"}},
        "refund": {
            "path": "/refund",
            "params": {"orderNo": "{payment_id}", "refundNo": "{refund_id}", "amount": "{amount}"},
        },
    },
}


def dialect(**changes: Any) -> Dialect:
    """The unseen system's dialect, with top-level keys or operations replaced."""
    config = copy.deepcopy(DIALECT)
    operations = changes.pop("operations", {})
    config.update(changes)
    config["operations"].update(operations)
    config["operations"] = {k: v for k, v in config["operations"].items() if v is not None}
    return Dialect.model_validate(config)


def adapter(config: Dialect, key: str = "k3y") -> MappedAdapter:
    client = HttpClient(BASE, make_session(), (0.5, 0.5), {}, CircuitBreaker(50, 60), "unseen")
    return MappedAdapter(client, config, {"KABAO_MERCHANT_UNSEEN_KEY": key})


def history_rows(count: int) -> list[dict[str, Any]]:
    """count rows, newest first, none with an id; each differs in time and balance."""
    return [
        {"time": f"2026-11-{1 + i // 24:02d}T{i % 24:02d}:00:00+08:00", "amount": 100 + i, "type": "PAY", "balance": i}
        for i in reversed(range(count))
    ]


class UnseenSystem:
    """Serves the unseen system's calls and records what it was asked."""

    def __init__(self, rows: int = 23, balance: int = 5000) -> None:
        self.rows = history_rows(rows)
        self.cards = {NUMBER: balance}
        self.paid: dict[str, int] = {}
        self.refunds: dict[str, int] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.declines: set[str] = set()  # card numbers whose payments are declined

    def install(self, base: str = BASE) -> None:
        for op in ("bind", "cards", "history", "pay", "query", "refund"):
            responses.add_callback(responses.POST, f"{base}/{op}", callback=self._answer(op))

    def _answer(self, op: str):
        def callback(request):
            body = json.loads(request.body or "{}")
            self.calls.append((op, body))
            return 200, {}, json.dumps(getattr(self, f"_{op}")(body))

        return callback

    def _card(self, number: str) -> dict[str, Any]:
        return {"cardId": f"C-{number[-6:]}", "cardNo": number, "balance": self.cards[number], "state": "OK"}

    def _bind(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"success": True, "card": self._card(body["cardNo"])}

    def _cards(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"success": True, "cards": [self._card(n) for n in self.cards]}

    def _history(self, body: dict[str, Any]) -> dict[str, Any]:
        size = int(body["pageSize"])
        start = int(body["offset"]) if "offset" in body else (int(body["pageNo"]) - 1) * size
        rows = self.rows[start : start + size]
        more = start + size < len(self.rows)
        return {"success": True, "data": {"list": rows, "hasMore": more, "total": len(self.rows)}}

    def _pay(self, body: dict[str, Any]) -> dict[str, Any]:
        number, amount = body["cardNo"], int(body["amount"])
        if number in self.declines or self.cards[number] < amount:
            return {"success": False, "errorCode": "NO_MONEY"}
        if body["orderNo"] not in self.paid:
            self.cards[number] -= amount
            self.paid[body["orderNo"]] = amount
        return {"success": True, "status": "PAID", "amount": amount}

    def _query(self, body: dict[str, Any]) -> dict[str, Any]:
        amount = self.paid.get(body["orderNo"])
        return {"success": True, "status": "PAID", "amount": amount} if amount else {"success": False}

    def _refund(self, body: dict[str, Any]) -> dict[str, Any]:
        if body["refundNo"] not in self.refunds:
            self.refunds[body["refundNo"]] = int(body["amount"])
            self.cards[NUMBER] += int(body["amount"])
        return {"success": True, "status": "PAID", "amount": self.paid[body["orderNo"]]}
