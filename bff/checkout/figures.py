"""A merchant's day in figures, for the after-sales dashboard: payments, amount, failures, old pendings.

Read-side only, on the ledger port; each query is bounded by the merchant and a time range (step 6 indexes)
or by the few unsettled attempts (attempts_by_status).
"""

from __future__ import annotations

from dataclasses import dataclass

from bff.checkout.ledger_port import LedgerDB, Row


@dataclass(frozen=True)
class Day:
    paid: int  # checkouts opened in the range and paid
    amount: int  # fen those paid
    failures: list[Row]  # reason (an error code, or "no code"), attempts: failed attempts by reason
    old_pendings: list[Row]  # checkout_id, order_id, created_at: attempts unsettled since before `older_than`


def day_of(db: LedgerDB, merchant_id: str, since: float, until: float, older_than: float) -> Day:
    paid = db.row(
        "SELECT COUNT(*) AS n, COALESCE(SUM(amount), 0) AS total FROM checkouts"
        " WHERE merchant_id = ? AND created_at >= ? AND created_at < ? AND status = 'PAID'",
        (merchant_id, since, until),
    )
    failures = db.rows(
        "SELECT COALESCE(a.failure, 'no code') AS reason, COUNT(*) AS attempts FROM checkouts c"
        " JOIN attempts a ON a.checkout_id = c.checkout_id"
        " WHERE c.merchant_id = ? AND c.created_at >= ? AND c.created_at < ? AND a.status = 'FAILED'"
        " GROUP BY COALESCE(a.failure, 'no code') ORDER BY attempts DESC",
        (merchant_id, since, until),
    )
    pendings = db.rows(
        "SELECT c.checkout_id, c.order_id, a.created_at FROM attempts a"
        " JOIN checkouts c ON c.checkout_id = a.checkout_id"
        " WHERE a.status IN ('PROCESSING', 'PENDING') AND a.created_at < ? AND c.merchant_id = ?"
        " ORDER BY a.created_at",
        (older_than, merchant_id),
    )
    return Day(int(paid["n"]), int(paid["total"]), failures, pendings)  # type: ignore[index]
