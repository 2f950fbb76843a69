"""The ledger's state machine and the payer: exactly one charge per leg, whatever happens."""

from __future__ import annotations

import itertools
import threading

import pytest
from fakes import FakeCardSystem

from bff.checkout.ledger import Ledger, PlannedLeg, payment_id_for
from bff.checkout.payer import Payer
from bff.checkout.records import OrderMismatch
from bff.checkout.states import (
    ATTEMPT_MOVES,
    CHECKOUT_MOVES,
    LEG_MOVES,
    AttemptStatus,
    CheckoutStatus,
    IllegalTransition,
    LegStatus,
    check_move,
)
from bff.merchants.checkout_rules import StatusQuery

QUICK = StatusQuery(interval_seconds=0.5, give_up_seconds=5)


@pytest.fixture
def ledger(ledger_url):
    ledger = Ledger(ledger_url)
    yield ledger
    ledger.close()


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


def open_order(ledger, amount=10000, order_id="O-1"):
    return ledger.open_checkout("shop", "u1", order_id, amount, "CNY", "http://app.test/return")


def plan(*legs):
    return [PlannedLeg(card_id, card_id[-4:], amount) for card_id, amount in legs]


@pytest.mark.parametrize(
    ("moves", "states"),
    [(CHECKOUT_MOVES, CheckoutStatus), (ATTEMPT_MOVES, AttemptStatus), (LEG_MOVES, LegStatus)],
)
def test_only_the_listed_transitions_are_possible(moves, states):
    for old, new in itertools.product(states, states):
        if new in moves[old]:
            check_move(moves, old, new)
        else:
            with pytest.raises(IllegalTransition):
                check_move(moves, old, new)


def test_nothing_leaves_a_final_state_and_failed_legs_never_become_paid():
    assert LEG_MOVES[LegStatus.FAILED] == frozenset()
    assert LEG_MOVES[LegStatus.REVERSED] == frozenset()
    assert CHECKOUT_MOVES[CheckoutStatus.PAID] == frozenset()
    assert AttemptStatus.PAID not in ATTEMPT_MOVES[AttemptStatus.FAILED]


def test_same_order_maps_to_the_same_checkout_and_another_amount_is_refused(ledger):
    first = open_order(ledger)
    assert open_order(ledger).checkout_id == first.checkout_id
    with pytest.raises(OrderMismatch):
        open_order(ledger, amount=9999)


def test_an_attempt_is_written_once_however_often_it_is_submitted(ledger):
    checkout = open_order(ledger)
    attempt, created = ledger.start_attempt(checkout.checkout_id, 1, plan(("c_0001", 10000)), 0)
    again, created_again = ledger.start_attempt(checkout.checkout_id, 1, plan(("c_0001", 10000)), 0)
    assert created and not created_again and again.seq == attempt.seq == 1
    assert [leg.payment_id for leg in ledger.legs(checkout.checkout_id)] == [payment_id_for(checkout.checkout_id, 1, 1)]
    stale, created_stale = ledger.start_attempt(checkout.checkout_id, 2, plan(("c_0001", 10000)), 0)
    assert not created_stale and stale.seq == 1  # attempt 1 still runs: no second attempt


def test_concurrent_submissions_from_threads_create_one_attempt(ledger):
    checkout = open_order(ledger)
    results = []

    def submit():
        results.append(ledger.start_attempt(checkout.checkout_id, 1, plan(("c_0001", 10000)), 0)[1])

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 7 + [True]
    assert len(ledger.legs(checkout.checkout_id)) == 1


def run(ledger, cards, checkout, legs, clock, pins=None):
    ledger.start_attempt(checkout.checkout_id, 1, plan(*legs), checkout.amount - sum(a for _, a in legs))
    return Payer(ledger, clock).run(cards, checkout, 1, pins or {}, QUICK)


def test_two_cards_pay_once_each(ledger, clock):
    cards = FakeCardSystem({"c_0001": 3650, "c_0002": 50000})
    checkout = open_order(ledger)
    assert run(ledger, cards, checkout, [("c_0001", 3650), ("c_0002", 6350)], clock) is AttemptStatus.PAID
    assert cards.charges == [("c_0001", 3650), ("c_0002", 6350)]
    assert ledger.checkout(checkout.checkout_id).status is CheckoutStatus.PAID


def test_a_decline_after_a_success_gives_the_money_back_and_reopens_the_checkout(ledger, clock):
    cards = FakeCardSystem({"c_0001": 3650, "c_0002": 50000, "c_0003": 9000})
    cards.behaviour["c_0002"] = "decline"
    checkout = open_order(ledger, amount=20000)
    outcome = run(ledger, cards, checkout, [("c_0001", 3650), ("c_0002", 6350), ("c_0003", 9000)], clock)
    assert outcome is AttemptStatus.FAILED
    assert cards.balances == {"c_0001": 3650, "c_0002": 50000, "c_0003": 9000}
    assert [leg.status for leg in ledger.legs(checkout.checkout_id)] == [
        LegStatus.REVERSED,
        LegStatus.FAILED,
        LegStatus.FAILED,
    ]
    assert ("c_0003", 9000) not in cards.charges  # never sent after the decline
    assert ledger.latest_attempt(checkout.checkout_id).failure == "INSUFFICIENT_BALANCE"
    assert ledger.checkout(checkout.checkout_id).status is CheckoutStatus.OPEN


def test_a_lost_answer_is_pending_then_confirmed_without_a_second_charge(ledger, clock):
    cards = FakeCardSystem({"c_0001": 50000})
    cards.behaviour["c_0001"] = "lost"
    checkout = open_order(ledger)
    assert run(ledger, cards, checkout, [("c_0001", 10000)], clock) is AttemptStatus.PENDING
    assert ledger.checkout(checkout.checkout_id).status is CheckoutStatus.PENDING
    payer = Payer(ledger, clock)
    assert payer.confirm(cards, checkout, 1, QUICK) is AttemptStatus.PENDING  # too early to ask
    clock.now += 1
    assert payer.confirm(cards, checkout, 1, QUICK) is AttemptStatus.PAID
    assert cards.charges == [("c_0001", 10000)]


def test_processing_settles_later_and_is_never_paid_before(ledger, clock):
    cards = FakeCardSystem({"c_0001": 50000})
    cards.behaviour["c_0001"] = "processing"
    checkout = open_order(ledger)
    payer = Payer(ledger, clock)
    assert run(ledger, cards, checkout, [("c_0001", 10000)], clock) is AttemptStatus.PENDING
    clock.now += 1
    assert payer.confirm(cards, checkout, 1, QUICK) is AttemptStatus.PENDING
    cards.settle(payment_id_for(checkout.checkout_id, 1, 1))
    clock.now += 5
    assert payer.confirm(cards, checkout, 1, QUICK) is AttemptStatus.PAID


def test_backoff_grows_between_status_queries(ledger, clock):
    cards = FakeCardSystem({"c_0001": 50000})
    cards.behaviour["c_0001"] = "processing"
    checkout = open_order(ledger)
    run(ledger, cards, checkout, [("c_0001", 10000)], clock)
    payer = Payer(ledger, clock)
    waits = []
    for _ in range(4):
        clock.now = ledger.legs(checkout.checkout_id)[0].next_query_at
        payer.confirm(cards, checkout, 1, QUICK)
        waits.append(ledger.legs(checkout.checkout_id)[0].next_query_at - clock.now)
    assert waits == sorted(waits) and waits[-1] > waits[0]


def test_a_payment_the_card_system_never_saw_fails_after_the_window(ledger, clock):
    cards = FakeCardSystem({"c_0001": 50000})
    cards.behaviour["c_0001"] = "down"
    checkout = open_order(ledger)
    payer = Payer(ledger, clock)
    assert run(ledger, cards, checkout, [("c_0001", 10000)], clock) is AttemptStatus.PENDING
    clock.now += 1
    assert payer.confirm(cards, checkout, 1, QUICK) is AttemptStatus.PENDING
    clock.now += QUICK.give_up_seconds + 60
    assert payer.confirm(cards, checkout, 1, QUICK) is AttemptStatus.FAILED
    assert cards.charges == []


def test_a_failed_reversal_keeps_the_attempt_open_until_the_money_is_back(ledger, clock):
    cards = FakeCardSystem({"c_0001": 3650, "c_0002": 100})
    cards.behaviour["c_0002"] = "decline"
    cards.reversal_down = True
    checkout = open_order(ledger)
    assert run(ledger, cards, checkout, [("c_0001", 3650), ("c_0002", 6350)], clock) is AttemptStatus.PENDING
    assert cards.balances["c_0001"] == 0
    cards.reversal_down = False
    assert Payer(ledger, clock).confirm(cards, checkout, 1, QUICK) is AttemptStatus.FAILED
    assert cards.balances["c_0001"] == 3650


def test_the_pin_goes_to_its_own_card_only(ledger, clock):
    seen = {}
    cards = FakeCardSystem({"c_0001": 50000, "c_0002": 50000})
    original = cards.pay

    def pay(request):
        seen[request.card_id] = request.secret
        return original(request)

    cards.pay = pay
    checkout = open_order(ledger)
    run(ledger, cards, checkout, [("c_0001", 5000), ("c_0002", 5000)], clock, pins={"c_0001": "111111"})
    assert seen == {"c_0001": "111111", "c_0002": None}
