"""After-sales refunds of a paid order, split across its card payments, idempotent by refund id."""

from __future__ import annotations

import enum
import logging
import re
import time
from dataclasses import dataclass

from bff.cards.errors import CardSystemError, CardSystemUnavailable
from bff.cards.gateway import CardGateway
from bff.checkout.ledger import Ledger
from bff.checkout.ledger_port import Tx
from bff.checkout.records import LegRecord
from bff.checkout.states import AttemptStatus, CheckoutStatus, LegStatus

log = logging.getLogger(__name__)
REFUND_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")  # a refund id a caller may choose (host app or ops)


class RefundProblem(enum.StrEnum):
    ORDER_NOT_FOUND = "ORDER_NOT_FOUND"
    NOT_REFUNDABLE = "NOT_REFUNDABLE"
    REFUND_EXCEEDED = "REFUND_EXCEEDED"
    DUPLICATE = "DUPLICATE"


class RefundRefused(Exception):
    def __init__(self, problem: RefundProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


@dataclass(frozen=True)
class RefundLeg:
    payment_id: str
    last4: str
    amount: int
    status: str  # PENDING, SUCCEEDED, FAILED


@dataclass(frozen=True)
class Refund:
    refund_id: str
    amount: int
    legs: tuple[RefundLeg, ...]

    @property
    def status(self) -> str:
        states = {leg.status for leg in self.legs}
        return "SUCCEEDED" if states == {"SUCCEEDED"} else "FAILED" if "FAILED" in states else "PENDING"


def allocate(amount: int, available: list[tuple[str, int]], policy: str) -> list[tuple[str, int]]:
    """Share a refund over payments (in the order they were paid) without exceeding what each has left."""
    if policy == "last_paid_first":
        shares, left = [], amount
        for payment_id, room in reversed(available):
            take = min(room, left)
            if take > 0:
                shares.append((payment_id, take))
                left -= take
        return shares
    total = sum(room for _, room in available)
    # pro rata in whole fen: floor shares, then the largest remainders get the fen left over
    exact = [(payment_id, amount * room, room) for payment_id, room in available]
    shares = {pid: scaled // total for pid, scaled, _ in exact}
    spare = amount - sum(shares.values())
    for pid, _, room in sorted(exact, key=lambda e: e[1] % total, reverse=True):
        if spare == 0:
            break
        if shares[pid] < room:
            shares[pid] += 1
            spare -= 1
    return [(pid, share) for pid, share in shares.items() if share > 0]


class Refunds:
    """Refunds in the ledger's database; card systems are called only after the refund is written."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.db = ledger.db  # its tables come with the ledger's migrations

    def paid_legs(self, merchant_id: str, order_id: str) -> tuple[str, list[LegRecord]]:
        checkout = self.ledger.checkout_by_order(merchant_id, order_id)
        if checkout is None:
            raise RefundRefused(RefundProblem.ORDER_NOT_FOUND)
        attempt = self.ledger.latest_attempt(checkout.checkout_id)
        if checkout.status is not CheckoutStatus.PAID or attempt is None or attempt.status is not AttemptStatus.PAID:
            raise RefundRefused(RefundProblem.NOT_REFUNDABLE)
        legs = [leg for leg in self.ledger.legs(checkout.checkout_id, attempt.seq) if leg.status is LegStatus.SUCCEEDED]
        return checkout.checkout_id, legs

    def refunded(self, merchant_id: str, order_id: str) -> int:
        checkout = self.ledger.checkout_by_order(merchant_id, order_id)
        if checkout is None:
            return 0
        row = self.db.row(
            "SELECT COALESCE(SUM(l.amount), 0) AS total FROM refund_legs l"
            " JOIN refunds r USING (merchant_id, refund_id) WHERE r.checkout_id = ? AND l.status = 'SUCCEEDED'",
            (checkout.checkout_id,),
        )
        return int(row["total"])  # type: ignore[index]

    def start(
        self, merchant_id: str, order_id: str, refund_id: str, amount: int, policy: str, only: str | None = None
    ) -> Refund:
        """Write the refund and its legs (or find it, for a retried request); only: refund that one leg.

        The order's checkout row is locked meanwhile, so refunds of one order take turns on every machine;
        the refund id is unique per merchant by primary key.
        """
        checkout_id, legs = self.paid_legs(merchant_id, order_id)
        if only is not None:
            legs = [leg for leg in legs if leg.payment_id == only]
            if not legs:
                raise RefundRefused(RefundProblem.NOT_REFUNDABLE)
        with self.db.write() as tx:
            tx.execute("SELECT checkout_id FROM checkouts WHERE checkout_id = ? FOR UPDATE", (checkout_id,))
            found = self._find(tx, merchant_id, refund_id, checkout_id, amount)
            if found is not None:
                return found
            reserved = {
                row["payment_id"]: row["reserved"]
                for row in tx.execute(
                    # this order's refunds only (by index), not every refund the merchant ever had
                    "SELECT l.payment_id, SUM(l.amount) AS reserved FROM refund_legs l"
                    " JOIN refunds r USING (merchant_id, refund_id) WHERE r.checkout_id = ? AND l.status != 'FAILED'"
                    " GROUP BY l.payment_id",
                    (checkout_id,),
                ).fetchall()
            }
            available = [(leg.payment_id, leg.amount - reserved.get(leg.payment_id, 0)) for leg in legs]
            if amount <= 0 or amount > sum(room for _, room in available):
                raise RefundRefused(RefundProblem.REFUND_EXCEEDED)
            now = time.time()
            created = tx.execute(
                "INSERT INTO refunds (merchant_id, refund_id, checkout_id, amount, created_at) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (merchant_id, refund_id) DO NOTHING",
                (merchant_id, refund_id, checkout_id, amount, now),
            ).rowcount
            if not created:  # the same id, just written for another order of this merchant
                return self._find(tx, merchant_id, refund_id, checkout_id, amount)  # type: ignore[return-value]
            last4 = {leg.payment_id: leg.last4 for leg in legs}
            for position, (payment_id, share) in enumerate(allocate(amount, available, policy), start=1):
                tx.execute(
                    "INSERT INTO refund_legs (merchant_id, refund_id, payment_id, last4, amount, status, updated_at,"
                    " position) VALUES (?, ?, ?, ?, ?, 'PENDING', ?, ?)",
                    (merchant_id, refund_id, payment_id, last4[payment_id], share, now, position),
                )
            return self._load(tx, merchant_id, refund_id)

    def _find(self, tx: Tx, merchant_id: str, refund_id: str, checkout_id: str, amount: int) -> Refund | None:
        """The refund already written under this id; refused when that one was for other terms."""
        row = tx.execute(
            "SELECT checkout_id, amount FROM refunds WHERE merchant_id = ? AND refund_id = ?", (merchant_id, refund_id)
        ).fetchone()
        if row is None:
            return None
        if (row["checkout_id"], row["amount"]) != (checkout_id, amount):
            raise RefundRefused(RefundProblem.DUPLICATE)
        return self._load(tx, merchant_id, refund_id)

    def _load(self, tx: Tx, merchant_id: str, refund_id: str) -> Refund:
        amount = tx.execute(
            "SELECT amount FROM refunds WHERE merchant_id = ? AND refund_id = ?", (merchant_id, refund_id)
        ).fetchone()["amount"]  # type: ignore[index]
        rows = tx.execute(
            "SELECT payment_id, last4, amount, status FROM refund_legs WHERE merchant_id = ? AND refund_id = ?"
            " ORDER BY position, payment_id",
            (merchant_id, refund_id),
        ).fetchall()
        return Refund(refund_id, amount, tuple(RefundLeg(**row) for row in rows))

    def send(self, gateway: CardGateway, merchant_id: str, refund: Refund) -> Refund:
        """Ask the card systems for every leg not yet confirmed; each leg has its own refund id."""
        for leg in refund.legs:
            if leg.status != "PENDING":
                continue
            try:
                gateway.refund(leg.payment_id, f"{refund.refund_id}:{leg.payment_id}", leg.amount)
            except CardSystemUnavailable as exc:
                log.warning("refund %s of %s: not confirmed (%s)", refund.refund_id, leg.payment_id, exc)
                continue
            except CardSystemError as exc:
                log.error("refund %s of %s refused by the card system: %s", refund.refund_id, leg.payment_id, exc)
                self._set(merchant_id, refund.refund_id, leg.payment_id, "FAILED")
                continue
            self._set(merchant_id, refund.refund_id, leg.payment_id, "SUCCEEDED", leg.amount)
        with self.db.write() as tx:
            return self._load(tx, merchant_id, refund.refund_id)

    def _set(self, merchant_id: str, refund_id: str, payment_id: str, status: str, refunded: int = 0) -> None:
        """Settle a pending refund leg; only the call that settles it counts its money (one transaction)."""
        with self.db.write() as tx:
            moved = tx.execute(
                "UPDATE refund_legs SET status = ?, updated_at = ? WHERE merchant_id = ? AND refund_id = ?"
                " AND payment_id = ? AND status = 'PENDING'",
                (status, time.time(), merchant_id, refund_id, payment_id),
            ).rowcount
            if moved and refunded:
                Ledger.add_refunded(tx, payment_id, refunded)

    def pending(self) -> list[tuple[str, str]]:
        """(merchant_id, refund_id) of refunds with legs not yet confirmed."""
        rows = self.db.rows("SELECT DISTINCT merchant_id, refund_id FROM refund_legs WHERE status = 'PENDING'")
        return [(r["merchant_id"], r["refund_id"]) for r in rows]

    def load(self, merchant_id: str, refund_id: str) -> Refund:
        with self.db.write() as tx:
            return self._load(tx, merchant_id, refund_id)
