"""Reading a dialect's payment and refund answers: the status from its table, and the echo of our payment id.

Unknown is never success: a missing or unmapped status, or an answer naming another payment, is unknown.
"""

from __future__ import annotations

import logging
from typing import Any

from bff.adapters.dialect_codec import DialectCodec, get
from bff.cards.errors import AnswerMismatch, AnswerNotConfirmed, CardSystemError, CardSystemUnavailable, ErrorCode
from bff.cards.models import Payment, PaymentStatus
from bff.merchants.dialect import Dialect

log = logging.getLogger(__name__)


class PaymentAnswers:
    """Reads payments and refunds out of one dialect's answers."""

    def __init__(self, dialect: Dialect, codec: DialectCodec, name: str) -> None:
        self.dialect = dialect
        self.codec = codec
        self.name = name  # the merchant, for log lines

    def node(self, op: str, data: Any) -> Any:
        """The operation's object inside the answer's data."""
        return get(data, self.dialect.operations[op].answer)

    def check_echo(self, op: str, payment_id: str, node: Any) -> None:
        """Where the dialect says an answer echoes our payment id, an answer naming another one is unknown."""
        where = self.dialect.payment.id if self.dialect.payment else None
        if where is None:
            return
        echoed = get(node, where)
        if echoed is None or isinstance(echoed, dict | list) or str(echoed) != payment_id:
            log.warning(
                "%s %s: answer about another payment (%r at %s, asked about %r); treated as unknown",
                self.name,
                op,
                echoed,
                where,
                payment_id,
            )
            raise AnswerMismatch(f"{op}: answer about another payment ({echoed!r} at {where})")

    def payment(self, op: str, payment_id: str, amount: int | None, data: Any, *, quiet: bool = False) -> Payment:
        """A payment from an answer; a missing or unmapped status is unknown, never success."""
        fields = self.dialect.payment
        node = self.node(op, data)
        self.check_echo(op, payment_id, node)
        raw = get(node, fields.status)
        status = fields.status_map.get(str(raw)) if raw is not None else None
        if status is None:
            if not quiet:
                log.warning("%s %s: payment answer without a known status (%r)", self.name, op, raw)
            raise CardSystemUnavailable(f"{op}: payment status missing or unknown")
        paid = get(node, fields.amount) if fields.amount else None
        refunded = get(node, fields.refunded) if fields.refunded else None
        return Payment(
            payment_id=payment_id,
            status=PaymentStatus(status),
            amount=self.codec.parse_amount(paid) if paid is not None else (amount or 0),
            refunded_amount=self.codec.parse_amount(refunded) if refunded is not None else 0,
        )

    def refund(self, payment_id: str, amount: int, data: Any) -> Payment:
        """The refund's outcome: confirmed only when its own status says so, where the dialect maps it."""
        node = self.node("refund", data)
        self.check_echo("refund", payment_id, node)
        fields = self.dialect.refund
        if fields is None:  # no refund status to read: the refund's success code is its confirmation
            try:
                return self.payment("refund", payment_id, None, data, quiet=True)
            except AnswerMismatch:
                raise
            except CardSystemUnavailable:
                return Payment(payment_id, PaymentStatus.SUCCEEDED, 0, amount)
        raw = get(node, fields.status)
        status = fields.status_map.get(str(raw)) if raw is not None else None
        if status is None:
            log.warning("%s refund: refund answer without a known status (%r); not confirmed", self.name, raw)
            raise AnswerNotConfirmed(f"refund: refund status {raw!r} missing or unknown")
        if status == "PROCESSING":
            log.info("%s refund: in progress (status %r); asked again later", self.name, raw)
            raise AnswerNotConfirmed(f"refund: in progress (status {raw!r})")
        if status == "FAILED":
            log.warning("%s refund: the card system says the refund failed (status %r)", self.name, raw)
            raise CardSystemError(ErrorCode.NOT_REVERSIBLE, f"refund failed (status {raw!r})")
        given = get(node, fields.amount) if fields.amount else None
        if given is not None and self.codec.parse_amount(given) != amount:
            log.warning("%s refund: answer for another amount; not confirmed", self.name)
            raise AnswerMismatch("refund: answer for another amount")
        return Payment(payment_id, PaymentStatus.SUCCEEDED, 0, amount)
