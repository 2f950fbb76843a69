"""Read-side ledger queries for the after-sales desk: find an order, and everything the ledger knows of it.

Portable SQL on the same LedgerDB port as the ledger; searches use the step 6 indexes (bff/checkout/schema.py).
Nothing here writes. Rows carry a card's last four digits only: the ledger keeps no full card number.
"""

from __future__ import annotations

from dataclasses import dataclass

from bff.checkout.ledger import Ledger
from bff.checkout.ledger_port import LedgerDB, Row
from bff.checkout.notify import Notification
from bff.checkout.records import Attempt, Checkout, LegRecord
from bff.checkout.states import LegStatus

LIMIT = 50  # rows a search answers at most: ops narrow the search rather than page


@dataclass(frozen=True)
class RefundRow:
    refund_id: str
    amount: int
    created_at: float
    legs: tuple[Row, ...]  # payment_id, last4, amount, status, updated_at


@dataclass(frozen=True)
class OrderFile:
    """Everything the ledger holds about one checkout, for a person to read."""

    checkout: Checkout
    attempts: list[Attempt]
    legs: list[LegRecord]
    refunds: list[RefundRow]
    notifications: list[Row]  # event_key, url, tries, next_try_at, delivered_at, last_problem, created_at


class OrderLookup:
    """Finds checkouts by what a shopper or the host app can tell ops, and reads an order's whole file."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.db: LedgerDB = ledger.db

    def _checkouts(self, where: str, args: tuple) -> list[Checkout]:
        # where is one of this class's fixed conditions; what ops typed travels only in args
        sql = f"SELECT * FROM checkouts WHERE {where} ORDER BY created_at DESC LIMIT {LIMIT}"  # noqa: S608
        rows = self.db.rows(sql, args)
        return [Ledger._to_checkout(row) for row in rows]

    def by_order(self, order_id: str, merchant_id: str | None = None) -> list[Checkout]:
        if merchant_id:
            return self._checkouts("merchant_id = ? AND order_id = ?", (merchant_id, order_id))
        return self._checkouts("order_id = ?", (order_id,))

    def by_checkout(self, checkout_id: str) -> list[Checkout]:
        return self._checkouts("checkout_id = ?", (checkout_id,))

    def by_payment(self, payment_id: str) -> list[Checkout]:
        leg = self.ledger.leg(payment_id)
        return [] if leg is None else self.by_checkout(leg.checkout_id)

    def by_shopper(self, user_id: str, since: float, until: float) -> list[Checkout]:
        return self._checkouts("user_id = ? AND created_at >= ? AND created_at < ?", (user_id, since, until))

    def by_last4(self, merchant_id: str, last4: str, since: float, until: float) -> list[Checkout]:
        where = (
            "merchant_id = ? AND created_at >= ? AND created_at < ?"
            " AND EXISTS (SELECT 1 FROM legs WHERE legs.checkout_id = checkouts.checkout_id AND legs.last4 = ?)"
        )
        return self._checkouts(where, (merchant_id, since, until, last4))

    def order_file(self, checkout_id: str) -> OrderFile | None:
        checkout = self.ledger.checkout(checkout_id)
        if checkout is None:
            return None
        attempts, legs = self.ledger.attempts(checkout_id), self.ledger.legs(checkout_id)
        return OrderFile(checkout, attempts, legs, self.refunds(checkout), self.notifications(checkout, attempts, legs))

    def refunds(self, checkout: Checkout) -> list[RefundRow]:
        heads = self.db.rows(
            "SELECT refund_id, amount, created_at FROM refunds WHERE checkout_id = ? ORDER BY created_at",
            (checkout.checkout_id,),
        )
        found = []
        for head in heads:
            legs = self.db.rows(
                "SELECT payment_id, last4, amount, status, updated_at FROM refund_legs"
                " WHERE merchant_id = ? AND refund_id = ? ORDER BY position, payment_id",
                (checkout.merchant_id, head["refund_id"]),
            )
            found.append(RefundRow(head["refund_id"], head["amount"], head["created_at"], tuple(legs)))
        return found

    def notifications(self, checkout: Checkout, attempts: list[Attempt], legs: list[LegRecord]) -> list[Row]:
        """The host app's notifications about this checkout, looked up by the event keys it can have.

        payment_settled:<checkout>:<seq> (bff/checkout/settled.py), late_charge:<payment>:<status> (late.py).
        """
        keys = [f"payment_settled:{checkout.checkout_id}:{a.seq}" for a in attempts]
        keys += [f"late_charge:{leg.payment_id}:{status.value}" for leg in legs for status in LegStatus]
        if not keys:
            return []
        marks = ", ".join("?" * len(keys))
        columns = "event_key, url, tries, next_try_at, delivered_at, last_problem, created_at"
        sql = f"SELECT {columns} FROM notifications WHERE merchant_id = ? AND event_key IN ({marks})"  # noqa: S608
        sql += " ORDER BY created_at"  # marks are only ? placeholders; the keys travel as arguments
        return self.db.rows(sql, (checkout.merchant_id, *keys))

    def notification(self, merchant_id: str, event_key: str) -> Notification | None:
        """One queued notification, as the notifier delivers it."""
        row = self.db.row(
            "SELECT merchant_id, event_key, url, body, tries FROM notifications"
            " WHERE merchant_id = ? AND event_key = ?",
            (merchant_id, event_key),
        )
        return None if row is None else Notification(**row)
