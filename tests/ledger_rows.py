"""Fill a ledger with many settled orders (paid, partly refunded) of other shoppers, fast, for growth checks."""

from __future__ import annotations

import time

from bff.checkout.ledger_port import LedgerDB


def add_settled_orders(
    db: LedgerDB, count: int, merchant_id: str = "peach-bakery", first: int = 0, batch: int = 5000
) -> None:
    """Orders first..count-1 (O-bulk00000000…): paid with one card, partly refunded; nothing left to look at."""
    now = time.time() - 86400
    for start in range(first, count, batch):
        ids = [f"bulk{n:08d}" for n in range(start, min(start + batch, count))]
        with db.write() as tx:
            for cid in ids:
                tx.execute(
                    "INSERT INTO checkouts (checkout_id, merchant_id, user_id, order_id, amount, currency, return_url,"
                    " status, created_at, updated_at) VALUES (?, ?, 'bulk-user', ?, 1000, 'CNY', 'https://x/', 'PAID',"
                    " ?, ?)",
                    (cid, merchant_id, f"O-{cid}", now, now),
                )
                tx.execute(
                    "INSERT INTO attempts (checkout_id, seq, status, remainder, created_at, updated_at)"
                    " VALUES (?, 1, 'PAID', 0, ?, ?)",
                    (cid, now, now),
                )
                tx.execute(
                    "INSERT INTO legs (payment_id, checkout_id, seq, position, card_id, last4, amount, status,"
                    " refunded, sent_at, updated_at) VALUES (?, ?, 1, 1, 'bulk-card', '0000', 1000, 'SUCCEEDED',"
                    " 100, ?, ?)",
                    (f"P-{cid}", cid, now, now),
                )
                tx.execute(
                    "INSERT INTO refunds (merchant_id, refund_id, checkout_id, amount, created_at)"
                    " VALUES (?, ?, ?, 100, ?)",
                    (merchant_id, f"R-{cid}", cid, now),
                )
                tx.execute(
                    "INSERT INTO refund_legs (merchant_id, refund_id, payment_id, last4, amount, status, updated_at,"
                    " position) VALUES (?, ?, ?, '0000', 100, 'SUCCEEDED', ?, 1)",
                    (merchant_id, f"R-{cid}", f"P-{cid}", now),
                )
