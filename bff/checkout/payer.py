"""Moving money for an attempt: pay each leg once, confirm unknowns, give back on failure."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from bff.cards.errors import CardSystemError, CardSystemUnavailable
from bff.cards.gateway import CardGateway
from bff.cards.models import PaymentStatus, PayRequest
from bff.checkout.ledger import NOT_SENT, Ledger
from bff.checkout.records import Checkout, LegRecord
from bff.checkout.states import AttemptStatus, IllegalTransition, LegStatus
from bff.merchants.checkout_rules import StatusQuery

log = logging.getLogger(__name__)
WATCH_FIRST_SECONDS, WATCH_MAX_SECONDS = 60.0, 3600.0  # how often a NOT_FOUND leg is looked at again

_STATUS = {
    PaymentStatus.SUCCEEDED: LegStatus.SUCCEEDED,
    PaymentStatus.FAILED: LegStatus.FAILED,
    PaymentStatus.REVERSED: LegStatus.FAILED,
}


class Payer:
    """Runs and settles attempts against one merchant's gateway, the ledger recording each step."""

    def __init__(self, ledger: Ledger, clock: Callable[[], float] = time.time) -> None:
        self.ledger = ledger
        self.clock = clock

    def run(
        self, gateway: CardGateway, checkout: Checkout, seq: int, pins: dict[str, str], query: StatusQuery
    ) -> AttemptStatus:
        """Pay the legs in order; stop at the first decline. Only the attempt's creator calls this."""
        declined = False
        for leg in self.ledger.legs(checkout.checkout_id, seq):
            if declined:
                self.ledger.record_leg(leg.payment_id, LegStatus.FAILED, NOT_SENT)
                continue
            now = self.clock()
            if not self.ledger.mark_sent(leg.payment_id, now, now + query.interval_seconds):
                declined = True  # failed as never sent by a status check that gave up on this run: stop here
                continue
            request = PayRequest(
                payment_id=leg.payment_id,
                user_id=checkout.user_id,
                card_id=leg.card_id,
                order_id=checkout.order_id,
                amount=leg.amount,
                currency=checkout.currency,
                secret=pins.get(leg.card_id),
            )
            try:
                payment = gateway.pay(request)
            except CardSystemUnavailable as exc:
                log.warning("payment %s: outcome unknown (%s); will confirm", leg.payment_id, exc)
                continue
            status = _STATUS.get(payment.status)
            if status is not None:
                self.ledger.record_leg(leg.payment_id, status, payment.error_code)
                declined = status is LegStatus.FAILED
        return self.settle(gateway, checkout, seq)

    def settle(self, gateway: CardGateway, checkout: Checkout, seq: int) -> AttemptStatus:
        """Decide the attempt from its legs; after a decline, give back what the other legs took."""
        legs = self.ledger.legs(checkout.checkout_id, seq)
        failed = (LegStatus.FAILED, LegStatus.NOT_FOUND)
        if any(leg.status in failed for leg in legs) and not any(leg.status is LegStatus.PENDING for leg in legs):
            for leg in legs:
                if leg.status is LegStatus.SUCCEEDED:
                    self.reverse_leg(gateway, leg)
        return self.ledger.settle_attempt(checkout.checkout_id, seq)

    def reverse_leg(self, gateway: CardGateway, leg: LegRecord) -> None:
        """Give a succeeded leg's money back in full (void or refund, as the system says); retried if unconfirmed."""
        age = None if leg.sent_at is None else self.clock() - leg.sent_at
        try:
            how = gateway.give_back_by(age)
            if how is None:
                log.error("payment %s: the card system can neither reverse nor refund it", leg.payment_id)
                return
            if how == "refund":
                gateway.refund(leg.payment_id, f"{leg.payment_id}:give-back", leg.amount - leg.refunded)
                self.ledger.given_back_by_refund(leg.payment_id, leg.amount - leg.refunded)
                return
            payment = gateway.reverse(leg.payment_id)
        except (CardSystemUnavailable, CardSystemError) as exc:
            log.warning("payment %s: reversal not confirmed (%s); reconcile will retry", leg.payment_id, exc)
            return
        if payment.status is PaymentStatus.REVERSED:
            self.ledger.record_leg(leg.payment_id, LegStatus.REVERSED)

    def confirm(
        self, gateway: CardGateway, checkout: Checkout, seq: int, query: StatusQuery, send_budget: float = 41.0
    ) -> AttemptStatus:
        """Ask the card system about legs whose outcome is unknown, with backoff; then settle.

        send_budget: the longest one pay call can take (the merchant's timeouts); a leg still unsent
        that long after it was due was never sent (its sender stopped) and fails at once.
        """
        now = self.clock()
        for leg in self.ledger.legs(checkout.checkout_id, seq):
            if leg.status is not LegStatus.PENDING:
                continue
            if leg.sent_at is None:
                self.check_leg(gateway, leg, send_budget, query.watch_seconds)
                continue
            if (leg.next_query_at or 0) > now:
                continue
            delay = min(query.interval_seconds * (1.5**leg.queries), 30.0)
            self.ledger.note_query(leg.payment_id, now + delay)
            self.check_leg(gateway, leg, query.give_up_seconds, query.watch_seconds)
        return self.settle(gateway, checkout, seq)

    def check_leg(self, gateway: CardGateway, leg: LegRecord, not_found_after: float, watch_seconds: float) -> str:
        """One status query for a leg whose outcome is unknown; answers what was learnt, in a word.

        found: the leg is final now. not_found: never seen, now NOT_FOUND (failed for the attempt, but
        watched for watch_seconds), or never sent and now failed. not_seen_yet: never seen, but still
        within the window. unknown: no usable answer.
        """
        if leg.sent_at is None:
            # written but never sent: it can't have charged, once no sender can still be about to send it
            if self.clock() - self._due_at(leg) > not_found_after and self.ledger.fail_unsent(leg.payment_id):
                return "not_found"
            return "not_seen_yet"
        try:
            payment = gateway.payment_status(leg.payment_id)
        except (CardSystemUnavailable, CardSystemError) as exc:
            log.info("payment %s: status still unknown (%s)", leg.payment_id, exc)
            return "unknown"
        if payment is None:
            now = self.clock()
            if now - leg.sent_at > not_found_after:
                log.info("payment %s: never seen by the card system; failed, and watched", leg.payment_id)
                self.ledger.watch_leg(leg.payment_id, now + watch_seconds, now + WATCH_FIRST_SECONDS)
                return "not_found"
            return "not_seen_yet"
        status = _STATUS.get(payment.status)
        if payment.amount != leg.amount or status is None:
            if payment.amount != leg.amount:
                log.error("payment %s: card system reports another amount; left for ops", leg.payment_id)
            return "unknown"
        try:
            self.ledger.record_leg(leg.payment_id, status, payment.error_code)
        except IllegalTransition:
            # e.g. FAILED earlier, SUCCEEDED now: the card system contradicts itself; a person must look
            log.error(
                "payment %s: card system now says %s, contradicting the ledger; left for ops",
                leg.payment_id,
                payment.status,
            )
            return "unknown"
        return "found"

    def check_watched(self, gateway: CardGateway, leg: LegRecord) -> str:
        """Look again at a NOT_FOUND leg; a late charge is given back at once. Answers what was learnt, in a word.

        still_unseen, failed (the card system says so), given_back, held (charged; giving back not
        confirmed yet, retried), unknown.
        """
        now = self.clock()
        self.ledger.note_query(leg.payment_id, now + min(WATCH_FIRST_SECONDS * 2**leg.queries, WATCH_MAX_SECONDS))
        try:
            payment = gateway.payment_status(leg.payment_id)
        except (CardSystemUnavailable, CardSystemError) as exc:
            log.info("payment %s: watched, status unknown (%s)", leg.payment_id, exc)
            return "unknown"
        if payment is None:
            return "still_unseen"
        status = _STATUS.get(payment.status)
        if status is None or payment.amount != leg.amount:
            return "unknown"
        self.ledger.record_leg(leg.payment_id, status, payment.error_code)
        if status is LegStatus.FAILED:
            return "failed"
        log.error("payment %s: charged late, after it was judged never seen; giving it back", leg.payment_id)
        return self.give_back_late(gateway, leg.payment_id)

    def give_back_late(self, gateway: CardGateway, payment_id: str) -> str:
        """Give back a late charge (the attempt it belongs to has failed): given_back or held."""
        leg = self.ledger.leg(payment_id)
        if leg.status is LegStatus.SUCCEEDED:
            self.reverse_leg(gateway, leg)
        return "given_back" if self.ledger.leg(payment_id).status is LegStatus.REVERSED else "held"

    def _due_at(self, leg: LegRecord) -> float:
        """When the leg's sender should have sent it: its attempt's start, or the last earlier leg's sending."""
        attempt = next(a for a in self.ledger.attempts(leg.checkout_id) if a.seq == leg.seq)
        earlier = [e.sent_at for e in self.ledger.legs(leg.checkout_id, leg.seq) if e.position < leg.position]
        return max([attempt.created_at, *[sent for sent in earlier if sent is not None]])
