"""The host app's own orders (sim_orders) and the refunds it asked Kabao for (sim_refunds)."""

from __future__ import annotations

import re
import secrets
import sqlite3
from dataclasses import dataclass
from typing import Any

from sandbox import clock
from sandbox.db import Database
from sandbox.hostapi import RemoteOrder, RemoteRefund

RESULT_STATUSES = ("PAID", "PARTLY_PAID", "FAILED", "PENDING", "CANCELLED")
REFUNDABLE_STATUSES = ("PAID", "PARTLY_PAID")
QUERYABLE_STATUSES = ("CREATED", "PENDING")
# A late PENDING result (a reloaded return page) must not undo what a status query settled.
SETTLED_STATUSES = ("PAID", "PARTLY_PAID", "FAILED")
ORDER_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class OrderMismatch(ValueError):
    """A checkout result that names a known order with another amount or shopper."""


@dataclass(frozen=True)
class Order:
    """One row of sim_orders: amounts in fen."""

    merchant_id: str
    order_id: str
    user_id: str
    amount: int
    status: str
    paid_by_cards: int
    remainder: int
    refunded: int
    checkout_id: str | None
    updated_at: str

    @property
    def refundable(self) -> int:
        """What the cards paid and have not had back (as far as the host app knows)."""
        return max(self.paid_by_cards - self.refunded, 0)

    @property
    def can_refund(self) -> bool:
        """Whether the page offers a refund form."""
        return self.status in REFUNDABLE_STATUSES

    @property
    def can_refresh(self) -> bool:
        """Whether the page offers to ask Kabao for the order's status."""
        return self.status in QUERYABLE_STATUSES


@dataclass(frozen=True)
class CheckoutResult:
    """The payload of a kabao_result token."""

    order_id: str
    merchant_id: str
    user_id: str
    checkout_id: str
    status: str
    amount: int
    paid_by_cards: int
    remainder: int

    @classmethod
    def from_payload(cls, payload: Any) -> CheckoutResult:
        """Check a verified payload's shape; ValueError if it is not the contract's."""
        if not isinstance(payload, dict):
            raise ValueError("the result is not an object")
        texts = {key: payload.get(key) for key in ("order_id", "mch", "sub", "checkout_id", "status")}
        if not all(isinstance(value, str) and value for value in texts.values()):
            raise ValueError("the result lacks order_id, mch, sub, checkout_id or status")
        if texts["status"] not in RESULT_STATUSES:
            raise ValueError(f"unknown status {texts['status']!r}")
        numbers = {key: payload.get(key) for key in ("amount", "paid_by_cards", "remainder")}
        if not all(_is_fen(value) for value in numbers.values()):
            raise ValueError("amount, paid_by_cards and remainder must be whole fen, not negative")
        return cls(
            order_id=texts["order_id"],
            merchant_id=texts["mch"],
            user_id=texts["sub"],
            checkout_id=texts["checkout_id"],
            status=texts["status"],
            amount=numbers["amount"],
            paid_by_cards=numbers["paid_by_cards"],
            remainder=numbers["remainder"],
        )


def new_order_id() -> str:
    """A fresh order id: SIM- + the sandbox's time (+08:00, as every time it shows) + 4 random hex digits."""
    return f"SIM-{clock.now():%Y%m%d%H%M%S}-{secrets.token_hex(2)}"


def new_refund_id() -> str:
    """A fresh refund id, made when a refund form is drawn so that a re-POST reuses it."""
    return f"SIMR-{clock.now():%Y%m%d%H%M%S}-{secrets.token_hex(4)}"


def record_order(db: Database, merchant_id: str, order_id: str, user_id: str, amount: int) -> Order:
    """Store a new order as CREATED; an order that exists already is left as it is and answered."""
    with db.write() as conn:
        conn.execute(
            "INSERT OR IGNORE INTO sim_orders (merchant_id, order_id, user_id, amount, status, updated_at)"
            " VALUES (?, ?, ?, ?, 'CREATED', ?)",
            (merchant_id, order_id, user_id, amount, _now()),
        )
        return _get(conn, merchant_id, order_id)


def find_order(db: Database, merchant_id: str, order_id: str) -> Order | None:
    """The order with this merchant and id, if the host app has it."""
    row = _select(db.connection(), merchant_id, order_id)
    return None if row is None else _order(row)


def recent_orders(db: Database, limit: int = 20) -> list[Order]:
    """The latest orders, newest first."""
    rows = db.connection().execute("SELECT * FROM sim_orders ORDER BY rowid DESC LIMIT ?", (limit,))
    return [_order(row) for row in rows]


def apply_result(db: Database, result: CheckoutResult) -> Order:
    """Record a verified checkout result; an order the host app lacks is recorded from it."""
    with db.write() as conn:
        row = _select(conn, result.merchant_id, result.order_id)
        if row is None:
            conn.execute(
                "INSERT INTO sim_orders (merchant_id, order_id, user_id, amount, status, updated_at)"
                " VALUES (?, ?, ?, ?, 'CREATED', ?)",
                (result.merchant_id, result.order_id, result.user_id, result.amount, _now()),
            )
        elif row["amount"] != result.amount or row["user_id"] != result.user_id:
            raise OrderMismatch("the result's amount or shopper is not the order's")
        elif result.status == "PENDING" and row["status"] in SETTLED_STATUSES:
            return _order(row)
        conn.execute(
            "UPDATE sim_orders SET status = ?, paid_by_cards = ?, remainder = ?, checkout_id = ?,"
            " updated_at = ? WHERE merchant_id = ? AND order_id = ?",
            (
                result.status,
                result.paid_by_cards,
                result.remainder,
                result.checkout_id,
                _now(),
                result.merchant_id,
                result.order_id,
            ),
        )
        return _get(conn, result.merchant_id, result.order_id)


def apply_status(db: Database, merchant_id: str, remote: RemoteOrder) -> Order:
    """Take over what Kabao's order status query answered."""
    with db.write() as conn:
        conn.execute(
            "UPDATE sim_orders SET status = ?, paid_by_cards = ?, remainder = ?, refunded = ?,"
            " updated_at = ? WHERE merchant_id = ? AND order_id = ?",
            (
                remote.status,
                remote.paid_by_cards,
                remote.remainder,
                remote.refunded,
                _now(),
                merchant_id,
                remote.order_id,
            ),
        )
        return _get(conn, merchant_id, remote.order_id)


def record_refund(db: Database, order: Order, refund: RemoteRefund) -> Order:
    """Count a refund Kabao took on, once per refund id (a re-POSTed form is answered again)."""
    with db.write() as conn:
        added = conn.execute(
            "INSERT OR IGNORE INTO sim_refunds"
            " (merchant_id, order_id, refund_id, amount, status, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (order.merchant_id, order.order_id, refund.refund_id, refund.amount, refund.status, _now()),
        ).rowcount
        if added and refund.status != "FAILED":
            conn.execute(
                "UPDATE sim_orders SET refunded = refunded + ?, updated_at = ? WHERE merchant_id = ? AND order_id = ?",
                (refund.amount, _now(), order.merchant_id, order.order_id),
            )
        return _get(conn, order.merchant_id, order.order_id)


def _is_fen(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _now() -> str:
    return clock.iso(clock.now())


def _select(conn: sqlite3.Connection, merchant_id: str, order_id: str) -> sqlite3.Row | None:
    return conn.execute(
        "SELECT * FROM sim_orders WHERE merchant_id = ? AND order_id = ?", (merchant_id, order_id)
    ).fetchone()


def _get(conn: sqlite3.Connection, merchant_id: str, order_id: str) -> Order:
    row = _select(conn, merchant_id, order_id)
    if row is None:
        raise LookupError(f"order {merchant_id}/{order_id} is gone (was the sandbox reset?)")
    return _order(row)


def _order(row: sqlite3.Row) -> Order:
    return Order(**{key: row[key] for key in row.keys()})  # noqa: SIM118 - sqlite3.Row is not a dict
