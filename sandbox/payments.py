"""Payment operations of the standard API: pay, status, reverse, refund."""

from __future__ import annotations

import secrets
import sqlite3
from typing import Any

from sandbox import clock
from sandbox.cards import effective_status, owned_card
from sandbox.context import CardSystem
from sandbox.db import Database
from sandbox.errors import CardError, invalid, require_amount, require_object, require_text
from sandbox.verification import check_password

PAY_PARAMS = ("user_id", "card_id", "order_id", "amount", "currency")


def payment_json(row: sqlite3.Row) -> dict[str, Any]:
    """A payment as the API shows it."""
    return {
        "payment_id": row["payment_id"],
        "card_id": row["card_id"],
        "order_id": row["order_id"],
        "amount": row["amount"],
        "currency": row["currency"],
        "status": row["status"],
        "refunded_amount": row["refunded_amount"],
        "error_code": row["error_code"],
        "created_at": row["created_at"],
    }


def settle_due(conn: sqlite3.Connection, system: str) -> None:
    """Turn PROCESSING payments whose settlement time has come into SUCCEEDED."""
    conn.execute(
        "UPDATE payments SET status = 'SUCCEEDED', settle_at_ms = NULL"
        " WHERE system = ? AND status = 'PROCESSING' AND settle_at_ms <= ?",
        (system, clock.now_ms()),
    )


def pay(
    db: Database,
    cs: CardSystem,
    raw: Any,
    *,
    force_decline: bool = False,
    processing_ms: int | None = None,
) -> dict[str, Any]:
    """Charge a card once per payment_id; a declined charge is recorded as FAILED."""
    body = require_object(raw)
    request = {
        "payment_id": require_text(body, "payment_id"),
        "user_id": require_text(body, "user_id"),
        "card_id": require_text(body, "card_id"),
        "order_id": require_text(body, "order_id"),
        "amount": require_amount(body),
        "currency": require_text(body, "currency"),
    }
    secret = require_text(body, "secret", optional=True)
    with db.write() as conn:
        return charge(conn, cs, request, secret, force_decline=force_decline, processing_ms=processing_ms)


def charge(
    conn: sqlite3.Connection,
    cs: CardSystem,
    request: dict[str, Any],
    secret: str | None = None,
    *,
    force_decline: bool = False,
    processing_ms: int | None = None,
) -> dict[str, Any]:
    """Pay's money logic inside the caller's write transaction (the dialects add their own rules around it)."""
    if request["currency"] != cs.rules.currency:
        raise invalid(f"currency must be {cs.rules.currency}")
    settle_due(conn, cs.id)
    existing = _payment(conn, cs.id, request["payment_id"])
    if existing is not None:
        return _repeat(existing, request)
    card = owned_card(conn, cs.id, request["user_id"], request["card_id"])
    if secret is not None:
        check_password(conn, cs, card, secret)
    decline = _decline_code(cs, card, request["amount"], force_decline)
    status = "FAILED" if decline else "PROCESSING" if processing_ms is not None else "SUCCEEDED"
    conn.execute(
        "INSERT INTO payments (system, payment_id, card_id, user_id, order_id, amount,"
        " currency, status, error_code, created_at, settle_at_ms)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            cs.id,
            request["payment_id"],
            request["card_id"],
            request["user_id"],
            request["order_id"],
            request["amount"],
            request["currency"],
            status,
            decline,
            clock.iso(clock.now()),
            None if processing_ms is None else clock.now_ms() + processing_ms,
        ),
    )
    payment = _payment(conn, cs.id, request["payment_id"])
    if decline:
        raise CardError(decline, _DECLINES[decline], payment=payment_json(payment))
    _move_money(conn, payment, "PAYMENT", -payment["amount"], ("订单支付", "Order payment"))
    return payment_json(payment)


def payment_status(db: Database, cs: CardSystem, payment_id: str) -> dict[str, Any]:
    """A payment's current state."""
    with db.write() as conn:
        settle_due(conn, cs.id)
        return payment_json(_existing_payment(conn, cs.id, payment_id))


def reverse(db: Database, cs: CardSystem, payment_id: str) -> dict[str, Any]:
    """Void a payment in full; reversing a REVERSED or FAILED payment changes nothing."""
    with db.write() as conn:
        settle_due(conn, cs.id)
        payment = _existing_payment(conn, cs.id, payment_id)
        if payment["status"] in ("REVERSED", "FAILED"):
            return payment_json(payment)
        if payment["refunded_amount"] > 0:
            raise CardError("NOT_REVERSIBLE", "the payment has refunds; refund the rest instead")
        _move_money(conn, payment, "REVERSAL", payment["amount"], ("订单支付已撤销", "Order payment voided"))
        conn.execute(
            "UPDATE payments SET status = 'REVERSED', settle_at_ms = NULL WHERE system = ? AND payment_id = ?",
            (cs.id, payment_id),
        )
        return payment_json(_payment(conn, cs.id, payment_id))


def refund(db: Database, cs: CardSystem, payment_id: str, raw: Any) -> dict[str, Any]:
    """Give back part or all of a payment, once per refund_id."""
    body = require_object(raw)
    refund_id = require_text(body, "refund_id")
    amount = require_amount(body)
    with db.write() as conn:
        settle_due(conn, cs.id)
        payment = _existing_payment(conn, cs.id, payment_id)
        previous = conn.execute(
            "SELECT * FROM refunds WHERE system = ? AND refund_id = ?", (cs.id, refund_id)
        ).fetchone()
        if previous is not None:
            if previous["payment_id"] != payment_id or previous["amount"] != amount:
                raise CardError("DUPLICATE", "refund_id was used with other parameters")
            return {"refund": refund_json(previous), "payment": payment_json(payment)}
        if payment["status"] == "PROCESSING":
            raise CardError("UNAVAILABLE", "the payment is still processing; try again later")
        left = payment["amount"] - payment["refunded_amount"]
        if payment["status"] != "SUCCEEDED" or amount > left:
            left = left if payment["status"] == "SUCCEEDED" else 0
            raise CardError("REFUND_EXCEEDED", f"only {left} fen of this payment can be refunded")
        _move_money(conn, payment, "REFUND", amount, ("订单退款", "Order refund"))
        conn.execute(
            "UPDATE payments SET refunded_amount = refunded_amount + ? WHERE system = ? AND payment_id = ?",
            (amount, cs.id, payment_id),
        )
        conn.execute(
            "INSERT INTO refunds (system, refund_id, payment_id, amount, created_at) VALUES (?, ?, ?, ?, ?)",
            (cs.id, refund_id, payment_id, amount, clock.iso(clock.now())),
        )
        row = conn.execute("SELECT * FROM refunds WHERE system = ? AND refund_id = ?", (cs.id, refund_id)).fetchone()
        payment = _payment(conn, cs.id, payment_id)
        return {"refund": refund_json(row), "payment": payment_json(payment)}


def refund_json(row: sqlite3.Row) -> dict[str, Any]:
    """A refund as the API shows it."""
    return {
        "refund_id": row["refund_id"],
        "payment_id": row["payment_id"],
        "amount": row["amount"],
        "created_at": row["created_at"],
    }


def payment_exists(conn: sqlite3.Connection, system: str, payment_id: str) -> bool:
    """Whether this system has a payment with this id."""
    return _payment(conn, system, payment_id) is not None


def payment_card_id(conn: sqlite3.Connection, system: str, payment_id: str) -> str | None:
    """The card a payment was made with, if the payment exists."""
    payment = _payment(conn, system, payment_id)
    return None if payment is None else payment["card_id"]


_DECLINES = {
    "CARD_FROZEN": "the card is frozen",
    "CARD_EXPIRED": "the card has expired",
    "LIMIT_EXCEEDED": "the amount is over this card system's limit per payment",
    "INSUFFICIENT_BALANCE": "the card's balance is less than the amount",
}


def _decline_code(cs: CardSystem, card: sqlite3.Row, amount: int, forced: bool) -> str | None:
    if forced:
        return "INSUFFICIENT_BALANCE"
    status = effective_status(card)
    if status != "ACTIVE":
        return f"CARD_{status}"
    if amount > cs.rules.max_payment_amount:
        return "LIMIT_EXCEEDED"
    if card["balance"] < amount:
        return "INSUFFICIENT_BALANCE"
    return None


def _repeat(existing: sqlite3.Row, request: dict[str, Any]) -> dict[str, Any]:
    """The answer to a payment_id seen before: the same payment, or DUPLICATE."""
    if any(existing[name] != request[name] for name in PAY_PARAMS):
        raise CardError("DUPLICATE", "payment_id was used with other parameters")
    if existing["status"] == "FAILED":
        code = existing["error_code"]
        raise CardError(code, _DECLINES.get(code, "declined"), payment=payment_json(existing))
    return payment_json(existing)


def _payment(conn: sqlite3.Connection, system: str, payment_id: str) -> sqlite3.Row | None:
    query = "SELECT * FROM payments WHERE system = ? AND payment_id = ?"
    return conn.execute(query, (system, payment_id)).fetchone()


def _existing_payment(conn: sqlite3.Connection, system: str, payment_id: str) -> sqlite3.Row:
    payment = _payment(conn, system, payment_id)
    if payment is None:
        raise CardError("PAYMENT_NOT_FOUND", "no payment with this id")
    return payment


def _move_money(conn: sqlite3.Connection, payment: sqlite3.Row, kind: str, amount: int, label: tuple[str, str]) -> None:
    """Change the card's balance and write the transaction, in the caller's transaction."""
    system, card_id = payment["system"], payment["card_id"]
    conn.execute(
        "UPDATE cards SET balance = balance + ? WHERE system = ? AND card_id = ?",
        (amount, system, card_id),
    )
    (balance,) = conn.execute(
        "SELECT balance FROM cards WHERE system = ? AND card_id = ?", (system, card_id)
    ).fetchone()
    conn.execute(
        "INSERT INTO txns (txn_id, system, card_id, kind, amount, balance_after, created_at,"
        " description, description_en, order_id, payment_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            f"t_{secrets.token_hex(8)}",
            system,
            card_id,
            kind,
            amount,
            balance,
            clock.iso(clock.now()),
            *label,
            payment["order_id"],
            payment["payment_id"],
        ),
    )
