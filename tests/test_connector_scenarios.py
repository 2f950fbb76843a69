"""The conformance check's scenario against hand-written providers that get one rule wrong each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fakes import FakeCardSystem

from bff.cards.errors import AnswerMismatch, AnswerNotConfirmed, CardSystemError, ErrorCode
from bff.cards.models import Card, CardStatus, PaymentStatus, Transaction, TransactionPage, TxnKind
from bff.connector.check import Check
from bff.connector.check import TestCards as ProviderCards
from bff.connector.profile import Profile
from bff.connector.rows import failed
from bff.connector.wire import Wire, likely_cause

NUMBER, OTHER, SECRET = "6000000000001234", "6000000000005678", "246810"
CARDS = ProviderCards(user_id="provider-test", number=NUMBER, secret=SECRET, other_number=OTHER)


class Provider(FakeCardSystem):
    """One card system with two cards; each flag breaks one rule of the standard API."""

    def __init__(self, refund_twice: bool = False, bind_twice: bool = False) -> None:
        super().__init__({"c1": 10_000, "c2": 10_000})
        self.refund_twice, self.bind_twice = refund_twice, bind_twice
        self.ids = {NUMBER: "c1", OTHER: "c2"}
        self.owners: dict[str, str] = {}
        self.refunds: set[str] = set()

    def bind(self, request):
        card_id = self.ids.get(request.card_number)
        if card_id is None:
            raise CardSystemError(ErrorCode.CARD_NOT_FOUND)
        if request.secret != SECRET:
            raise CardSystemError(ErrorCode.WRONG_SECRET)
        if self.owners.get(card_id, request.user_id) != request.user_id and not self.bind_twice:
            raise CardSystemError(ErrorCode.ALREADY_BOUND)
        self.owners.setdefault(card_id, request.user_id)
        return self.card_detail(request.user_id, card_id)

    def list_cards(self, user_id):
        return [self.card_detail(user_id, c) for c, owner in self.owners.items() if owner == user_id]

    def card_detail(self, user_id, card_id):
        return Card(
            card_id,
            "1234" if card_id == "c1" else "5678",
            "gift",
            CardStatus.ACTIVE,
            "CNY",
            None,
            self.balances[card_id],
        )

    def transactions(self, user_id, card_id, cursor, limit):
        rows = [
            Transaction(f"t{n}", TxnKind.PAYMENT, -p.amount, None, _at(n), "", p.payment_id)
            for n, p in enumerate(self.payments.values())
            if p.status is not PaymentStatus.FAILED
        ][::-1]
        start = int(cursor or 0)
        return TransactionPage(
            tuple(rows[start : start + limit]), str(start + limit) if start + limit < len(rows) else None
        )

    def unbind(self, user_id, card_id):
        self.owners.pop(card_id, None)

    def refund(self, payment_id, refund_id, amount):
        if refund_id in self.refunds and not self.refund_twice:
            return self.payments[payment_id]
        self.refunds.add(refund_id)
        return super().refund(payment_id, refund_id, amount)

    def payment_status(self, payment_id):
        return self.payments.get(payment_id)


def _at(n: int):
    return datetime(2026, 11, 1, tzinfo=UTC) + timedelta(minutes=n)


def _rows(provider: Provider, profile: Profile | None = None):
    rows = Check(provider, CARDS, "password", profile=profile).run()
    return rows, {r.operation: r for r in rows}


def test_a_provider_that_keeps_every_rule_passes_and_gets_all_its_money_back():
    provider = Provider()
    rows, by_op = _rows(provider)
    assert not failed(rows)
    assert [r.operation for r in rows if r.outcome != "pass"] == ["answer signatures"]
    assert provider.balances == {"c1": 10_000, "c2": 10_000}
    assert by_op["give back"].received.startswith("spent 215 fen, gave back 215 fen")


def test_a_refund_id_that_refunds_twice_is_wrong():
    rows, by_op = _rows(Provider(refund_twice=True))
    line = by_op["refund repeated id"]
    assert (line.outcome, line.required) == ("wrong", True) and failed(rows)
    assert line.received == "gave back 100 fen in all for two refunds with one refund id"
    assert "idempotent on refund_id" in line.fix


def test_a_card_bound_to_a_second_shopper_is_reported_and_left_with_the_first():
    provider = Provider(bind_twice=True)
    rows, by_op = _rows(provider)
    line = by_op["bind bound elsewhere"]
    assert (line.outcome, line.received) == ("wrong", "accepted: the card was bound to a second shopper")
    assert "ALREADY_BOUND" in line.fix and failed(rows)


@pytest.mark.parametrize(("verification", "outcome"), [(None, "skipped"), ("rsa_sha256", "pass")])
def test_answer_signatures_are_checked_where_configured(verification, outcome):
    _, by_op = _rows(Provider(), Profile(verification=verification))
    line = by_op["answer signatures"]
    assert line.outcome == outcome and line.required is (verification is not None)
    assert line.received.startswith("not configured" if verification is None else "rsa_sha256: answers verified")


class NoReverse(Provider):
    def supports(self, operation):
        return operation != "reverse"


def test_a_system_without_reverse_passes_when_refund_gives_the_money_back():
    provider = NoReverse()
    rows, by_op = _rows(provider)
    assert (by_op["reverse"].outcome, by_op["reverse"].required) == ("skipped", False)  # not a gap: refund undoes
    assert by_op["reverse"].received.startswith("not offered: a paid leg is given back by a full refund")
    assert by_op["refund"].required and by_op["refund"].outcome == "pass"
    assert not failed(rows)
    gave = [r.received for r in rows if r.operation.startswith("give back kbchk-")]
    assert gave and all(text.startswith("refunded") for text in gave)
    assert provider.balances["c1"] == 10_000


class Answer:
    def __init__(self, status_code: int, text: str) -> None:
        self.status_code, self.text = status_code, text


@pytest.mark.parametrize(
    ("status", "raw", "verifying", "cause"),
    [
        (401, '{"code": "SIGN_ERROR", "msg": "签名错误"}', False, "signature: HTTP 401"),
        (400, '{"code": "E_TS", "msg": "timestamp out of range"}', False, "clock: HTTP 400"),
        (403, '{"error": "forbidden"}', False, "key: HTTP 403"),
        (404, "<h1>Not Found</h1>", False, "URL: HTTP 404"),
        (200, '{"code": "SUCCESS"}', True, "answer signature: HTTP 200"),
        (None, None, False, "URL: no answer at the base URL"),
    ],
)
def test_the_likely_cause_of_every_call_refused(status, raw, verifying, cause):
    wire = Wire(["s3cr3t-key"])
    if status is not None:
        wire.record(Answer(status, raw))
    assert likely_cause(wire, ["no usable answer"], verifying).startswith(cause)


def test_a_raw_answer_is_cut_with_keys_blanked_and_numbers_masked():
    wire = Wire(["s3cr3t-key"])
    wire.record(Answer(401, '{"echo": "s3cr3t-key", "card": "6000000000001234", "pad": "' + "x" * 300 + '"}'))
    assert "s3cr3t-key" not in wire.raw and "6000000000001234" not in wire.raw
    assert "************1234" in wire.raw and wire.raw.endswith("…") and len(wire.raw) == 161


class EchoesAnother(Provider):
    """Answers every pay and status query about another payment (the adapter refuses such answers)."""

    def pay(self, request):
        super().pay(request)
        raise AnswerMismatch("pay: answer about another payment ('kb-other' at out_trade_no)")

    def payment_status(self, payment_id):
        raise AnswerMismatch("payment_status: answer about another payment ('kb-other' at out_trade_no)")


class RefundsInProgress(Provider):
    def refund(self, payment_id, refund_id, amount):
        raise AnswerNotConfirmed("refund: in progress (status 'PROCESSING')")


ECHO = Profile(payment_echo="out_trade_no", refund_status="status")


def test_the_payment_id_echo_and_refund_status_get_a_line_each_where_configured():
    _, plain = _rows(Provider())
    assert "payment id echoed" not in plain and "refund status read" not in plain
    rows, by_op = _rows(Provider(), ECHO)
    assert by_op["payment id echoed"].outcome == "pass" and by_op["refund status read"].outcome == "pass"
    assert by_op["payment id echoed"].received.startswith("matched in every answer read (pay ok, payment_status")
    assert not failed(rows)


def test_answers_about_another_payment_are_wrong_with_advice_for_the_provider():
    rows, by_op = _rows(EchoesAnother(), ECHO)
    line = by_op["payment id echoed"]
    assert (line.outcome, line.required) == ("wrong", True) and failed(rows)
    assert "answer about another payment ('kb-other' at out_trade_no)" in line.received
    assert "echo the payment number Kabao sent (out_trade_no) at 'out_trade_no'" in line.fix
    assert by_op["payment_status paid"].outcome == "wrong"  # an answer, but about something else


def test_a_refund_whose_status_is_not_confirmed_is_wrong_with_advice():
    _, by_op = _rows(RefundsInProgress(), ECHO)
    line = by_op["refund status read"]
    assert line.outcome == "wrong" and "in progress (status 'PROCESSING')" in line.received
    assert "its own status at 'status'" in line.fix
