"""Telling the host app that a payment still being confirmed when the shopper's page stopped asking is settled."""

from __future__ import annotations

from bff.checkout.results import order_status, outcome_of
from bff.merchants.loader import Merchant
from bff.services import Services


def tell_host(services: Services, merchant: Merchant, checkout_id: str, seq: int) -> None:
    """Queue a payment_settled notification with the order as it is now, if the merchant names a notify URL."""
    url = services.registry.notify_url(merchant)
    if url is None:
        return
    ledger = services.ledger
    checkout = ledger.checkout(checkout_id)
    legs = ledger.legs(checkout_id)
    outcome = outcome_of(checkout, ledger.latest_attempt(checkout_id), legs)
    refunded = services.refunds.refunded(checkout.merchant_id, checkout.order_id)
    payload = {
        "event": "payment_settled",
        "merchant_id": checkout.merchant_id,
        "order": order_status(checkout, outcome, legs, refunded),
    }
    services.notifier.enqueue(checkout.merchant_id, f"payment_settled:{checkout_id}:{seq}", url, payload)
