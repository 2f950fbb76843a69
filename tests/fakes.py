"""A hand-written fake card system behind the gateway port, recording every charge it makes."""

from __future__ import annotations

import threading

from bff.cards.errors import CardSystemUnavailable
from bff.cards.gateway import CardGateway
from bff.cards.models import Payment, PaymentStatus, PayRequest


class FakeCardSystem(CardGateway):
    """Balances and payments in memory; `behaviour[card_id]` picks how a card's payments go.

    ok: charged. decline: INSUFFICIENT_BALANCE. lost: charged, but the answer is lost (raises).
    processing: charged later (PROCESSING until settle()). down: nothing happens, raises.
    """

    def __init__(self, balances: dict[str, int]) -> None:
        self.balances = dict(balances)
        self.behaviour: dict[str, str] = {}
        self.payments: dict[str, Payment] = {}
        self.charges: list[tuple[str, int]] = []
        self.reversal_down = False
        self.status_down = False
        self.lock = threading.Lock()
        self.cards_of: dict[str, str] = {}

    def pay(self, request: PayRequest) -> Payment:
        mode = self.behaviour.get(request.card_id, "ok")
        with self.lock:
            if mode == "down":
                raise CardSystemUnavailable("down")
            if request.payment_id in self.payments:
                return self.payments[request.payment_id]
            if mode == "decline" or self.balances[request.card_id] < request.amount:
                payment = Payment(request.payment_id, PaymentStatus.FAILED, request.amount, 0, "INSUFFICIENT_BALANCE")
            elif mode == "processing":
                payment = Payment(request.payment_id, PaymentStatus.PROCESSING, request.amount)
            else:
                self.balances[request.card_id] -= request.amount
                self.charges.append((request.card_id, request.amount))
                payment = Payment(request.payment_id, PaymentStatus.SUCCEEDED, request.amount)
            self.payments[request.payment_id] = payment
            self.cards_of[request.payment_id] = request.card_id
        if mode == "lost":
            raise CardSystemUnavailable("answer lost")
        return payment

    def settle(self, payment_id: str, succeed: bool = True) -> None:
        with self.lock:
            payment = self.payments[payment_id]
            card_id = self.cards_of[payment_id]
            if succeed:
                self.balances[card_id] -= payment.amount
                self.charges.append((card_id, payment.amount))
            status = PaymentStatus.SUCCEEDED if succeed else PaymentStatus.FAILED
            self.payments[payment_id] = Payment(payment_id, status, payment.amount)

    def payment_status(self, payment_id: str) -> Payment | None:
        if self.status_down:
            raise CardSystemUnavailable("down")
        return self.payments.get(payment_id)

    def reverse(self, payment_id: str) -> Payment:
        if self.reversal_down:
            raise CardSystemUnavailable("down")
        with self.lock:
            payment = self.payments[payment_id]
            if payment.status is PaymentStatus.SUCCEEDED:
                self.balances[self.cards_of[payment_id]] += payment.amount - payment.refunded_amount
                payment = Payment(payment_id, PaymentStatus.REVERSED, payment.amount)
                self.payments[payment_id] = payment
            return payment

    def refund(self, payment_id: str, refund_id: str, amount: int) -> Payment:
        with self.lock:
            payment = self.payments[payment_id]
            self.balances[self.cards_of[payment_id]] += amount
            payment = Payment(payment_id, payment.status, payment.amount, payment.refunded_amount + amount)
            self.payments[payment_id] = payment
            return payment

    def charged(self, card_id: str) -> int:
        return sum(a for c, a in self.charges if c == card_id)

    def bind(self, request):
        raise NotImplementedError

    list_cards = card_detail = transactions = unbind = send_sms_code = bind
