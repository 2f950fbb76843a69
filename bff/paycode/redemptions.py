"""Pay code redemptions in the ledger's database: a code is claimed once, by one terminal transaction.

The claim is one insert: the unique code digest makes a code single-use, and the primary key
(merchant, terminal, terminal transaction id) makes a retried or concurrent request find the same row,
on every machine that shares the ledger.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass

from bff.checkout.ledger_port import LedgerDB
from bff.paycode.codes import Grant


class Claim(enum.StrEnum):
    NEW = "NEW"  # this request claimed the code for this transaction
    SAME = "SAME"  # this transaction already claimed it (a retry, or a concurrent duplicate)
    USED = "USED"  # the code went to another transaction


class RedemptionState(enum.StrEnum):
    CLAIMED = "CLAIMED"  # money moves through the checkout ledger (after a wrong PIN, it asks for the PIN again)
    AWAITING_PIN = "AWAITING_PIN"  # above the PIN amount: waits for the shopper on the phone
    DECLINED = "DECLINED"  # the shopper (or the terminal) cancelled while the PIN was asked (again): nothing moved
    PIN_LOCKED = "PIN_LOCKED"  # the shopper's wrong-PIN tries were used up before any PIN was sent: nothing moved


@dataclass(frozen=True)
class Redemption:
    merchant_id: str
    terminal_id: str
    txn_id: str
    code_digest: str
    user_id: str
    card_id: str
    last4: str
    store_id: str
    amount: int
    state: RedemptionState
    created_at: float

    @property
    def order_id(self) -> str:
        """The checkout's order id: unique per merchant, because terminal ids are."""
        return f"pos:{self.terminal_id}:{self.txn_id}"


class Redemptions:
    def __init__(self, db: LedgerDB) -> None:
        self.db = db  # its table comes with the ledger's migrations

    def claim(
        self, grant: Grant, terminal_id: str, txn_id: str, store_id: str, amount: int, state: RedemptionState
    ) -> tuple[Claim, Redemption | None]:
        """Claim the code for this transaction; answers how it went and the transaction's row (if any)."""
        now = time.time()
        with self.db.write() as tx:
            created = tx.execute(
                "INSERT INTO paycode_redemptions (merchant_id, terminal_id, txn_id, code_digest, user_id, card_id,"
                " last4, store_id, amount, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (
                    grant.merchant_id,
                    terminal_id,
                    txn_id,
                    grant.digest,
                    grant.user_id,
                    grant.card_id,
                    grant.last4,
                    store_id,
                )
                + (amount, state.value, now, now),
            ).rowcount
        found = self.find(grant.merchant_id, terminal_id, txn_id)
        if created:
            return Claim.NEW, found
        return (Claim.USED, found) if found is None or found.code_digest != grant.digest else (Claim.SAME, found)

    def find(self, merchant_id: str, terminal_id: str, txn_id: str) -> Redemption | None:
        row = self.db.row(
            "SELECT * FROM paycode_redemptions WHERE merchant_id = ? AND terminal_id = ? AND txn_id = ?",
            (merchant_id, terminal_id, txn_id),
        )
        return None if row is None else _to_redemption(row)

    def by_code(self, digest: str) -> Redemption | None:
        row = self.db.row("SELECT * FROM paycode_redemptions WHERE code_digest = ?", (digest,))
        return None if row is None else _to_redemption(row)

    def latest_for(self, merchant_id: str, user_id: str, since: float) -> Redemption | None:
        """The shopper's newest redemption at this merchant made since a moment (the shopper's page asks)."""
        row = self.db.row(
            "SELECT * FROM paycode_redemptions WHERE merchant_id = ? AND user_id = ? AND created_at >= ?"
            " ORDER BY created_at DESC LIMIT 1",
            (merchant_id, user_id, since),
        )
        return None if row is None else _to_redemption(row)

    def move(self, redemption: Redemption, old: RedemptionState, new: RedemptionState) -> bool:
        """Move a redemption from old to new; False when another request moved it first."""
        with self.db.write() as tx:
            return (
                tx.execute(
                    "UPDATE paycode_redemptions SET state = ?, updated_at = ? WHERE merchant_id = ?"
                    " AND terminal_id = ? AND txn_id = ? AND state = ?",
                    (new.value, time.time(), redemption.merchant_id, redemption.terminal_id)
                    + (redemption.txn_id, old.value),
                ).rowcount
                == 1
            )


def _to_redemption(row: dict) -> Redemption:
    data = dict(row)
    data.pop("updated_at")
    return Redemption(**{**data, "state": RedemptionState(data["state"])})
