"""Card secrets: passwords, SMS codes, and the lock after too many wrong ones."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
from typing import Any

from sandbox import clock
from sandbox.context import CardSystem
from sandbox.db import Database
from sandbox.errors import CardError, invalid, require_object, require_text
from sandbox.status import effective_status


def check_password(conn: sqlite3.Connection, cs: CardSystem, card: sqlite3.Row, given: str) -> None:
    """Accept the card's password, or count a wrong one (locking after too many)."""
    _note_check(conn, card, "password")
    _refuse_if_locked(card)
    if _same(given, card["secret"]):
        _forget_wrong_secrets(conn, card)
        return
    _count_wrong_secret(conn, cs, card)


def check_sms_code(conn: sqlite3.Connection, cs: CardSystem, card: sqlite3.Row, user_id: str, given: str) -> None:
    """Accept the latest unused, unexpired code sent for this card and user (single use)."""
    _note_check(conn, card, "sms_code")
    _refuse_if_locked(card)
    latest = conn.execute(
        "SELECT * FROM sms_codes WHERE system = ? AND card_number = ? ORDER BY id DESC LIMIT 1",
        (cs.id, card["card_number"]),
    ).fetchone()
    if (
        latest is not None
        and latest["user_id"] == user_id
        and not latest["used"]
        and latest["expires_at_ms"] > clock.now_ms()
        and _same(given, latest["code"])
    ):
        conn.execute("UPDATE sms_codes SET used = 1 WHERE id = ?", (latest["id"],))
        _forget_wrong_secrets(conn, card)
        return
    _count_wrong_secret(conn, cs, card)


def masked_phone(card_number: str) -> str:
    """The card's (made-up, stable) phone number, masked as card systems show it: 138****5678."""
    digest = hashlib.sha256(card_number.encode()).hexdigest()
    return f"1{3 + int(digest[0], 16) % 7}{int(digest[1], 16) % 10}****{int(digest[2:10], 16) % 10000:04d}"


def send_sms_code(db: Database, cs: CardSystem, raw: Any) -> tuple[int, str]:
    """Send a new 6-digit code for an active card (SMS card systems only); answer its lifetime and masked phone."""
    body = require_object(raw)
    user_id = require_text(body, "user_id")
    number = require_text(body, "card_number")
    if cs.profile.bind != "sms":
        raise invalid("this card system does not bind with SMS codes")
    if not cs.profile.number.matches(number):
        raise invalid("card_number does not have this card system's format")
    rules = cs.rules
    with db.write() as conn:
        card = conn.execute("SELECT * FROM cards WHERE system = ? AND card_number = ?", (cs.id, number)).fetchone()
        if card is None:
            raise CardError("CARD_NOT_FOUND", "no card with this number")
        status = effective_status(card)
        if status != "ACTIVE":
            raise CardError(f"CARD_{status}", f"the card is {status.lower()}; no code sent")
        now_ms = clock.now_ms()
        (recent,) = conn.execute(
            "SELECT COUNT(*) FROM sms_codes WHERE system = ? AND card_number = ? AND sent_at_ms > ?",
            (cs.id, number, now_ms - rules.sms_window_seconds * 1000),
        ).fetchone()
        if recent >= rules.sms_sends_per_window:
            raise CardError("LIMIT_EXCEEDED", "too many SMS codes sent for this card; wait")
        conn.execute(
            "INSERT INTO sms_codes (system, card_number, user_id, code, sent_at, sent_at_ms,"
            " expires_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                cs.id,
                number,
                user_id,
                f"{secrets.randbelow(10**6):06d}",
                clock.iso(clock.now()),
                now_ms,
                now_ms + rules.sms_code_ttl_seconds * 1000,
            ),
        )
    return rules.sms_code_ttl_seconds, masked_phone(number)


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def _note_check(conn: sqlite3.Connection, card: sqlite3.Row, kind: str) -> None:
    """Record that a secret was tried on this card (even a locked one), for the admin API."""
    conn.execute(
        "INSERT INTO secret_checks (system, card_id, kind, at_ms) VALUES (?, ?, ?, ?)",
        (card["system"], card["card_id"], kind, clock.now_ms()),
    )


def _refuse_if_locked(card: sqlite3.Row) -> None:
    if card["secret_locked"]:
        raise CardError("SECRET_LOCKED", "too many wrong secrets; the card's secret is locked")


def _forget_wrong_secrets(conn: sqlite3.Connection, card: sqlite3.Row) -> None:
    if card["wrong_secrets"]:
        conn.execute(
            "UPDATE cards SET wrong_secrets = 0 WHERE system = ? AND card_id = ?",
            (card["system"], card["card_id"]),
        )


def _count_wrong_secret(conn: sqlite3.Connection, cs: CardSystem, card: sqlite3.Row) -> None:
    """Record a wrong secret and answer WRONG_SECRET, or SECRET_LOCKED when it locks the card."""
    wrong = card["wrong_secrets"] + 1
    locked = wrong >= cs.rules.secret_lock_after
    conn.execute(
        "UPDATE cards SET wrong_secrets = ?, secret_locked = ? WHERE system = ? AND card_id = ?",
        (wrong, int(locked), card["system"], card["card_id"]),
    )
    if locked:
        raise CardError("SECRET_LOCKED", "too many wrong secrets; the card's secret is now locked")
    left = cs.rules.secret_lock_after - wrong
    raise CardError("WRONG_SECRET", f"wrong secret; {left} attempts left before the lock")
