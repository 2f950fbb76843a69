"""A dialect's payment operations: pay, status, reverse, refund; unknown is never success."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bff.adapters.answers import StillInProgress
from bff.adapters.dialect_codec import DialectCodec, get
from bff.adapters.payment_answers import PaymentAnswers
from bff.adapters.standard import DEFINITIVE_DECLINES
from bff.cards.errors import CardSystemError, CardSystemUnavailable, ErrorCode
from bff.cards.models import Payment, PaymentStatus, PayRequest
from bff.merchants.dialect import Dialect


class MappedPayments:
    """The payment half of MappedAdapter, which gives it the dialect, its answers and how to call and parse."""

    dialect: Dialect
    codec: DialectCodec
    answers: PaymentAnswers
    _call: Callable[[str, dict[str, Any]], Any]
    _parse: Callable[..., Any]

    def pay(self, request: PayRequest) -> Payment:
        values = {"secret": None, **request.fields()}  # a dialect template may name {secret} when none is asked
        try:
            data = self._call("pay", values)
        except StillInProgress:
            return Payment(request.payment_id, PaymentStatus.PROCESSING, request.amount)
        except CardSystemError as exc:
            if exc.code in DEFINITIVE_DECLINES:
                return Payment(request.payment_id, PaymentStatus.FAILED, request.amount, error_code=exc.code.value)
            raise CardSystemUnavailable(f"pay: {exc.code}, outcome unknown") from None
        payment = self._parse("pay", lambda d: self.answers.payment("pay", request.payment_id, request.amount, d), data)
        if payment.amount != request.amount:
            raise CardSystemUnavailable("pay: answer for another amount")
        return payment

    def payment_status(self, payment_id: str) -> Payment | None:
        try:
            data = self._call("payment_status", {"payment_id": payment_id})
        except StillInProgress as pending:
            return self._parse("payment_status", lambda d: self._in_progress(payment_id, d), pending.data)
        except CardSystemError as exc:
            if exc.code is ErrorCode.PAYMENT_NOT_FOUND:
                return None
            raise CardSystemUnavailable(f"payment_status: {exc.code}") from None
        return self._parse(
            "payment_status", lambda d: self.answers.payment("payment_status", payment_id, None, d), data
        )

    def _in_progress(self, payment_id: str, data: Any) -> Payment:
        """PROCESSING, with the amount the answer gives; without one the status stays unknown (asked again)."""
        node = self.answers.node("payment_status", data)
        self.answers.check_echo("payment_status", payment_id, node)
        where = self.dialect.payment.amount
        amount = get(node, where) if where else None
        if amount is None:
            raise CardSystemUnavailable("payment_status: in progress, amount not given")
        return Payment(payment_id, PaymentStatus.PROCESSING, self.codec.parse_amount(amount))

    def reverse(self, payment_id: str) -> Payment:
        data = self._call("reverse", {"payment_id": payment_id})
        node = self._parse("reverse", lambda d: self.answers.node("reverse", d), data)
        self._parse("reverse", lambda n: self.answers.check_echo("reverse", payment_id, n), node)
        if self.dialect.payment is None or get(node, self.dialect.payment.status) is None:
            # the reversal answered its success code and says no status: the card system saying it is void
            return Payment(payment_id, PaymentStatus.REVERSED, 0)
        return self.answers.payment("reverse", payment_id, None, data)  # a status it gives must be one we know

    def refund(self, payment_id: str, refund_id: str, amount: int) -> Payment:
        data = self._call("refund", {"payment_id": payment_id, "refund_id": refund_id, "amount": amount})
        return self._parse("refund", lambda d: self.answers.refund(payment_id, amount, d), data)
