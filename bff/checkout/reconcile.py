"""Settle what stayed pending: found → final; never found → failed; paid on an abandoned attempt → given back."""

from __future__ import annotations

import time

from bff.checkout.states import CheckoutStatus, LegStatus
from bff.services import Services

WORDS = {
    "found": "found: {status}",
    "not_found": "never seen by the card system: {status}",
    "not_seen_yet": "not seen by the card system yet; left pending until the window ends",
    "unknown": "still unknown (no usable answer from the card system); left pending",
}


def reconcile(services: Services, window: float, now: float | None = None) -> list[str]:
    """One pass over unsettled attempts and unconfirmed refunds; answers a line per thing done or left."""
    now = time.time() if now is None else now
    ledger, payer, lines = services.ledger, services.payer, []
    for attempt in ledger.unsettled_attempts():
        checkout = ledger.checkout(attempt.checkout_id)
        name = f"order {checkout.order_id} ({checkout.merchant_id}, checkout {checkout.checkout_id})"
        merchant = services.registry.get(checkout.merchant_id)
        if merchant is None:
            lines.append(f"{name}: merchant not configured; left pending")
            continue
        gateway = services.gateways.for_merchant(merchant)
        abandoned = now - attempt.created_at > window
        for leg in ledger.legs(checkout.checkout_id, attempt.seq):
            if leg.status is LegStatus.PENDING:
                learnt = payer.check_leg(gateway, leg, not_found_after=window)
                after = ledger.leg(leg.payment_id).status
                lines.append(f"{name}: {leg.payment_id} {WORDS[learnt].format(status=after)}")
        legs = ledger.legs(checkout.checkout_id, attempt.seq)
        if any(leg.status is LegStatus.PENDING for leg in legs):
            continue
        if abandoned:
            for leg in legs:
                if leg.status is LegStatus.SUCCEEDED:
                    payer.reverse_leg(gateway, leg)
                    reversed_now = ledger.leg(leg.payment_id).status is LegStatus.REVERSED
                    state = "reversed" if reversed_now else "reversal not confirmed; will retry"
                    lines.append(f"{name}: {leg.payment_id} paid on an abandoned attempt: {state}")
        outcome = payer.settle(gateway, checkout, attempt.seq)
        if abandoned and ledger.checkout(checkout.checkout_id).status is CheckoutStatus.OPEN:
            ledger.close_checkout(checkout.checkout_id, CheckoutStatus.FAILED)
        lines.append(f"{name}: attempt {attempt.seq} is now {outcome}")
    for merchant_id, refund_id in services.refunds.pending():
        merchant = services.registry.get(merchant_id)
        if merchant is None:
            continue
        refund = services.refunds.send(
            services.gateways.for_merchant(merchant), merchant_id, services.refunds.load(merchant_id, refund_id)
        )
        lines.append(f"refund {refund_id} ({merchant_id}): {refund.status}")
    return lines
