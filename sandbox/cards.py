"""Card operations of the standard API: bind, list, detail, transactions, unbind."""

from __future__ import annotations

import base64
import binascii
import sqlite3
from typing import Any

from sandbox import clock
from sandbox.context import CardSystem
from sandbox.db import Database
from sandbox.errors import CardError, invalid, require_object, require_text
from sandbox.status import effective_status
from sandbox.verification import check_password, check_sms_code

DEFAULT_PAGE = 10
MAX_PAGE = 50


def card_json(card: sqlite3.Row, *, with_balance: bool) -> dict[str, Any]:
    """A card as the API shows it (balance only on detail and bind answers)."""
    body: dict[str, Any] = {
        "card_id": card["card_id"],
        "last4": card["card_number"][-4:],
        "card_type": card["card_type"],
        "status": effective_status(card),
        "currency": card["currency"],
        "expires_on": card["expires_on"],
        "bound_at": card["bound_at"],
    }
    if with_balance:
        body["balance"] = card["balance"]
    return body


def card_by_id(conn: sqlite3.Connection, system: str, card_id: str) -> sqlite3.Row | None:
    """A card of this system by id, bound or not."""
    query = "SELECT * FROM cards WHERE system = ? AND card_id = ?"
    return conn.execute(query, (system, card_id)).fetchone()


def card_by_number(conn: sqlite3.Connection, system: str, number: str) -> sqlite3.Row | None:
    """A card of this system by its number."""
    query = "SELECT * FROM cards WHERE system = ? AND card_number = ?"
    return conn.execute(query, (system, number)).fetchone()


def owned_card(conn: sqlite3.Connection, system: str, user_id: str, card_id: str) -> sqlite3.Row:
    """The user's bound card, or CARD_NOT_FOUND (also for another user's card)."""
    card = card_by_id(conn, system, card_id)
    if card is None or card["user_id"] != user_id:
        raise CardError("CARD_NOT_FOUND", "no such card for this user")
    return card


def bind(db: Database, cs: CardSystem, raw: Any) -> dict[str, Any]:
    """Bind a card to a user with the secret its system asks for."""
    body = require_object(raw)
    user_id = require_text(body, "user_id")
    number = require_text(body, "card_number")
    secret = require_text(body, "secret", optional=True)
    sms_code = require_text(body, "sms_code", optional=True)
    if not cs.profile.number.matches(number):
        raise invalid("card_number does not have this card system's format")
    if cs.profile.bind == "password" and secret is None:
        raise invalid("this card system binds with the card password in secret")
    if cs.profile.bind == "sms" and sms_code is None:
        raise invalid("this card system binds with an SMS code in sms_code")
    with db.write() as conn:
        card = card_by_number(conn, cs.id, number)
        if card is None:
            raise CardError("CARD_NOT_FOUND", "no card with this number")
        if card["user_id"] == user_id:
            return card_json(card, with_balance=True)
        if cs.profile.bind == "password":
            check_password(conn, cs, card, secret)
        elif cs.profile.bind == "sms":
            check_sms_code(conn, cs, card, user_id, sms_code)
        status = effective_status(card)
        if status != "ACTIVE":
            raise CardError(f"CARD_{status}", f"the card is {status.lower()}")
        if card["user_id"] is not None:
            raise CardError("ALREADY_BOUND", "the card is bound to another user")
        conn.execute(
            "UPDATE cards SET user_id = ?, bound_at = ? WHERE system = ? AND card_id = ?",
            (user_id, clock.iso(clock.now()), cs.id, card["card_id"]),
        )
        return card_json(card_by_id(conn, cs.id, card["card_id"]), with_balance=True)


def list_cards(db: Database, cs: CardSystem, user_id: str) -> list[dict[str, Any]]:
    """The user's bound cards, oldest binding first, without balances."""
    rows = db.connection().execute(
        "SELECT * FROM cards WHERE system = ? AND user_id = ? ORDER BY bound_at, card_id",
        (cs.id, user_id),
    )
    return [card_json(row, with_balance=False) for row in rows]


def card_detail(db: Database, cs: CardSystem, user_id: str, card_id: str) -> dict[str, Any]:
    """One of the user's cards with its balance."""
    return card_json(owned_card(db.connection(), cs.id, user_id, card_id), with_balance=True)


def unbind(db: Database, cs: CardSystem, user_id: str, card_id: str) -> None:
    """Release the user's card (its balance and history stay with the card)."""
    with db.write() as conn:
        owned_card(conn, cs.id, user_id, card_id)
        conn.execute(
            "UPDATE cards SET user_id = NULL, bound_at = NULL WHERE system = ? AND card_id = ?",
            (cs.id, card_id),
        )


def report_lost(db: Database, cs: CardSystem, user_id: str, card_id: str, raw: Any) -> dict[str, Any]:
    """Freeze the user's card as lost (挂失), confirmed with its secret; payments are refused from then on."""
    secret = require_text(require_object(raw), "secret")
    with db.write() as conn:
        card = owned_card(conn, cs.id, user_id, card_id)
        check_password(conn, cs, card, secret)
        status = effective_status(card)
        if status not in ("ACTIVE", "FROZEN"):
            raise CardError(f"CARD_{status}", f"the card is {status.lower()}")
        conn.execute("UPDATE cards SET status = 'FROZEN' WHERE system = ? AND card_id = ?", (cs.id, card_id))
        return card_json(card_by_id(conn, cs.id, card_id), with_balance=True)


def transactions(
    db: Database, cs: CardSystem, user_id: str, card_id: str, cursor: str | None, limit: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the card's transactions, newest first, and the cursor of the next page."""
    size = _page_size(limit)
    before = _decode_cursor(cursor, card_id) if cursor else None
    conn = db.connection()
    owned_card(conn, cs.id, user_id, card_id)
    rows = conn.execute(
        "SELECT * FROM txns WHERE system = ? AND card_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
        (cs.id, card_id, before if before is not None else 2**62, size + 1),
    ).fetchall()
    page = rows[:size]
    next_cursor = _encode_cursor(card_id, page[-1]["seq"]) if len(rows) > size else None
    return [txn_json(row) for row in page], next_cursor


def numbered_page(
    db: Database, cs: CardSystem, user_id: str, card_id: str, page_no: int, page_size: int
) -> tuple[list[dict[str, Any]], int]:
    """Page page_no (1-based) of the card's transactions, newest first, and how many there are in all."""
    return offset_page(db, cs, user_id, card_id, (page_no - 1) * page_size, page_size)


def offset_page(
    db: Database, cs: CardSystem, user_id: str, card_id: str, offset: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    """Up to limit of the card's transactions after the newest offset, newest first, and how many there are."""
    conn = db.connection()
    owned_card(conn, cs.id, user_id, card_id)
    (total,) = conn.execute("SELECT COUNT(*) FROM txns WHERE system = ? AND card_id = ?", (cs.id, card_id)).fetchone()
    rows = conn.execute(
        "SELECT * FROM txns WHERE system = ? AND card_id = ? ORDER BY seq DESC LIMIT ? OFFSET ?",
        (cs.id, card_id, limit, offset),
    ).fetchall()
    return [txn_json(row) for row in rows], total


def txn_json(row: sqlite3.Row) -> dict[str, Any]:
    """A transaction as the API shows it (payment_id only on payment-related kinds)."""
    body = {
        "txn_id": row["txn_id"],
        "kind": row["kind"],
        "amount": row["amount"],
        "balance_after": row["balance_after"],
        "created_at": row["created_at"],
        "description": row["description"],
    }
    if row["payment_id"] is not None:
        body["payment_id"] = row["payment_id"]
    return body


def _page_size(limit: str | None) -> int:
    if limit is None or limit == "":
        return DEFAULT_PAGE
    if not (limit.isascii() and limit.isdigit()) or not 1 <= int(limit) <= MAX_PAGE:
        raise invalid(f"limit must be an integer from 1 to {MAX_PAGE}")
    return int(limit)


def _encode_cursor(card_id: str, seq: int) -> str:
    return base64.urlsafe_b64encode(f"{card_id}:{seq}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, card_id: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        owner, _, seq = text.rpartition(":")
        if owner == card_id and seq.isdigit():
            return int(seq)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise invalid("cursor is not one this card system gave out for this card")
