"""Settle what stayed pending: found → final; never found → failed; paid on an abandoned attempt → given back."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from bff.checkout import late
from bff.checkout.records import Attempt
from bff.checkout.states import CheckoutStatus, LegStatus
from bff.services import Services

log = logging.getLogger(__name__)

WORDS = {
    "found": "found: {status}",
    "not_found": "never seen by the card system: {status} (failed for now; watched for a late charge)",
    "not_seen_yet": "not seen by the card system yet; left pending until the window ends",
    "unknown": "still unknown (no usable answer from the card system); left pending",
}


def reconcile(services: Services, window: float, now: float | None = None) -> list[str]:
    """One pass over unsettled attempts and unconfirmed refunds; answers a line per thing done or left.

    One thing failing (a card system, a locked database) is logged and left for the next run; the rest goes on.
    """
    now = time.time() if now is None else now
    lines: list[str] = []
    for attempt in services.ledger.unsettled_attempts():
        _guarded(lines, f"checkout {attempt.checkout_id}", lambda a=attempt: _attempt(services, a, window, now))
    for merchant_id, refund_id in services.refunds.pending():
        _guarded(
            lines, f"refund {refund_id} ({merchant_id})", lambda m=merchant_id, r=refund_id: _refund(services, m, r)
        )
    _guarded(lines, "late charges", lambda: late.give_back_held(services) + late.watch_late_charges(services, now))
    _guarded(lines, "notifications", lambda: late.deliver_notifications(services, now))
    return lines


def _guarded(lines: list[str], name: str, work: Callable[[], list[str]]) -> None:
    try:
        lines.extend(work())
    except Exception as exc:  # one bad item must not stop the pass; it is retried next run
        log.exception("reconcile: %s failed", name)
        lines.append(f"{name}: failed ({type(exc).__name__}); left for the next run")


def _attempt(services: Services, attempt: Attempt, window: float, now: float) -> list[str]:
    ledger, payer, lines = services.ledger, services.payer, []
    checkout = ledger.checkout(attempt.checkout_id)
    name = f"order {checkout.order_id} ({checkout.merchant_id}, checkout {checkout.checkout_id})"
    merchant = services.registry.get(checkout.merchant_id)
    if merchant is None:
        return [f"{name}: merchant not configured; left pending"]
    gateway = services.gateways.for_merchant(merchant)
    abandoned = now - attempt.created_at > window
    for leg in ledger.legs(checkout.checkout_id, attempt.seq):
        if leg.status is LegStatus.PENDING:
            learnt = payer.check_leg(gateway, leg, window, merchant.config.checkout.status_query.watch_seconds)
            after = ledger.leg(leg.payment_id).status
            lines.append(f"{name}: {leg.payment_id} {WORDS[learnt].format(status=after)}")
    legs = ledger.legs(checkout.checkout_id, attempt.seq)
    if any(leg.status is LegStatus.PENDING for leg in legs):
        return lines
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
    return lines


def _refund(services: Services, merchant_id: str, refund_id: str) -> list[str]:
    merchant = services.registry.get(merchant_id)
    if merchant is None:
        return []
    refunds = services.refunds
    refund = refunds.send(services.gateways.for_merchant(merchant), merchant_id, refunds.load(merchant_id, refund_id))
    return [f"refund {refund_id} ({merchant_id}): {refund.status}"]
