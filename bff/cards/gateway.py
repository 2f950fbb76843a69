"""The one port to a merchant's card system."""

from __future__ import annotations

import abc

from bff.cards.models import BindRequest, Card, Payment, PayRequest, SmsSent, TransactionPage


class CardGateway(abc.ABC):
    """Card operations for one merchant; adapters implement it, flows call it."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections held by this gateway."""

    def supports(self, operation: str) -> bool:
        """Whether the card system has this operation at all (some merchants' systems lack some)."""
        return True

    def give_back_by(self, age_seconds: float | None) -> str | None:
        """How a leg paid age_seconds ago is given back in full: "reverse", "refund", or None when it can't be."""
        return "reverse" if self.supports("reverse") else "refund" if self.supports("refund") else None

    def report_lost(self, user_id: str, card_id: str, secret: str) -> None:
        """Report a named card lost (挂失), confirmed with its secret; the card is frozen when this returns.

        Optional: call only where supports("report_lost").
        """
        raise NotImplementedError("report_lost is not offered by this card system")

    @abc.abstractmethod
    def bind(self, request: BindRequest) -> Card: ...

    @abc.abstractmethod
    def list_cards(self, user_id: str) -> list[Card]: ...

    @abc.abstractmethod
    def card_detail(self, user_id: str, card_id: str) -> Card: ...

    @abc.abstractmethod
    def transactions(self, user_id: str, card_id: str, cursor: str | None, limit: int) -> TransactionPage: ...

    @abc.abstractmethod
    def unbind(self, user_id: str, card_id: str) -> None: ...

    @abc.abstractmethod
    def send_sms_code(self, user_id: str, card_number: str) -> SmsSent:
        """Text a bind code to the card's phone; the answer may say (masked) which phone."""

    @abc.abstractmethod
    def pay(self, request: PayRequest) -> Payment:
        """Charge once per payment id; a decline answers FAILED, an unknown outcome raises."""

    @abc.abstractmethod
    def payment_status(self, payment_id: str) -> Payment | None:
        """The payment as the card system knows it; None when it never saw that id."""

    @abc.abstractmethod
    def reverse(self, payment_id: str) -> Payment:
        """Void a payment in full, idempotently."""

    @abc.abstractmethod
    def refund(self, payment_id: str, refund_id: str, amount: int) -> Payment:
        """Give back part or all of a payment, idempotent on refund_id."""
