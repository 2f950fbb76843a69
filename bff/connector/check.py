"""The conformance check: run a scenario against a merchant's card system and say what is missing."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable
from typing import Any

from bff.cards.errors import AnswerMismatch, CardSystemError, CardSystemUnavailable, ErrorCode
from bff.cards.gateway import CardGateway
from bff.cards.models import BindRequest, Card, Payment, PaymentStatus, PayRequest
from bff.connector import echoes, giveback, history
from bff.connector.advice import advise
from bff.connector.profile import Profile
from bff.connector.rows import MISSING, PASS, REFUSED, SKIPPED, WRONG, Row, as_json, as_table, failed
from bff.connector.test_cards import TestCards, unknown_number
from bff.connector.wire import likely_cause, tap

__all__ = ["Check", "Row", "TestCards", "as_json", "as_table", "failed", "unknown_number"]
HISTORY = 5  # payments of 1..5 fen made for the paging walk (pages of 2: three pages at least)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, CardSystemError):
        return f"error {exc.code}"
    if isinstance(exc, AnswerMismatch):  # an answer, but about something else: wrong, not missing
        return f"wrong answer ({exc})"
    return f"no usable answer ({exc})"


class Check:
    """Runs the scenario step by step; each step records pass / missing / wrong and what came back."""

    def __init__(
        self,
        gateway: CardGateway,
        cards: TestCards,
        bind_method: str,
        luhn: bool = False,
        profile: Profile | None = None,
    ) -> None:
        self.gateway = gateway
        self.cards = cards
        self.method = bind_method
        self.luhn = luhn
        self.profile = profile or Profile()
        self.rows: list[Row] = []
        self.card: Card | None = None
        self.balance: dict[str, int] = {}
        self.spending = giveback.Spending()
        self.run_id = secrets.token_hex(4)
        self.wire = tap(gateway, [cards.secret or "", cards.number, cards.other_number])

    def step(self, operation: str, expected: str, run: Callable[[], tuple[bool, str]], required: bool = True) -> bool:
        """One line of the report. A received text starting "missing:" marks what the answer lacked."""
        row = Row(operation, expected, required=required)
        self.rows.append(row)
        gateway_op = operation.split(" ")[0]
        if not self.gateway.supports(gateway_op) and gateway_op != "card_detail":  # detail can come from the list
            row.outcome, row.received = MISSING, "the operation is not offered"
            return False
        try:
            ok, row.received = run()
        except (CardSystemError, CardSystemUnavailable) as exc:
            ok, row.received = False, _describe(exc)
        missing = row.received.startswith("missing:") or row.received.startswith("no usable answer")
        row.outcome = PASS if ok else (MISSING if missing else WRONG)
        if ok and not self.gateway.supports(gateway_op):
            row.received += " (no detail operation: taken from the card list)"
        return ok

    def expect_error(self, code: ErrorCode, call: Callable[[], Any]) -> tuple[bool, str]:
        try:
            call()
        except CardSystemError as exc:
            return exc.code is code, f"error {exc.code}"
        return False, "accepted"

    def run(self) -> list[Row]:
        self._binding()
        if self.card is not None:
            self._card_reads()
        if "before" in self.balance:
            self._payments()
            self._refunds()
            self._history()
        self._signatures()
        self.rows += echoes.echo_rows(self.profile, self.rows)
        if self.spending.charged or self.spending.maybe or self.spending.untracked:
            self.rows += giveback.give_back(self.gateway, self.spending)
            self.rows.append(giveback.summary(self.spending, self.balance.get("before"), self._balance_now()))
        if self.card is not None:
            card_id = self.card.card_id
            self.step(
                "unbind",
                "card unbound",
                lambda: (self.gateway.unbind(self.cards.user_id, card_id) is None, "unbound"),
                required=False,
            )
        return advise(self._refused_in_one_line())

    # binding --------------------------------------------------------------------------------

    def _bind_request(self, number: str, right: bool, user: str | None = None) -> BindRequest:
        cards, user = self.cards, user or self.cards.user_id
        wrong_secret = "000000" if cards.secret != "000000" else "111111"  # noqa: S105 - a deliberately wrong one
        if self.method == "sms":
            self.gateway.send_sms_code(user, number)
            code = cards.sms_code(number) if right and cards.sms_code else wrong_secret
            return BindRequest(user, number, sms_code=code)
        if self.method == "password":
            return BindRequest(user, number, secret=cards.secret if right else wrong_secret)
        return BindRequest(user, number)

    def _binding(self) -> None:
        gw, cards = self.gateway, self.cards

        def bind_ok() -> tuple[bool, str]:
            self.card = gw.bind(self._bind_request(cards.number, right=True))
            return self.card.last4 == cards.number[-4:], f"card …{self.card.last4}, balance {self.card.balance}"

        self.step("bind ok", "the card, bound", bind_ok)
        if self.method != "number_only":
            wrong = lambda: gw.bind(self._bind_request(cards.other_number, right=False))  # noqa: E731
            self.step("bind wrong secret", "WRONG_SECRET", lambda: self.expect_error(ErrorCode.WRONG_SECRET, wrong))
        unknown = unknown_number(cards.other_number, self.luhn)
        nobody = lambda: gw.bind(self._bind_request(unknown, right=False))  # noqa: E731
        self.step("bind unknown card", "CARD_NOT_FOUND", lambda: self.expect_error(ErrorCode.CARD_NOT_FOUND, nobody))
        if self.card is not None:
            self.step("bind bound elsewhere", "ALREADY_BOUND", self._bound_elsewhere)

    def _bound_elsewhere(self) -> tuple[bool, str]:
        """The same card, bound by another shopper: the system must refuse it, not bind it twice."""
        other = f"{self.cards.user_id}-other"
        try:
            card = self.gateway.bind(self._bind_request(self.cards.number, right=True, user=other))
        except CardSystemError as exc:
            return exc.code is ErrorCode.ALREADY_BOUND, f"error {exc.code}"
        with contextlib.suppress(CardSystemError, CardSystemUnavailable):
            self.gateway.unbind(other, card.card_id)  # don't leave the test card with two shoppers
        return False, "accepted: the card was bound to a second shopper"

    def _card_reads(self) -> None:
        gw, user, card_id = self.gateway, self.cards.user_id, self.card.card_id
        listed = lambda: (any(c.card_id == card_id for c in gw.list_cards(user)), "listed")  # noqa: E731
        self.step("list_cards", "the bound card listed", listed)

        def detail() -> tuple[bool, str]:
            self.balance["before"] = gw.card_detail(user, card_id).balance
            return isinstance(self.balance["before"], int), f"balance {self.balance['before']} fen"

        self.step("card_detail balance", "a balance in fen", detail)

    def _balance_now(self) -> int | None:
        try:
            return self.gateway.card_detail(self.cards.user_id, self.card.card_id).balance
        except (CardSystemError, CardSystemUnavailable):
            return None

    # payments -------------------------------------------------------------------------------

    def _request(self, suffix: str, amount: int) -> PayRequest:
        run, cards = self.run_id, self.cards
        return PayRequest(
            f"kbchk-{run}-{suffix}",
            cards.user_id,
            self.card.card_id,
            f"CHECK-{run}-{suffix}",
            amount,
            "CNY",
            cards.secret,
        )

    def _pay(self, request: PayRequest) -> Payment:
        """Pay, and remember what may have been charged so that it is given back at the end."""
        try:
            payment = self.gateway.pay(request)
        except (CardSystemError, CardSystemUnavailable):
            self.spending.maybe[request.payment_id] = request.amount
            raise
        if payment.status in (PaymentStatus.SUCCEEDED, PaymentStatus.PROCESSING):
            self.spending.charge(request.payment_id, request.amount)
        return payment

    def _payments(self) -> None:
        gw, before = self.gateway, self.balance["before"]
        paid = self._request("1", 100)

        def pay_ok() -> tuple[bool, str]:
            try:
                payment = self._pay(paid)
            except CardSystemUnavailable:
                payment = gw.payment_status(paid.payment_id)
                if payment is None:
                    return False, "missing: no status in the answer, and the status query does not know it"
                if payment.status is PaymentStatus.SUCCEEDED:  # charged after all: known now, not "maybe"
                    self.spending.maybe.pop(paid.payment_id, None)
                    self.spending.charge(paid.payment_id, paid.amount)
                return False, f"missing: no status in the pay answer (the status query says {payment.status})"
            return payment.status is PaymentStatus.SUCCEEDED, f"status {payment.status}"

        self.step("pay ok", "SUCCEEDED in the pay answer", pay_ok)

        def pay_poor() -> tuple[bool, str]:
            payment = self._pay(self._request("2", before - 100 + 1))  # one fen more than is left after the first
            return payment.error_code == "INSUFFICIENT_BALANCE", f"status {payment.status} {payment.error_code}"

        self.step("pay insufficient", "FAILED INSUFFICIENT_BALANCE", pay_poor)

        def pay_again() -> tuple[bool, str]:
            with contextlib.suppress(CardSystemUnavailable):  # a "duplicate" answer is fine: nothing charged again
                gw.pay(paid)
            charged = before - gw.card_detail(self.cards.user_id, self.card.card_id).balance
            self.spending.untracked += max(0, charged - 100)
            return charged == 100, f"charged {charged} fen in all for two pays with one id"

        self.step("pay duplicate id", "charged once", pay_again)

        def paid_status() -> tuple[bool, str]:
            payment = gw.payment_status(paid.payment_id)
            ok = payment is not None and payment.status is PaymentStatus.SUCCEEDED
            return ok, f"status {payment.status if payment else 'not found'}"

        self.step("payment_status paid", "SUCCEEDED", paid_status)

        def unknown_status() -> tuple[bool, str]:
            payment = gw.payment_status(f"kbchk-{self.run_id}-nobody")
            return payment is None, "not found" if payment is None else f"{payment.status}"

        self.step("payment_status unknown", "not found", unknown_status)

        def reverse() -> tuple[bool, str]:
            then = gw.card_detail(self.cards.user_id, self.card.card_id).balance
            payment = gw.reverse(paid.payment_id)
            back = gw.card_detail(self.cards.user_id, self.card.card_id).balance
            self.spending.give(paid.payment_id, back - then)
            return payment.status is PaymentStatus.REVERSED and back == before, f"balance back to {back}"

        # checkout undoes a paid leg by reverse where offered, else by a full refund: only then may it lack one
        if not gw.supports("reverse") and gw.supports("refund"):
            row = Row("reverse", "REVERSED, money back", SKIPPED, required=False)
            row.received = "not offered: a paid leg is given back by a full refund (the refund lines below)"
            self.rows.append(row)
            return
        self.step("reverse", "REVERSED, money back", reverse)

    def _refunds(self) -> None:
        gw, user = self.gateway, self.cards.user_id
        second, refund_id = self._request("3", 100), f"kbchk-{self.run_id}-r"
        given: dict[str, int] = {}

        def refund() -> tuple[bool, str]:
            self._pay(second)
            before = gw.card_detail(user, self.card.card_id).balance
            payment = gw.refund(second.payment_id, refund_id, 50)
            given["after"] = gw.card_detail(user, self.card.card_id).balance
            back = given["after"] - before
            self.spending.give(second.payment_id, back)
            return payment.refunded_amount == 50 and back == 50, f"refunded {payment.refunded_amount}, {back} fen back"

        required = not gw.supports("reverse")  # without reverse, refund is how a paid leg is given back
        if not self.step("refund", "partial refund recorded", refund, required=required):
            return

        def refund_again() -> tuple[bool, str]:
            with contextlib.suppress(CardSystemError):  # refusing the repeat is as good as answering it again
                gw.refund(second.payment_id, refund_id, 50)
            more = gw.card_detail(user, self.card.card_id).balance - given["after"]
            self.spending.give(second.payment_id, more)
            return more == 0, f"gave back {50 + more} fen in all for two refunds with one refund id"

        self.step("refund repeated id", "one refund", refund_again)

    def _history(self) -> None:
        def walk() -> tuple[bool, str]:
            made = []
            for amount in range(1, HISTORY + 1):
                request = self._request(f"h{amount}", amount)
                payment = self._pay(request)
                if payment.status is not PaymentStatus.SUCCEEDED:
                    return False, f"could not make a history: a {amount} fen payment is {payment.status}"
                made.append((request.payment_id, amount))
            return history.prove(self.gateway, self.cards.user_id, self.card.card_id, made, self.profile.paging)

        required = self.gateway.supports("transactions")
        self.step("transactions paging", "each payment once, newest first", walk, required=required)

    # the report -----------------------------------------------------------------------------

    def _signatures(self) -> None:
        how = self.profile.verification
        row = Row("answer signatures", "answers verified", required=how is not None)
        if how is None:
            row.received = "not configured: the merchant's configuration verifies no answer signatures"
        elif any(r.outcome == PASS for r in self.rows):
            row.outcome, row.received = PASS, f"{how}: answers verified (an unverified answer is never a pass)"
        else:
            row.outcome, row.received = WRONG, f"{how}: no answer was accepted"
        self.rows.append(row)

    def _refused_in_one_line(self) -> list[Row]:
        """When nothing at all was answered, one line with the likely cause instead of a wall of "wrong"."""
        ran = [r for r in self.rows if r.outcome != SKIPPED]
        if not ran or any(r.outcome == PASS for r in ran):
            return self.rows
        cause = likely_cause(self.wire, [r.received for r in ran], self.profile.verification is not None)
        raw = self.wire.raw if self.wire.raw is not None else "(none)"
        return [Row("every call", "answers from the card system", REFUSED, f"{cause}; raw answer: {raw}")]
