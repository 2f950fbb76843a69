"""The payment-attempt ledger: every checkout, attempt and leg is written before money moves."""

from __future__ import annotations

import secrets
import sqlite3
import time

from bff.checkout.records import Attempt, AttemptRefused, Checkout, LegRecord, OrderMismatch, PlannedLeg
from bff.checkout.schema import create_or_upgrade
from bff.checkout.states import (
    ATTEMPT_MOVES,
    CHECKOUT_MOVES,
    LEG_MOVES,
    AttemptStatus,
    CheckoutStatus,
    LegStatus,
    attempt_outcome,
    check_move,
)
from bff.checkout.watched import WatchedLegs
from bff.store.sqlite import SQLiteDB

NOT_SENT = "NOT_SENT"  # a leg never sent because an earlier one was declined


def payment_id_for(checkout_id: str, seq: int, position: int) -> str:
    """The payment id of a leg: the same leg always gets the same id, so a resend never charges twice."""
    return f"kb-{checkout_id}-{seq}-{position}"


def _checkout_status(conn: sqlite3.Connection, checkout_id: str) -> CheckoutStatus:
    row = conn.execute("SELECT status FROM checkouts WHERE checkout_id = ?", (checkout_id,)).fetchone()
    return CheckoutStatus(row[0])


class Ledger(WatchedLegs):
    """Checkouts, attempts and legs in SQLite; every change is one short write transaction."""

    def __init__(self, path: str) -> None:
        self.db = SQLiteDB(path)
        create_or_upgrade(self.db.connection())

    def close(self) -> None:
        self.db.close()

    def _conn(self) -> sqlite3.Connection:
        conn = self.db.connection()
        conn.row_factory = sqlite3.Row
        return conn

    def open_checkout(
        self, merchant_id: str, user_id: str, order_id: str, amount: int, currency: str, return_url: str
    ) -> Checkout:
        """The checkout of this order, created on first sight; the same order always maps to it."""
        now = time.time()
        with self.db.write() as conn:
            conn.row_factory = sqlite3.Row
            row = conn.execute(
                "SELECT * FROM checkouts WHERE merchant_id = ? AND order_id = ?", (merchant_id, order_id)
            ).fetchone()
            if row is None:
                checkout_id = secrets.token_hex(8)
                conn.execute(
                    "INSERT INTO checkouts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        checkout_id,
                        merchant_id,
                        user_id,
                        order_id,
                        amount,
                        currency,
                        return_url,
                        CheckoutStatus.OPEN.value,
                        now,
                        now,
                    ),
                )
                row = conn.execute("SELECT * FROM checkouts WHERE checkout_id = ?", (checkout_id,)).fetchone()
        checkout = self._to_checkout(row)
        if (checkout.amount, checkout.user_id, checkout.currency) != (amount, user_id, currency):
            raise OrderMismatch(order_id)
        return checkout

    @staticmethod
    def _to_checkout(row: sqlite3.Row) -> Checkout:
        data = dict(row)
        data.pop("updated_at")
        return Checkout(**{**data, "status": CheckoutStatus(data["status"])})

    @staticmethod
    def _to_attempt(row: sqlite3.Row) -> Attempt:
        data = dict(row)
        data.pop("updated_at")
        return Attempt(**{**data, "status": AttemptStatus(data["status"])})

    @staticmethod
    def _to_leg(row: sqlite3.Row) -> LegRecord:
        data = dict(row)
        data.pop("updated_at")
        return LegRecord(**{**data, "status": LegStatus(data["status"])})

    def checkout(self, checkout_id: str) -> Checkout | None:
        row = self._conn().execute("SELECT * FROM checkouts WHERE checkout_id = ?", (checkout_id,)).fetchone()
        return None if row is None else self._to_checkout(row)

    def checkout_by_order(self, merchant_id: str, order_id: str) -> Checkout | None:
        row = (
            self._conn()
            .execute("SELECT * FROM checkouts WHERE merchant_id = ? AND order_id = ?", (merchant_id, order_id))
            .fetchone()
        )
        return None if row is None else self._to_checkout(row)

    def attempts(self, checkout_id: str) -> list[Attempt]:
        rows = (
            self._conn().execute("SELECT * FROM attempts WHERE checkout_id = ? ORDER BY seq", (checkout_id,)).fetchall()
        )
        return [self._to_attempt(r) for r in rows]

    def latest_attempt(self, checkout_id: str) -> Attempt | None:
        found = self.attempts(checkout_id)
        return found[-1] if found else None

    def legs(self, checkout_id: str, seq: int | None = None) -> list[LegRecord]:
        sql, args = "SELECT * FROM legs WHERE checkout_id = ?", [checkout_id]
        if seq is not None:
            sql, args = sql + " AND seq = ?", [*args, seq]
        rows = self._conn().execute(sql + " ORDER BY seq, position", args).fetchall()
        return [self._to_leg(r) for r in rows]

    def leg(self, payment_id: str) -> LegRecord | None:
        row = self._conn().execute("SELECT * FROM legs WHERE payment_id = ?", (payment_id,)).fetchone()
        return None if row is None else self._to_leg(row)

    def start_attempt(
        self, checkout_id: str, seq: int, planned: list[PlannedLeg], remainder: int
    ) -> tuple[Attempt, bool]:
        """Write attempt `seq` and its legs, unless it exists (a double tap, a reload, another tab).

        Answers the attempt and whether this call created it: only the creator may call card systems.
        """
        now = time.time()
        with self.db.write() as conn:
            conn.row_factory = sqlite3.Row
            existing = conn.execute(
                "SELECT * FROM attempts WHERE checkout_id = ? AND seq = ?", (checkout_id, seq)
            ).fetchone()
            if existing is not None:
                return self._to_attempt(existing), False
            status = _checkout_status(conn, checkout_id)
            last = conn.execute("SELECT MAX(seq) FROM attempts WHERE checkout_id = ?", (checkout_id,)).fetchone()[0]
            if status is not CheckoutStatus.OPEN or seq != (last or 0) + 1:
                latest = conn.execute(
                    "SELECT * FROM attempts WHERE checkout_id = ? ORDER BY seq DESC LIMIT 1", (checkout_id,)
                ).fetchone()
                if latest is None:
                    raise AttemptRefused(f"checkout {checkout_id} is {status} with no attempt")
                return self._to_attempt(latest), False
            check_move(CHECKOUT_MOVES, status, CheckoutStatus.PROCESSING)
            conn.execute(
                "INSERT INTO attempts VALUES (?, ?, ?, ?, NULL, ?, ?)",
                (checkout_id, seq, AttemptStatus.PROCESSING.value, remainder, now, now),
            )
            for position, leg in enumerate(planned, start=1):
                conn.execute(
                    "INSERT INTO legs (payment_id, checkout_id, seq, position, card_id, last4, amount,"
                    " status, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        payment_id_for(checkout_id, seq, position),
                        checkout_id,
                        seq,
                        position,
                        leg.card_id,
                        leg.last4,
                        leg.amount,
                        LegStatus.PENDING.value,
                        now,
                    ),
                )
            self._set_checkout(conn, checkout_id, status, CheckoutStatus.PROCESSING, now)
            row = conn.execute(
                "SELECT * FROM attempts WHERE checkout_id = ? AND seq = ?", (checkout_id, seq)
            ).fetchone()
            return self._to_attempt(row), True

    @staticmethod
    def _set_checkout(
        conn: sqlite3.Connection, checkout_id: str, old: CheckoutStatus, new: CheckoutStatus, now: float
    ) -> None:
        if old is new:
            return
        check_move(CHECKOUT_MOVES, old, new)
        conn.execute(
            "UPDATE checkouts SET status = ?, updated_at = ? WHERE checkout_id = ? AND status = ?",
            (new.value, now, checkout_id, old.value),
        )

    def mark_sent(self, payment_id: str, now: float, next_query_at: float) -> bool:
        """Claim a pending leg for sending; False when it was already sent or failed as never sent."""
        with self.db.write() as conn:
            return (
                conn.execute(
                    "UPDATE legs SET sent_at = ?, next_query_at = ?, updated_at = ?"
                    " WHERE payment_id = ? AND status = 'PENDING' AND sent_at IS NULL",
                    (now, next_query_at, now, payment_id),
                ).rowcount
                == 1
            )

    def fail_unsent(self, payment_id: str) -> bool:
        """Fail a leg that was never sent, unless a sender claimed it meanwhile (see mark_sent)."""
        with self.db.write() as conn:
            return (
                conn.execute(
                    "UPDATE legs SET status = 'FAILED', error_code = ?, updated_at = ?"
                    " WHERE payment_id = ? AND status = 'PENDING' AND sent_at IS NULL",
                    (NOT_SENT, time.time(), payment_id),
                ).rowcount
                == 1
            )

    def record_leg(self, payment_id: str, new: LegStatus, error_code: str | None = None) -> bool:
        """Move a leg to `new`; False when it is already there (another process got there first)."""
        now = time.time()
        with self.db.write() as conn:
            old = LegStatus(conn.execute("SELECT status FROM legs WHERE payment_id = ?", (payment_id,)).fetchone()[0])
            if old is new:
                return False
            check_move(LEG_MOVES, old, new)
            conn.execute(
                "UPDATE legs SET status = ?, error_code = COALESCE(?, error_code), updated_at = ? WHERE payment_id = ?",
                (new.value, error_code, now, payment_id),
            )
            return True

    def note_query(self, payment_id: str, next_query_at: float) -> None:
        with self.db.write() as conn:
            conn.execute(
                "UPDATE legs SET queries = queries + 1, next_query_at = ?, updated_at = ? WHERE payment_id = ?",
                (next_query_at, time.time(), payment_id),
            )

    @staticmethod
    def add_refunded(conn: sqlite3.Connection, payment_id: str, amount: int) -> None:
        """Count money given back on a leg, inside the caller's write transaction (counted once by it)."""
        conn.execute(
            "UPDATE legs SET refunded = refunded + ?, updated_at = ? WHERE payment_id = ?",
            (amount, time.time(), payment_id),
        )

    def settle_attempt(self, checkout_id: str, seq: int) -> AttemptStatus:
        """Set an attempt's outcome from its legs as they are now, and move its checkout along.

        Computed inside the write transaction, so two processes settling at once agree.
        """
        now = time.time()
        with self.db.write() as conn:
            legs = conn.execute(
                "SELECT status, error_code FROM legs WHERE checkout_id = ? AND seq = ? ORDER BY position",
                (checkout_id, seq),
            ).fetchall()
            new = attempt_outcome([LegStatus(row[0]) for row in legs])
            failure = next((row[1] for row in legs if row[1] not in (None, NOT_SENT)), None)
            old = AttemptStatus(
                conn.execute(
                    "SELECT status FROM attempts WHERE checkout_id = ? AND seq = ?", (checkout_id, seq)
                ).fetchone()[0]
            )
            if old is new:
                return new
            check_move(ATTEMPT_MOVES, old, new)
            conn.execute(
                "UPDATE attempts SET status = ?, failure = ?, updated_at = ? WHERE checkout_id = ? AND seq = ?",
                (new.value, failure, now, checkout_id, seq),
            )
            status = _checkout_status(conn, checkout_id)
            target = {
                AttemptStatus.PENDING: CheckoutStatus.PENDING,
                AttemptStatus.PAID: CheckoutStatus.PAID,
                AttemptStatus.FAILED: CheckoutStatus.OPEN,
            }[new]
            if status in (CheckoutStatus.FAILED, CheckoutStatus.CANCELLED):
                target = status  # closed by the shopper meanwhile: stays closed
            self._set_checkout(conn, checkout_id, status, target, now)
            return new

    def close_checkout(self, checkout_id: str, new: CheckoutStatus) -> CheckoutStatus:
        """The shopper leaves an OPEN checkout (or we give up on a PENDING one); answers the status now."""
        now = time.time()
        with self.db.write() as conn:
            status = _checkout_status(conn, checkout_id)
            if new in CHECKOUT_MOVES[status]:
                self._set_checkout(conn, checkout_id, status, new, now)
                return new
            return status

    def unsettled_attempts(self) -> list[Attempt]:
        rows = (
            self._conn()
            .execute("SELECT * FROM attempts WHERE status IN ('PROCESSING', 'PENDING') ORDER BY created_at")
            .fetchall()
        )
        return [self._to_attempt(r) for r in rows]
