"""What the sandbox holds, for the admin API and the simulator page (full numbers, secrets)."""

from __future__ import annotations

import sqlite3
from typing import Any

from sandbox import clock
from sandbox.cards import effective_status
from sandbox.db import Database
from sandbox.payments import payment_json, refund_json, settle_due


def shoppers(db: Database) -> list[dict[str, Any]]:
    """The seeded shoppers."""
    rows = db.connection().execute("SELECT * FROM shoppers ORDER BY user_id")
    return [{"user_id": row["user_id"], "name": {"zh-CN": row["name_zh"], "en": row["name_en"]}} for row in rows]


def system_cards(
    db: Database, system: str, user_id: str | None = None, bound: bool | None = None
) -> list[dict[str, Any]]:
    """Every card of a system, optionally only one user's, or only (un)bound ones."""
    query = "SELECT * FROM cards WHERE system = ?"
    params: list[Any] = [system]
    if user_id is not None:
        query += " AND user_id = ?"
        params.append(user_id)
    if bound is not None:
        query += " AND user_id IS NOT NULL" if bound else " AND user_id IS NULL"
    rows = db.connection().execute(query + " ORDER BY rowid", params)
    return [_card(row) for row in rows]


def system_payments(db: Database, system: str) -> dict[str, list[dict[str, Any]]]:
    """A system's recorded payments and refunds, oldest first."""
    with db.write() as conn:
        settle_due(conn, system)
        payments = conn.execute("SELECT * FROM payments WHERE system = ? ORDER BY rowid", (system,)).fetchall()
        refunds = conn.execute("SELECT * FROM refunds WHERE system = ? ORDER BY rowid", (system,)).fetchall()
    return {
        "payments": [{**payment_json(p), "user_id": p["user_id"]} for p in payments],
        "refunds": [refund_json(r) for r in refunds],
    }


def secret_checks(db: Database, system: str, card_id: str | None = None) -> list[dict[str, Any]]:
    """Every secret tried on a system's cards (or one card's), oldest first."""
    query = "SELECT card_id, kind, at_ms FROM secret_checks WHERE system = ?"
    params: list[Any] = [system]
    if card_id is not None:
        query += " AND card_id = ?"
        params.append(card_id)
    rows = db.connection().execute(query + " ORDER BY id", params)
    return [{"card_id": row["card_id"], "kind": row["kind"], "at_ms": row["at_ms"]} for row in rows]


def latest_sms(db: Database, system: str, card_number: str) -> dict[str, Any] | None:
    """The latest SMS code sent for a card, if any."""
    row = (
        db.connection()
        .execute(
            "SELECT * FROM sms_codes WHERE system = ? AND card_number = ? ORDER BY id DESC LIMIT 1",
            (system, card_number),
        )
        .fetchone()
    )
    return None if row is None else _sms(row)


def sms_inbox(db: Database, limit: int = 10) -> list[dict[str, Any]]:
    """The latest SMS codes sent by any system, newest first."""
    rows = db.connection().execute("SELECT * FROM sms_codes ORDER BY id DESC LIMIT ?", (limit,))
    return [_sms(row) for row in rows]


def _card(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "card_id": row["card_id"],
        "card_number": row["card_number"],
        "secret": row["secret"],
        "user_id": row["user_id"],
        "status": effective_status(row),
        "balance": row["balance"],
        "currency": row["currency"],
        "card_type": row["card_type"],
        "expires_on": row["expires_on"],
        "bound_at": row["bound_at"],
        "secret_locked": bool(row["secret_locked"]),
    }


def _sms(row: sqlite3.Row) -> dict[str, Any]:
    expires_in = max(0, (row["expires_at_ms"] - clock.now_ms()) // 1000)
    return {
        "system": row["system"],
        "card_number": row["card_number"],
        "user_id": row["user_id"],
        "code": row["code"],
        "sent_at": row["sent_at"],
        "expires_in": expires_in,
        "used": bool(row["used"]),
    }
