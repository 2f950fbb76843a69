"""Redeeming pay codes for a store's terminal: claim the code once, then pay through the checkout ledger.

A redemption is a checkout whose order id comes from the terminal id and the terminal's transaction id,
so the ledger's promises hold at the till too: written before the card system is called, one payment
id per leg, unknown answered as PROCESSING, pending settled by the worker, refunds within what was paid.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from bff.cards.errors import CardSystemError, CardSystemUnavailable
from bff.cards.gateway import CardGateway
from bff.checkout.ledger import Ledger, OrderMismatch
from bff.checkout.payer import Payer
from bff.checkout.records import Attempt, AttemptRefused, PlannedLeg
from bff.checkout.refunds import Refund, Refunds
from bff.checkout.states import AttemptStatus, CheckoutStatus, LegStatus
from bff.merchants.checkout_rules import CheckoutRules
from bff.merchants.model import MerchantConfig
from bff.merchants.paycode_rules import PayCodeRules
from bff.paycode.answers import TillAnswer, answer_of, asks_again, refused
from bff.paycode.codes import CodeRefused, PayCodes
from bff.paycode.redemptions import Claim, Redemption, Redemptions, RedemptionState

log = logging.getLogger(__name__)
STALLED_AFTER_SECONDS = 120  # far longer than claiming a code and writing its checkout ever takes


class TillProblem(enum.StrEnum):
    TXN_NOT_FOUND = "TXN_NOT_FOUND"
    TXN_MISMATCH = "TXN_MISMATCH"  # the same transaction id came back with another code or amount
    CANCEL_WINDOW_PASSED = "CANCEL_WINDOW_PASSED"
    NOT_CANCELLABLE = "NOT_CANCELLABLE"  # still processing, or already refunded in part


class TillRefused(Exception):
    def __init__(self, problem: TillProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


@dataclass(frozen=True)
class Terms:
    """Who is asking and under which of the merchant's rules."""

    merchant_id: str
    currency: str
    terminal_id: str
    store_id: str
    checkout: CheckoutRules
    paycode: PayCodeRules
    one_call_seconds: float  # the longest one card system call can take


def terms_for(merchant_id: str, config: MerchantConfig, terminal_id: str) -> Terms | None:
    """The terms a terminal of this merchant works under; None when the pay code is off or no such terminal."""
    rules = config.paycode if config.paycode_on else None
    terminal = rules.terminals.get(terminal_id) if rules is not None else None
    if rules is None or terminal is None or config.checkout is None:
        return None
    timeouts = config.backend.timeouts
    return Terms(
        merchant_id, config.currency, terminal_id, terminal.store_id, config.checkout, rules, timeouts.one_call
    )


class Till:
    def __init__(
        self,
        codes: PayCodes,
        redemptions: Redemptions,
        ledger: Ledger,
        payer: Payer,
        refunds: Refunds,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.clock = clock
        self.codes = codes
        self.redemptions = redemptions
        self.ledger = ledger
        self.payer = payer
        self.refunds = refunds

    def redeem(self, gateway: CardGateway, terms: Terms, txn_id: str, code: str, amount: int) -> TillAnswer:
        """Charge a code once for this transaction; the same transaction id always answers the same payment."""
        found = self.redemptions.find(terms.merchant_id, terms.terminal_id, txn_id)
        if found is not None:
            if (found.amount, found.code_digest) != (amount, self.codes.digest(code)):
                raise TillRefused(TillProblem.TXN_MISMATCH)
            return self.query(gateway, terms, txn_id)
        try:
            grant = self.codes.resolve(code, terms.merchant_id)
        except CodeRefused as exc:
            return refused(txn_id, amount, exc.problem.value)
        pin_above = terms.paycode.pin_above
        state = (
            RedemptionState.AWAITING_PIN if pin_above is not None and amount > pin_above else RedemptionState.CLAIMED
        )
        claim, redemption = self.redemptions.claim(grant, terms.terminal_id, txn_id, terms.store_id, amount, state)
        if claim is Claim.USED or redemption is None:
            if redemption is not None:  # this transaction id was just claimed with another code
                raise TillRefused(TillProblem.TXN_MISMATCH)
            return refused(txn_id, amount, "CODE_USED")
        if claim is Claim.NEW and state is RedemptionState.CLAIMED:
            self._pay(gateway, terms, redemption, None)
            answer = answer_of(self.ledger, redemption)
            return self._with_balance(gateway, redemption, answer)
        return self.query(gateway, terms, txn_id)

    def confirm_pin(
        self, gateway: CardGateway, terms: Terms, redemption: Redemption, pin: str, seq: int
    ) -> Attempt | None:
        """The shopper typed the PIN for try `seq` (the form's): pay it, unless that try was made already.

        Answers the attempt this request paid, or None. The first try is claimed by moving the redemption
        AWAITING_PIN -> CLAIMED; a try after a wrong PIN by writing attempt `seq` in the ledger, which only
        one request can do, and only while the checkout is open after a wrong PIN (see `pin_again`).
        """
        if redemption.state is RedemptionState.AWAITING_PIN:
            if not self.redemptions.move(redemption, RedemptionState.AWAITING_PIN, RedemptionState.CLAIMED):
                return None
            return self._pay(gateway, terms, redemption, pin, 1)
        if redemption.state is RedemptionState.CLAIMED and self.pin_again(redemption) == seq:
            return self._pay(gateway, terms, redemption, pin, seq)
        return None

    def pin_again(self, redemption: Redemption) -> int | None:
        """The try the next PIN pays, when the card system refused the last one as wrong and the till still waits."""
        asked = self._asked_again(redemption)
        return None if asked is None else asked[1]

    def _asked_again(self, redemption: Redemption) -> tuple[str, int] | None:
        """The checkout id and the try the next PIN pays, while the PIN is asked again after a wrong one."""
        checkout = self.ledger.checkout_by_order(redemption.merchant_id, redemption.order_id)
        attempt = None if checkout is None else self.ledger.latest_attempt(checkout.checkout_id)
        if checkout is None or attempt is None or not asks_again(checkout, attempt):
            return None
        return checkout.checkout_id, attempt.seq + 1

    def pin_tries_used_up(self, redemption: Redemption) -> None:
        """The shopper's wrong-PIN tries are used up: the payment fails (WRONG_SECRET) with nothing charged."""
        if self.redemptions.move(redemption, RedemptionState.AWAITING_PIN, RedemptionState.PIN_LOCKED):
            return
        asked = self._asked_again(redemption)
        if asked is not None:
            self.ledger.close_checkout(asked[0], CheckoutStatus.FAILED)

    def decline(self, redemption: Redemption) -> bool:
        """The shopper (or the terminal) says no while the PIN is asked (again): nothing is charged."""
        if self.redemptions.move(redemption, RedemptionState.AWAITING_PIN, RedemptionState.DECLINED):
            return True
        asked = self._asked_again(redemption)
        if asked is None:
            return False
        # the checkout's lock decides against a PIN typed at the same moment: once closed, no attempt can start
        if self.ledger.close_checkout(asked[0], CheckoutStatus.CANCELLED) is not CheckoutStatus.CANCELLED:
            return False
        return self.redemptions.move(redemption, RedemptionState.CLAIMED, RedemptionState.DECLINED)

    def _pay(
        self, gateway: CardGateway, terms: Terms, redemption: Redemption, pin: str | None, seq: int = 1
    ) -> Attempt | None:
        """Write the checkout and attempt `seq` with its one leg, then pay it; a second caller finds it, leaves it."""
        try:
            checkout = self.ledger.open_checkout(
                terms.merchant_id, redemption.user_id, redemption.order_id, redemption.amount, terms.currency, ""
            )
            leg = PlannedLeg(redemption.card_id, redemption.last4, redemption.amount)
            _, created = self.ledger.start_attempt(checkout.checkout_id, seq, [leg], 0)
        except (OrderMismatch, AttemptRefused) as exc:
            log.error("pay code %s/%s: no attempt started (%s)", terms.terminal_id, redemption.txn_id, exc)
            return None
        if not created:
            return None
        pins = {redemption.card_id: pin} if pin else {}
        self.payer.run(gateway, checkout, seq, pins, terms.checkout.status_query)
        return next(a for a in self.ledger.attempts(checkout.checkout_id) if a.seq == seq)

    def _with_balance(self, gateway: CardGateway, redemption: Redemption, answer: TillAnswer) -> TillAnswer:
        """The card's balance after a payment, when the card system says it at once (best effort)."""
        if answer.status != "SUCCEEDED":
            return answer
        try:
            card = gateway.card_detail(redemption.user_id, redemption.card_id)
        except (CardSystemUnavailable, CardSystemError):
            return answer
        return TillAnswer(**{**answer.__dict__, "balance_after": card.balance})

    def find(self, terms: Terms, txn_id: str) -> Redemption:
        found = self.redemptions.find(terms.merchant_id, terms.terminal_id, txn_id)
        if found is None:
            raise TillRefused(TillProblem.TXN_NOT_FOUND)
        return found

    def query(self, gateway: CardGateway, terms: Terms, txn_id: str) -> TillAnswer:
        """Where the transaction stands; an unconfirmed payment is asked about first, as at online checkout."""
        redemption = self.find(terms, txn_id)
        checkout = self.ledger.checkout_by_order(terms.merchant_id, redemption.order_id)
        attempt = None if checkout is None else self.ledger.latest_attempt(checkout.checkout_id)
        if attempt is None and redemption.state is RedemptionState.CLAIMED:
            self._give_up_if_stalled(terms, redemption)
        if checkout is not None and attempt is not None and attempt.status is AttemptStatus.PENDING:
            self.payer.confirm(gateway, checkout, attempt.seq, terms.checkout.status_query, terms.one_call_seconds)
        return answer_of(self.ledger, redemption)

    def _give_up_if_stalled(self, terms: Terms, redemption: Redemption) -> None:
        """A claim whose payment never started (its process died): close its checkout, so none can start."""
        if self.clock() - redemption.created_at < STALLED_AFTER_SECONDS:
            return
        checkout = self.ledger.open_checkout(
            terms.merchant_id, redemption.user_id, redemption.order_id, redemption.amount, terms.currency, ""
        )
        if self.ledger.close_checkout(checkout.checkout_id, CheckoutStatus.CANCELLED) is CheckoutStatus.CANCELLED:
            log.warning("pay code %s/%s: never started; closed", terms.terminal_id, redemption.txn_id)

    def cancel(self, gateway: CardGateway, terms: Terms, txn_id: str) -> TillAnswer:
        """Void a transaction within the window: the whole payment goes back (or the PIN wait ends)."""
        redemption = self.find(terms, txn_id)
        if self.decline(redemption):
            return answer_of(self.ledger, self.find(terms, txn_id))
        if self.clock() - redemption.created_at > terms.paycode.cancel_window_seconds:
            raise TillRefused(TillProblem.CANCEL_WINDOW_PASSED)
        answer = self.query(gateway, terms, txn_id)
        if answer.status != "SUCCEEDED":
            if answer.status == "PROCESSING":
                raise TillRefused(TillProblem.NOT_CANCELLABLE)
            return answer  # failed or cancelled already: nothing to give back
        if self.refunds.refunded(terms.merchant_id, redemption.order_id) or self._refund_started(redemption):
            raise TillRefused(TillProblem.NOT_CANCELLABLE)  # refunds already gave part back: refund the rest
        checkout = self.ledger.checkout_by_order(terms.merchant_id, redemption.order_id)
        for leg in self.ledger.legs(checkout.checkout_id):  # type: ignore[union-attr]
            if leg.status is LegStatus.SUCCEEDED:
                self.payer.reverse_leg(gateway, leg)
        return answer_of(self.ledger, redemption)

    def _refund_started(self, redemption: Redemption) -> bool:
        checkout = self.ledger.checkout_by_order(redemption.merchant_id, redemption.order_id)
        row = self.ledger.db.row("SELECT COUNT(*) AS n FROM refunds WHERE checkout_id = ?", (checkout.checkout_id,))  # type: ignore[union-attr]
        return bool(row and row["n"])

    def refund(self, gateway: CardGateway, terms: Terms, txn_id: str, refund_id: str, amount: int) -> Refund:
        """Refund part or all of a paid transaction (RefundRefused beyond what was paid); idempotent by refund id."""
        redemption = self.find(terms, txn_id)
        own_id = f"pos:{terms.terminal_id}:{refund_id}"
        started = self.refunds.start(
            terms.merchant_id, redemption.order_id, own_id, amount, terms.checkout.refund_policy
        )
        return self.refunds.send(gateway, terms.merchant_id, started)
