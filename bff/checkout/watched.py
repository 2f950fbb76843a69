"""The ledger's side of NOT_FOUND legs: judged never seen, then watched for a late charge."""

from __future__ import annotations

import time

from bff.checkout.ledger_port import LedgerDB, Row, Tx
from bff.checkout.records import LegRecord
from bff.checkout.states import LegStatus

NOT_FOUND = "NOT_FOUND"  # the card system never saw the payment, long after we sent it


class WatchedLegs:
    """Mixed into the Ledger: its db, _to_leg and add_refunded are used here."""

    db: LedgerDB

    @staticmethod
    def _to_leg(row: Row) -> LegRecord: ...  # provided by Ledger

    @staticmethod
    def add_refunded(conn: Tx, payment_id: str, amount: int) -> None: ...  # provided by Ledger

    def watch_leg(self, payment_id: str, watch_until: float, next_query_at: float) -> bool:
        """Judge a pending leg NOT_FOUND (ours, not the card system's): failed for now, watched till watch_until."""
        now = time.time()
        with self.db.write() as tx:
            moved = tx.execute(
                "UPDATE legs SET status = ?, error_code = ?, watch_until = ?, next_query_at = ?, updated_at = ?"
                " WHERE payment_id = ? AND status = ?",
                (LegStatus.NOT_FOUND.value, NOT_FOUND, watch_until, next_query_at, now, payment_id, "PENDING"),
            ).rowcount
            return moved == 1

    def watched_legs(self, now: float) -> list[LegRecord]:
        """NOT_FOUND legs of settled attempts, still in their watch period and due for another look."""
        rows = self.db.rows(
            "SELECT legs.* FROM legs JOIN attempts USING (checkout_id, seq) WHERE legs.status = 'NOT_FOUND'"
            " AND attempts.status = 'FAILED' AND legs.watch_until > ? AND COALESCE(legs.next_query_at, 0) <= ?"
            " ORDER BY legs.updated_at",
            (now, now),
        )
        return [self._to_leg(r) for r in rows]

    def held_late_charges(self) -> list[LegRecord]:
        """Late charges (charged after a NOT_FOUND verdict) not yet given back."""
        rows = self.db.rows(
            "SELECT * FROM legs WHERE status = 'SUCCEEDED' AND watch_until IS NOT NULL ORDER BY updated_at"
        )
        return [self._to_leg(r) for r in rows]

    def given_back_by_refund(self, payment_id: str, amount: int) -> None:
        """A succeeded leg given back in full by a refund (for card systems without reversal)."""
        with self.db.write() as tx:
            moved = tx.execute(
                "UPDATE legs SET status = 'REVERSED', updated_at = ? WHERE payment_id = ? AND status = 'SUCCEEDED'",
                (time.time(), payment_id),
            ).rowcount
            if moved:
                self.add_refunded(tx, payment_id, amount)
