"""The ledger's promises across machines: two Ledgers (two connection pools) on one PostgreSQL race."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from bff.checkout.ledger import Ledger, PlannedLeg, payment_id_for
from bff.checkout.notify import Notifier
from bff.checkout.records import OrderMismatch
from bff.checkout.refunds import RefundProblem, RefundRefused, Refunds
from bff.checkout.states import AttemptStatus, CheckoutStatus, LegStatus

TAPS = 6  # per machine


@pytest.fixture
def machines(postgres):
    """Two Ledgers on one PostgreSQL ledger, standing in for two BFF machines."""
    from bff.checkout.migrations import upgrade
    from bff.ledger_db import open_ledger_db

    url = postgres.create_database("machines")
    db = open_ledger_db(url)
    upgrade(db)
    db.close()
    pair = [Ledger(url), Ledger(url)]
    yield pair
    for ledger in pair:
        ledger.close()


def race(calls: list[Callable[[], object]]) -> list[object]:
    """Run the calls from threads released at once; each answer, or the exception it raised."""
    gate, answers = threading.Barrier(len(calls)), [None] * len(calls)

    def run(i: int) -> None:
        gate.wait()
        try:
            answers[i] = calls[i]()
        except Exception as exc:  # noqa: BLE001 - reported to the test
            answers[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def both(machines, call: Callable[[Ledger], object]) -> list[object]:
    return race([lambda ledger=ledger: call(ledger) for ledger in machines for _ in range(TAPS)])


def open_order(ledger: Ledger, order_id: str = "O-1", amount: int = 10000):
    return ledger.open_checkout("shop", "u1", order_id, amount, "CNY", "http://app.test/return")


def count(ledger: Ledger, table: str) -> int:
    return ledger.db.row(f"SELECT count(*) AS n FROM {table}")["n"]  # noqa: S608


def test_one_checkout_per_host_order_across_machines(machines):
    answers = both(machines, open_order)
    assert len({checkout.checkout_id for checkout in answers}) == 1, answers
    assert count(machines[0], "checkouts") == 1


def test_the_same_order_with_other_terms_is_refused_on_every_machine(machines):
    answers = race(
        [
            lambda ledger=ledger, amount=amount: open_order(ledger, amount=amount)
            for ledger in machines
            for amount in (100, 200)
        ]
    )
    kept = {a.amount for a in answers if not isinstance(a, Exception)}
    refused = [a for a in answers if isinstance(a, Exception)]
    assert len(kept) == 1 and len(refused) == 2 and all(isinstance(a, OrderMismatch) for a in refused), answers
    assert count(machines[0], "checkouts") == 1


def test_one_attempt_per_checkout_and_seq_across_machines(machines):
    checkout = open_order(machines[0])
    legs = [PlannedLeg("c_0001", "0001", 6000), PlannedLeg("c_0002", "0002", 4000)]
    answers = both(machines, lambda ledger: ledger.start_attempt(checkout.checkout_id, 1, legs, 0))
    assert sorted(created for _, created in answers) == [False] * (2 * TAPS - 1) + [True]
    assert {attempt.seq for attempt, _ in answers} == {1}
    assert [leg.payment_id for leg in machines[1].legs(checkout.checkout_id)] == [
        payment_id_for(checkout.checkout_id, 1, 1),
        payment_id_for(checkout.checkout_id, 1, 2),
    ]
    assert machines[1].checkout(checkout.checkout_id).status is CheckoutStatus.PROCESSING


def test_a_leg_is_claimed_and_moved_once_and_both_machines_agree_on_the_outcome(machines):
    checkout = open_order(machines[0])
    machines[0].start_attempt(checkout.checkout_id, 1, [PlannedLeg("c_0001", "0001", 10000)], 0)
    payment_id = payment_id_for(checkout.checkout_id, 1, 1)
    claims = both(machines, lambda ledger: ledger.mark_sent(payment_id, 1.0, 2.0))
    assert sorted(claims) == [False] * (2 * TAPS - 1) + [True]
    moves = both(machines, lambda ledger: ledger.record_leg(payment_id, LegStatus.SUCCEEDED))
    assert sorted(moves) == [False] * (2 * TAPS - 1) + [True]
    outcomes = both(machines, lambda ledger: ledger.settle_attempt(checkout.checkout_id, 1))
    assert set(outcomes) == {AttemptStatus.PAID}
    assert machines[1].checkout(checkout.checkout_id).status is CheckoutStatus.PAID


def paid_order(ledger: Ledger, order_id: str, amount: int = 10000) -> str:
    checkout = open_order(ledger, order_id, amount)
    ledger.start_attempt(checkout.checkout_id, 1, [PlannedLeg("c_0001", "0001", amount)], 0)
    ledger.record_leg(payment_id_for(checkout.checkout_id, 1, 1), LegStatus.SUCCEEDED)
    assert ledger.settle_attempt(checkout.checkout_id, 1) is AttemptStatus.PAID
    return checkout.checkout_id


def test_refunds_on_two_machines_never_exceed_what_was_paid(machines):
    paid_order(machines[0], "O-1")
    refunds = [Refunds(ledger) for ledger in machines]
    answers = race(
        [lambda r=r, i=i: r.start("shop", "O-1", f"R-{i}", 10000, "last_paid_first") for i, r in enumerate(refunds * 3)]
    )
    written = [a for a in answers if not isinstance(a, Exception)]
    assert len(written) == 1, answers
    assert all(a.problem is RefundProblem.REFUND_EXCEEDED for a in answers if isinstance(a, RefundRefused))


def test_a_refund_id_is_unique_per_merchant_across_machines(machines):
    paid_order(machines[0], "O-1")
    paid_order(machines[0], "O-2")
    refunds = [Refunds(ledger) for ledger in machines]
    answers = race(
        [lambda r=r, o=o: r.start("shop", o, "R-1", 500, "last_paid_first") for r in refunds for o in ("O-1", "O-2")]
    )
    refused = [a for a in answers if isinstance(a, RefundRefused)]
    assert {a.problem for a in refused} == {RefundProblem.DUPLICATE} and len(refused) == 2, answers
    assert count(machines[0], "refunds") == 1


def test_a_notification_is_queued_once_per_event_across_machines(machines):
    notifiers = [Notifier(ledger.db, "secret", session=None) for ledger in machines]  # type: ignore[arg-type]
    answers = race(
        [
            lambda n=n: n.enqueue("shop", "late_charge:kb-x-1-1:SUCCEEDED", "http://app.test/n", {})
            for n in notifiers * TAPS
        ]
    )
    assert sorted(answers) == [False] * (2 * TAPS - 1) + [True]
    assert count(machines[0], "notifications") == 1
