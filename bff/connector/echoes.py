"""The check's lines for what a dialect reads to trust an answer: the echo of our payment id, a refund's status."""

from __future__ import annotations

from bff.connector.profile import Profile
from bff.connector.rows import PASS, WRONG, Row

ANOTHER = "answer about another payment"
PAYMENT_LINES = ("pay ok", "payment_status paid", "reverse", "refund")


def echo_rows(profile: Profile, rows: list[Row]) -> list[Row]:
    """One line per configured check, after the scenario ran: a pass only when an answer was read and held."""
    lines = []
    if profile.payment_echo is not None:
        lines.append(_echo(profile.payment_echo, rows))
    if profile.refund_status is not None:
        lines.append(_refund_status(profile.refund_status, rows))
    return lines


def _echo(where: str, rows: list[Row]) -> Row:
    row = Row("payment id echoed", f"our payment id at '{where}'")
    wrong = next((r for r in rows if ANOTHER in r.received), None)
    read = [r.operation for r in rows if r.operation in PAYMENT_LINES and r.outcome == PASS]
    if wrong is not None:
        row.outcome, row.received = WRONG, f"{wrong.operation}: {wrong.received}"
    elif read:
        row.outcome, row.received = PASS, f"matched in every answer read ({', '.join(read)})"
    else:
        row.outcome, row.received = WRONG, "not proven: no payment answer was accepted"
    if row.outcome != PASS:
        row.fix = (
            f"echo the payment number Kabao sent (out_trade_no) at '{where}' in every pay, status, reverse and "
            "refund answer, or correct payment.id in the merchant's dialect (docs/mapping.md)"
        )
    return row


def _refund_status(where: str, rows: list[Row]) -> Row:
    refund = next((r for r in rows if r.operation == "refund"), None)
    row = Row("refund status read", f"the refund's status at '{where}'", required=bool(refund and refund.required))
    if refund is not None and refund.outcome == PASS:
        row.outcome, row.received = PASS, "SUCCEEDED, read from the refund answer"
        return row
    row.outcome = WRONG
    row.received = refund.received if refund is not None else "no refund was made"
    row.fix = (
        f"answer each refund with its own status at '{where}', one of the codes in refund.status_map "
        "(e.g. SUCCESS, PROCESSING, ABNORMAL, CLOSED), or correct refund in the merchant's dialect (docs/mapping.md)"
    )
    return row
