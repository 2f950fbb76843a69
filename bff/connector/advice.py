"""What a provider must change for each line of the check that isn't a pass (docs/standard-card-api.md)."""

from __future__ import annotations

from bff.connector.rows import PASS, SKIPPED, Row

SPEC = "docs/standard-card-api.md (docs/openapi/standard-card-api.yaml)"

ADVICE = {
    "every call": "make the first request succeed: the cause above names what the card system refused",
    "bind ok": "POST /bindings answers result OK with {card: {card_id, last4, status, balance}}",
    "bind wrong secret": "a wrong password or SMS code answers error code WRONG_SECRET (HTTP 400)",
    "bind unknown card": "a card number no card has answers error code CARD_NOT_FOUND (HTTP 404)",
    "bind bound elsewhere": "binding a card bound to another user answers error code ALREADY_BOUND (HTTP 409)",
    "list_cards": "GET /users/{user_id}/cards answers {cards: [card]} with every card bound to that user",
    "card_detail balance": "GET /users/{user_id}/cards/{card_id} answers {card} with balance as integer fen",
    "pay ok": "POST /payments answers {payment} with status SUCCEEDED (or PROCESSING) in the answer itself",
    "pay insufficient": "a pay above the balance answers error code INSUFFICIENT_BALANCE, payment status FAILED",
    "pay duplicate id": "pay is idempotent on payment_id: the same id again answers the same payment, no charge",
    "payment_status paid": "GET /payments/{payment_id} answers {payment} with its status (SUCCEEDED)",
    "payment_status unknown": "GET /payments/{payment_id} for an id never seen answers error code PAYMENT_NOT_FOUND",
    "reverse": "POST /payments/{payment_id}/reversal voids in full: status REVERSED, the money back on the card",
    "refund": "POST /payments/{payment_id}/refunds {refund_id, amount} refunds part: payment.refunded_amount",
    "refund repeated id": "refunds are idempotent on refund_id: the same refund_id again gives back nothing more",
    "transactions paging": (
        "GET .../transactions?cursor=&limit= answers {transactions, next_cursor}: newest first, every row once, "
        "next_cursor null only on the last page, each row with txn_id and payment_id "
        "(or, if the system pages correctly, correct the paging in the merchant's dialect)"
    ),
    "answer signatures": "sign every answer as the merchant's dialect says, with the key Kabao verifies",
    "unbind": "DELETE /users/{user_id}/cards/{card_id} answers result OK and the card leaves the list",
    "give back": "reverse or refund must put the money back on the card; the check could not give it all back",
}


def advise(rows: list[Row]) -> list[Row]:
    """Fill in, on every line that isn't a pass, what the provider must change and where the spec says it."""
    for row in rows:
        if row.outcome in (PASS, SKIPPED) or row.fix:
            continue
        key = next((k for k in sorted(ADVICE, key=len, reverse=True) if row.operation.startswith(k)), None)
        if key is not None:
            row.fix = f"{ADVICE[key]} — see {SPEC}"
    return rows
