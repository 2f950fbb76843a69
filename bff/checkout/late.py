"""Late charges: NOT_FOUND legs stay watched; one that shows up paid is given back and the host app told."""

from __future__ import annotations

import datetime

from bff.checkout.notify import Notification
from bff.checkout.records import LegRecord
from bff.checkout.results import order_status, outcome_of
from bff.checkout.states import LegStatus
from bff.merchants.loader import Merchant
from bff.services import Services

WORDS = {
    "still_unseen": "still never seen by the card system; watched until {until}",
    "failed": "the card system now says it failed",
    "given_back": "charged late, after it was judged never seen: given back",
    "held": "charged late, after it was judged never seen: giving back not confirmed; will retry",
    "unknown": "watched; no usable answer from the card system",
}


def watch_one(services: Services, payment_id: str, now: float) -> list[str]:
    """Look again at one NOT_FOUND leg, if it is still watched and due (another worker may have just looked)."""
    leg = services.ledger.leg(payment_id)
    if leg is None or leg.status is not LegStatus.NOT_FOUND or (leg.next_query_at or 0) > now:
        return []
    checkout = services.ledger.checkout(leg.checkout_id)
    merchant = services.registry.get(checkout.merchant_id)
    if merchant is None:
        return []
    learnt = services.payer.check_watched(services.gateways.for_merchant(merchant), leg)
    name = f"order {checkout.order_id} ({checkout.merchant_id}, checkout {checkout.checkout_id})"
    if learnt in ("given_back", "held"):
        tell_host(services, merchant, services.ledger.leg(leg.payment_id))
    return [f"{name}: {leg.payment_id} {WORDS[learnt].format(until=_day(leg.watch_until))}"]


def give_back_one(services: Services, payment_id: str) -> list[str]:
    """Retry giving back one late charge, if it is still held."""
    leg = services.ledger.leg(payment_id)
    if leg is None or leg.status is not LegStatus.SUCCEEDED or leg.watch_until is None:
        return []
    checkout = services.ledger.checkout(leg.checkout_id)
    merchant = services.registry.get(checkout.merchant_id)
    if merchant is None:
        return []
    learnt = services.payer.give_back_late(services.gateways.for_merchant(merchant), leg.payment_id)
    if learnt == "given_back":
        tell_host(services, merchant, services.ledger.leg(leg.payment_id))
    return [f"order {checkout.order_id} ({checkout.merchant_id}): {leg.payment_id} {WORDS[learnt]}"]


def tell_host(services: Services, merchant: Merchant, leg: LegRecord) -> None:
    """Queue a notification of this late charge's state, if the merchant names a host notify URL."""
    url = services.registry.notify_url(merchant)
    if url is None:
        return
    ledger = services.ledger
    checkout = ledger.checkout(leg.checkout_id)
    legs = ledger.legs(checkout.checkout_id)
    outcome = outcome_of(checkout, ledger.latest_attempt(checkout.checkout_id), legs)
    refunded = services.refunds.refunded(checkout.merchant_id, checkout.order_id)
    payload = {
        "event": "late_charge",
        "merchant_id": checkout.merchant_id,
        "late_charge": {"last4": leg.last4, "amount": leg.amount, "status": _late_status(leg)},
        "order": order_status(checkout, outcome, legs, refunded),
    }
    services.notifier.enqueue(checkout.merchant_id, f"late_charge:{leg.payment_id}:{leg.status}", url, payload)


def deliver_one(services: Services, note: Notification, now: float) -> list[str]:
    """Send one notification, if it is still due (another worker may have just sent it)."""
    if not services.notifier.is_due(note.merchant_id, note.event_key, now):
        return []
    problem = services.notifier.deliver(note)
    state = "acknowledged" if problem is None else f"not acknowledged ({problem}); will retry"
    return [f"notification {note.event_key} ({note.merchant_id}): {state}"]


def _late_status(leg: LegRecord) -> str:
    return "GIVEN_BACK" if leg.late and leg.status.value == "REVERSED" else "CHARGED"


def _day(timestamp: float | None) -> str:
    return "?" if timestamp is None else datetime.datetime.fromtimestamp(timestamp, datetime.UTC).strftime("%Y-%m-%d")
