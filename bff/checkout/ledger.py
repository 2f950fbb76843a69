"""The payment-attempt ledger: every checkout, attempt and leg is written before money moves."""

from __future__ import annotations

import secrets
import time

from bff.checkout.ledger_port import LedgerDB, Row, Tx
from bff.checkout.migrations import ensure_current
from bff.checkout.records import Attempt, AttemptRefused, Checkout, LegRecord, OrderMismatch, PlannedLeg
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

NOT_SENT = "NOT_SENT"  # a leg never sent because an earlier one was declined

__all__ = ["NOT_SENT", "Ledger", "OrderMismatch", "PlannedLeg", "payment_id_for"]


def payment_id_for(checkout_id: str, seq: int, position: int) -> str:
    """The payment id of a leg: the same leg always gets the same id, so a resend never charges twice."""
    return f"kb-{checkout_id}-{seq}-{position}"


def _lock_checkout(tx: Tx, checkout_id: str) -> CheckoutStatus:
    """The checkout's status, its row locked until commit: the steps that move a checkout take turns."""
    row = tx.execute("SELECT status FROM checkouts WHERE checkout_id = ? FOR UPDATE", (checkout_id,)).fetchone()
    return CheckoutStatus(row["status"])  # type: ignore[index]


class Ledger(WatchedLegs):
    """Checkouts, attempts and legs behind the ledger port; every change is one short write transaction.

    On PostgreSQL every machine shares it: unique constraints and row locks keep its promises across them.
    """

    def __init__(self, db: LedgerDB | str) -> None:
        if isinstance(db, str):  # a SQLite path or a KABAO_LEDGER_URL
            from bff.ledger_db import open_ledger_db

            db = open_ledger_db(db)
        self.db = db
        try:
            ensure_current(db)
        except BaseException:
            db.close()
            raise

    def close(self) -> None:
        self.db.close()

    def open_checkout(
        self, merchant_id: str, user_id: str, order_id: str, amount: int, currency: str, return_url: str
    ) -> Checkout:
        """The checkout of this order, created on first sight; the same order always maps to it.

        The unique (merchant, order) constraint decides: a second machine's insert does nothing.
        """
        now = time.time()
        with self.db.write() as tx:
            tx.execute(
                "INSERT INTO checkouts (checkout_id, merchant_id, user_id, order_id, amount, currency, return_url,"
                " status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (merchant_id, order_id) DO NOTHING",
                (secrets.token_hex(8), merchant_id, user_id, order_id, amount, currency, return_url)
                + (CheckoutStatus.OPEN.value, now, now),
            )
            row = tx.execute(
                "SELECT * FROM checkouts WHERE merchant_id = ? AND order_id = ?", (merchant_id, order_id)
            ).fetchone()
        checkout = self._to_checkout(row)  # type: ignore[arg-type]
        if (checkout.amount, checkout.user_id, checkout.currency) != (amount, user_id, currency):
            raise OrderMismatch(order_id)
        return checkout

    @staticmethod
    def _to_checkout(row: Row) -> Checkout:
        data = dict(row)
        data.pop("updated_at")
        return Checkout(**{**data, "status": CheckoutStatus(data["status"])})

    @staticmethod
    def _to_attempt(row: Row) -> Attempt:
        data = dict(row)
        data.pop("updated_at")
        return Attempt(**{**data, "status": AttemptStatus(data["status"])})

    @staticmethod
    def _to_leg(row: Row) -> LegRecord:
        data = dict(row)
        data.pop("updated_at")
        return LegRecord(**{**data, "status": LegStatus(data["status"])})

    def checkout(self, checkout_id: str) -> Checkout | None:
        row = self.db.row("SELECT * FROM checkouts WHERE checkout_id = ?", (checkout_id,))
        return None if row is None else self._to_checkout(row)

    def checkout_by_order(self, merchant_id: str, order_id: str) -> Checkout | None:
        row = self.db.row("SELECT * FROM checkouts WHERE merchant_id = ? AND order_id = ?", (merchant_id, order_id))
        return None if row is None else self._to_checkout(row)

    def attempts(self, checkout_id: str) -> list[Attempt]:
        rows = self.db.rows("SELECT * FROM attempts WHERE checkout_id = ? ORDER BY seq", (checkout_id,))
        return [self._to_attempt(r) for r in rows]

    def latest_attempt(self, checkout_id: str) -> Attempt | None:
        found = self.attempts(checkout_id)
        return found[-1] if found else None

    def legs(self, checkout_id: str, seq: int | None = None) -> list[LegRecord]:
        sql, args = "SELECT * FROM legs WHERE checkout_id = ?", [checkout_id]
        if seq is not None:
            sql, args = sql + " AND seq = ?", [*args, seq]
        return [self._to_leg(r) for r in self.db.rows(sql + " ORDER BY seq, position", args)]

    def leg(self, payment_id: str) -> LegRecord | None:
        row = self.db.row("SELECT * FROM legs WHERE payment_id = ?", (payment_id,))
        return None if row is None else self._to_leg(row)

    def start_attempt(
        self, checkout_id: str, seq: int, planned: list[PlannedLeg], remainder: int
    ) -> tuple[Attempt, bool]:
        """Write attempt `seq` and its legs, unless it exists (a double tap, a reload, another tab, machine).

        Answers the attempt and whether this call created it: only the creator may call card systems.
        """
        now = time.time()
        with self.db.write() as tx:
            status = _lock_checkout(tx, checkout_id)
            latest = tx.execute(
                "SELECT * FROM attempts WHERE checkout_id = ? ORDER BY seq DESC LIMIT 1", (checkout_id,)
            ).fetchone()
            last = latest["seq"] if latest else 0
            if seq <= last:
                existing = tx.execute(
                    "SELECT * FROM attempts WHERE checkout_id = ? AND seq = ?", (checkout_id, seq)
                ).fetchone()
                return self._to_attempt(existing or latest), False  # type: ignore[arg-type]
            if status is not CheckoutStatus.OPEN or seq != last + 1:
                if latest is None:
                    raise AttemptRefused(f"checkout {checkout_id} is {status} with no attempt")
                return self._to_attempt(latest), False
            check_move(CHECKOUT_MOVES, status, CheckoutStatus.PROCESSING)
            tx.execute(
                "INSERT INTO attempts (checkout_id, seq, status, remainder, failure, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, NULL, ?, ?)",
                (checkout_id, seq, AttemptStatus.PROCESSING.value, remainder, now, now),
            )
            for position, leg in enumerate(planned, start=1):
                tx.execute(
                    "INSERT INTO legs (payment_id, checkout_id, seq, position, card_id, last4, amount,"
                    " status, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (payment_id_for(checkout_id, seq, position), checkout_id, seq, position)
                    + (leg.card_id, leg.last4, leg.amount, LegStatus.PENDING.value, now),
                )
            self._set_checkout(tx, checkout_id, status, CheckoutStatus.PROCESSING, now)
            row = tx.execute("SELECT * FROM attempts WHERE checkout_id = ? AND seq = ?", (checkout_id, seq)).fetchone()
            return self._to_attempt(row), True  # type: ignore[arg-type]

    @staticmethod
    def _set_checkout(tx: Tx, checkout_id: str, old: CheckoutStatus, new: CheckoutStatus, now: float) -> None:
        if old is new:
            return
        check_move(CHECKOUT_MOVES, old, new)
        tx.execute(
            "UPDATE checkouts SET status = ?, updated_at = ? WHERE checkout_id = ? AND status = ?",
            (new.value, now, checkout_id, old.value),
        )

    def mark_sent(self, payment_id: str, now: float, next_query_at: float) -> bool:
        """Claim a pending leg for sending; False when it was already sent or failed as never sent."""
        with self.db.write() as tx:
            return (
                tx.execute(
                    "UPDATE legs SET sent_at = ?, next_query_at = ?, updated_at = ?"
                    " WHERE payment_id = ? AND status = 'PENDING' AND sent_at IS NULL",
                    (now, next_query_at, now, payment_id),
                ).rowcount
                == 1
            )

    def fail_unsent(self, payment_id: str) -> bool:
        """Fail a leg that was never sent, unless a sender claimed it meanwhile (see mark_sent)."""
        with self.db.write() as tx:
            return (
                tx.execute(
                    "UPDATE legs SET status = 'FAILED', error_code = ?, updated_at = ?"
                    " WHERE payment_id = ? AND status = 'PENDING' AND sent_at IS NULL",
                    (NOT_SENT, time.time(), payment_id),
                ).rowcount
                == 1
            )

    def record_leg(self, payment_id: str, new: LegStatus, error_code: str | None = None) -> bool:
        """Move a leg to `new`; False when it is already there (another process got there first)."""
        now = time.time()
        with self.db.write() as tx:
            row = tx.execute("SELECT status FROM legs WHERE payment_id = ? FOR UPDATE", (payment_id,)).fetchone()
            old = LegStatus(row["status"])  # type: ignore[index]
            if old is new:
                return False
            check_move(LEG_MOVES, old, new)
            tx.execute(
                "UPDATE legs SET status = ?, error_code = COALESCE(?, error_code), updated_at = ?"
                " WHERE payment_id = ? AND status = ?",
                (new.value, error_code, now, payment_id, old.value),
            )
            return True

    def note_query(self, payment_id: str, next_query_at: float) -> None:
        with self.db.write() as tx:
            tx.execute(
                "UPDATE legs SET queries = queries + 1, next_query_at = ?, updated_at = ? WHERE payment_id = ?",
                (next_query_at, time.time(), payment_id),
            )

    @staticmethod
    def add_refunded(conn: Tx, payment_id: str, amount: int) -> None:
        """Count money given back on a leg, inside the caller's write transaction (counted once by it)."""
        conn.execute(
            "UPDATE legs SET refunded = refunded + ?, updated_at = ? WHERE payment_id = ?",
            (amount, time.time(), payment_id),
        )

    def settle_attempt(self, checkout_id: str, seq: int) -> AttemptStatus:
        """Set an attempt's outcome from its legs as they are now, and move its checkout along.

        Computed inside the write transaction, with the checkout locked, so two machines settling at once agree.
        """
        now = time.time()
        with self.db.write() as tx:
            status = _lock_checkout(tx, checkout_id)
            legs = tx.execute(
                "SELECT status, error_code FROM legs WHERE checkout_id = ? AND seq = ? ORDER BY position",
                (checkout_id, seq),
            ).fetchall()
            new = attempt_outcome([LegStatus(row["status"]) for row in legs])
            failure = next((row["error_code"] for row in legs if row["error_code"] not in (None, NOT_SENT)), None)
            row = tx.execute(
                "SELECT status FROM attempts WHERE checkout_id = ? AND seq = ?", (checkout_id, seq)
            ).fetchone()
            old = AttemptStatus(row["status"])  # type: ignore[index]
            if old is new:
                return new
            check_move(ATTEMPT_MOVES, old, new)
            tx.execute(
                "UPDATE attempts SET status = ?, failure = ?, updated_at = ? WHERE checkout_id = ? AND seq = ?",
                (new.value, failure, now, checkout_id, seq),
            )
            target = {
                AttemptStatus.PENDING: CheckoutStatus.PENDING,
                AttemptStatus.PAID: CheckoutStatus.PAID,
                AttemptStatus.FAILED: CheckoutStatus.OPEN,
            }[new]
            if status in (CheckoutStatus.FAILED, CheckoutStatus.CANCELLED):
                target = status  # closed by the shopper meanwhile: stays closed
            self._set_checkout(tx, checkout_id, status, target, now)
            return new

    def close_checkout(self, checkout_id: str, new: CheckoutStatus) -> CheckoutStatus:
        """The shopper leaves an OPEN checkout (or we give up on a PENDING one); answers the status now."""
        now = time.time()
        with self.db.write() as tx:
            status = _lock_checkout(tx, checkout_id)
            if new in CHECKOUT_MOVES[status]:
                self._set_checkout(tx, checkout_id, status, new, now)
                return new
            return status

    def unsettled_attempts(self) -> list[Attempt]:
        rows = self.db.rows("SELECT * FROM attempts WHERE status IN ('PROCESSING', 'PENDING') ORDER BY created_at")
        return [self._to_attempt(r) for r in rows]
