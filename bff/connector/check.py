"""The conformance check: run a scenario against a merchant's card system and say what is missing."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from bff.cards.errors import CardSystemError, CardSystemUnavailable, ErrorCode
from bff.cards.gateway import CardGateway
from bff.cards.models import BindRequest, Card, PaymentStatus, PayRequest
from bff.wallet.binding import luhn_ok

PASS, MISSING, WRONG, SKIPPED = "pass", "missing", "wrong", "skipped"


@dataclass(frozen=True)
class TestCards:
    """What the merchant's system provider gives for a check: a shopper id and test cards."""

    user_id: str
    number: str  # an unbound, active card with at least ¥2.00 on it
    secret: str | None  # its password (password binding)
    other_number: str  # another existing card (wrong-secret and unknown-card checks)
    sms_code: Callable[[str], str] | None = None  # reads the code texted for a number (SMS binding)


@dataclass
class Row:
    operation: str
    expected: str
    outcome: str = SKIPPED
    received: str = ""
    required: bool = True


def _describe(exc: BaseException) -> str:
    if isinstance(exc, CardSystemError):
        return f"error {exc.code}"
    return f"no usable answer ({exc})"


class Check:
    """Runs the scenario step by step; each step records pass / missing / wrong and what came back."""

    def __init__(self, gateway: CardGateway, cards: TestCards, bind_method: str, luhn: bool = False) -> None:
        self.gateway = gateway
        self.cards = cards
        self.method = bind_method
        self.luhn = luhn
        self.rows: list[Row] = []
        self.card: Card | None = None

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
        cards, gw = self.cards, self.gateway
        user = cards.user_id
        wrong_secret = "000000" if cards.secret != "000000" else "111111"  # noqa: S105 - a deliberately wrong one

        def bind_request(number: str, right: bool) -> BindRequest:
            if self.method == "sms":
                gw.send_sms_code(user, number)
                code = cards.sms_code(number) if right and cards.sms_code else wrong_secret
                return BindRequest(user, number, sms_code=code)
            if self.method == "password":
                return BindRequest(user, number, secret=cards.secret if right else wrong_secret)
            return BindRequest(user, number)

        def bind_ok() -> tuple[bool, str]:
            self.card = gw.bind(bind_request(cards.number, right=True))
            return self.card.last4 == cards.number[-4:], f"card …{self.card.last4}, balance {self.card.balance}"

        self.step("bind ok", "the card, bound", bind_ok)
        if self.method != "number_only":
            self.step(
                "bind wrong secret",
                "WRONG_SECRET",
                lambda: self.expect_error(
                    ErrorCode.WRONG_SECRET, lambda: gw.bind(bind_request(cards.other_number, right=False))
                ),
            )
        unknown = unknown_number(cards.other_number, self.luhn)
        self.step(
            "bind unknown card",
            "CARD_NOT_FOUND",
            lambda: self.expect_error(ErrorCode.CARD_NOT_FOUND, lambda: gw.bind(bind_request(unknown, right=False))),
        )
        if self.card is None:
            return self.rows
        card_id = self.card.card_id
        self.step(
            "list_cards",
            "the bound card listed",
            lambda: (any(c.card_id == card_id for c in gw.list_cards(user)), "listed"),
        )
        balance = {}

        def detail() -> tuple[bool, str]:
            balance["before"] = gw.card_detail(user, card_id).balance
            return isinstance(balance["before"], int), f"balance {balance['before']} fen"

        self.step("card_detail balance", "a balance in fen", detail)

        def history() -> tuple[bool, str]:
            page = gw.transactions(user, card_id, None, 2)
            if page.next_cursor is None:
                return len(page.transactions) <= 2, f"{len(page.transactions)} entries, one page"
            second = gw.transactions(user, card_id, page.next_cursor, 2)
            fresh = {t.txn_id for t in second.transactions}.isdisjoint(t.txn_id for t in page.transactions)
            return fresh, "two pages, different entries" if fresh else "the next page repeats the first"

        self.step("transactions paging", "pages by cursor", history, required=False)
        if "before" not in balance:
            return self.rows
        run_id = secrets.token_hex(4)
        paid = PayRequest(f"kbchk-{run_id}-1", user, card_id, f"CHECK-{run_id}", 100, "CNY", cards.secret)

        def pay_ok() -> tuple[bool, str]:
            try:
                payment = gw.pay(paid)
            except CardSystemUnavailable:
                payment = gw.payment_status(paid.payment_id)
                if payment is None:
                    return False, "missing: no status in the answer, and the status query does not know it"
                return False, f"missing: no status in the pay answer (the status query says {payment.status})"
            return payment.status is PaymentStatus.SUCCEEDED, f"status {payment.status}"

        self.step("pay ok", "SUCCEEDED in the pay answer", pay_ok)

        def pay_poor() -> tuple[bool, str]:
            over = balance["before"] - 100 + 1  # one fen more than the card has left after the first pay
            poor = PayRequest(f"kbchk-{run_id}-2", user, card_id, f"CHECK-{run_id}-2", over, "CNY", cards.secret)
            payment = gw.pay(poor)
            return payment.error_code == "INSUFFICIENT_BALANCE", f"status {payment.status} {payment.error_code}"

        self.step("pay insufficient", "FAILED INSUFFICIENT_BALANCE", pay_poor)

        def pay_again() -> tuple[bool, str]:
            with contextlib.suppress(CardSystemUnavailable):  # a "duplicate" answer is fine: nothing charged again
                gw.pay(paid)
            after = gw.card_detail(user, card_id).balance
            charged = balance["before"] - after
            return charged == 100, f"charged {charged} fen in all for two pays with one id"

        self.step("pay duplicate id", "charged once", pay_again)
        self.step(
            "payment_status paid",
            "SUCCEEDED",
            lambda: (
                (p := gw.payment_status(paid.payment_id)) is not None and p.status is PaymentStatus.SUCCEEDED,
                f"status {p.status if p else 'not found'}",
            ),
        )
        self.step(
            "payment_status unknown",
            "not found",
            lambda: (
                (p := gw.payment_status(f"kbchk-{run_id}-nobody")) is None,
                "not found" if p is None else f"{p.status}",
            ),
        )

        def reverse() -> tuple[bool, str]:
            payment = gw.reverse(paid.payment_id)
            back = gw.card_detail(user, card_id).balance
            return payment.status is PaymentStatus.REVERSED and back == balance["before"], f"balance back to {back}"

        self.step("reverse", "REVERSED, money back", reverse)

        def refund() -> tuple[bool, str]:
            second = PayRequest(f"kbchk-{run_id}-3", user, card_id, f"CHECK-{run_id}-3", 100, "CNY", cards.secret)
            gw.pay(second)
            payment = gw.refund(second.payment_id, f"kbchk-{run_id}-r", 50)
            return payment.refunded_amount == 50, f"refunded {payment.refunded_amount}"

        self.step("refund", "partial refund recorded", refund, required=False)
        self.step("unbind", "card unbound", lambda: (gw.unbind(user, card_id) is None, "unbound"), required=False)
        return self.rows


def unknown_number(near: str, luhn: bool) -> str:
    """A number shaped like a real one (same length, prefix, check digit) that no card should have."""
    body = near[:-5] + ("0" if near[-5] != "0" else "1") + near[-4:-1]
    if not luhn or not body.isdigit():
        return body + near[-1]
    for digit in "0123456789":
        if luhn_ok(body + digit):
            return body + digit
    raise AssertionError("unreachable: one check digit always fits")


def failed(rows: list[Row]) -> bool:
    return any(r.required and r.outcome in (MISSING, WRONG) for r in rows)


def as_table(rows: list[Row]) -> str:
    width = max(len(r.operation) for r in rows)
    lines = [f"{'operation'.ljust(width)}  {'expected':32}  outcome   received"]
    for r in rows:
        tag = r.outcome + ("" if r.required or r.outcome == PASS else " (optional)")
        lines.append(f"{r.operation.ljust(width)}  {r.expected:32}  {tag:9} {r.received}")
    return "\n".join(lines)


def as_json(rows: list[Row]) -> list[dict[str, Any]]:
    return [asdict(r) for r in rows]
